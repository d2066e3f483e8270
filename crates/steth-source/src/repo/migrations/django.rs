//! Django's `AlterField`, judged against the field's previous definition in the app's earlier
//! migrations: Django writes an `AlterField` for harmless changes too (`help_text`, a longer
//! `max_length`), so only a changed field class (a type change) or a nullable field made
//! `NOT NULL` is a finding, and a field whose history is not found is not guessed at.

use super::{Concern, Finding, statement};
use regex::Regex;
use std::sync::LazyLock;

static CALL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"migrations\.(AddField|AlterField|CreateModel)\s*\(").expect("valid"));
static MODEL_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"model_name\s*=\s*['"](\w+)['"]"#).expect("valid"));
static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\bname\s*=\s*['"](\w+)['"]"#).expect("valid"));
static FIELD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bfield\s*=\s*([\w.]+)\s*\(").expect("valid"));
static TUPLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\(\s*['"](\w+)['"]\s*,\s*([\w.]+)\s*\("#).expect("valid"));
static NULL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bnull\s*=\s*True\b").expect("valid"));

/// A field's class and nullability.
#[derive(Debug, Clone, PartialEq)]
struct FieldDef {
    class: String,
    nullable: bool,
}

/// One definition of a field: by a `CreateModel`, `AddField` or `AlterField` at an offset.
struct Definition {
    model: String,
    field: String,
    def: FieldDef,
    offset: usize,
    altered: bool,
}

/// The text from the `(` at `open` through its matching `)` (or the end).
fn balanced(text: &str, open: usize) -> &str {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open..open + i + 1];
                }
            }
            _ => {}
        }
    }
    &text[open..]
}

/// Every field definition of a migration's text, in order.
fn definitions(text: &str) -> Vec<Definition> {
    let mut out = Vec::new();
    for c in CALL.captures_iter(text) {
        let whole = c.get(0).expect("a match");
        let call = balanced(text, whole.end() - 1);
        let kind = &c[1];
        if kind == "CreateModel" {
            let Some(model) = NAME.captures(call).map(|m| m[1].to_ascii_lowercase()) else { continue };
            for t in TUPLE.captures_iter(call) {
                let open = t.get(0).expect("a match").end() - 1;
                let args = balanced(call, open);
                let def = FieldDef { class: t[2].to_string(), nullable: NULL.is_match(args) };
                out.push(Definition {
                    model: model.clone(),
                    field: t[1].to_string(),
                    def,
                    offset: whole.start(),
                    altered: false,
                });
            }
        } else {
            let (Some(model), Some(field), Some(f)) =
                (MODEL_NAME.captures(call), NAME.captures(call), FIELD.captures(call))
            else {
                continue;
            };
            let args = balanced(call, f.get(0).expect("a match").end() - 1);
            let def = FieldDef { class: f[1].to_string(), nullable: NULL.is_match(args) };
            let (model, field) = (model[1].to_ascii_lowercase(), field[1].to_string());
            out.push(Definition { model, field, def, offset: whole.start(), altered: kind == "AlterField" });
        }
    }
    out
}

/// The findings of a migration's `AlterField`s, given the texts of the app's earlier migrations
/// in version order.
pub(super) fn alter_fields(text: &str, earlier: &[String]) -> Vec<Finding> {
    let history: Vec<Definition> = earlier.iter().flat_map(|t| definitions(t)).collect();
    let own = definitions(text);
    let mut findings = Vec::new();
    for (i, alter) in own.iter().enumerate().filter(|(_, d)| d.altered) {
        let same = |d: &&Definition| d.model == alter.model && d.field == alter.field;
        let Some(before) = own[..i].iter().rev().find(same).or_else(|| history.iter().rev().find(same)) else {
            continue;
        };
        let line = super::super::tree::line_of(text, alter.offset);
        let stmt = statement(text.lines().nth(line - 1).unwrap_or(""));
        let mut push = |rule: &str, message: String| {
            for concern in [Concern::Breaking, Concern::Lock] {
                findings.push(Finding {
                    concern,
                    rule: rule.into(),
                    message: message.clone(),
                    line,
                    statement: stmt.clone(),
                });
            }
        };
        if before.def.class != alter.def.class {
            let message = format!(
                "changes {}.{} from {} to {}: old code may write values the new type rejects, and the table is rewritten",
                alter.model, alter.field, before.def.class, alter.def.class
            );
            push("changing-column-type", message);
        }
        if before.def.nullable && !alter.def.nullable {
            let message = format!(
                "makes {}.{} NOT NULL: inserts from the running version that omit it fail, and the table is scanned under lock",
                alter.model, alter.field
            );
            push("adding-not-nullable-field", message);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    const INITIAL: &str = "class Migration(migrations.Migration):\n    operations = [\n        migrations.CreateModel(\n            \
                           name='Order',\n            fields=[\n                ('id', models.BigAutoField(primary_key=True)),\n                \
                           ('note', models.CharField(max_length=100, null=True)),\n                ('total', models.IntegerField()),\n            ],\n        ),\n    ]\n";

    fn rules(text: &str) -> Vec<(String, usize)> {
        alter_fields(text, &[INITIAL.to_string()])
            .into_iter()
            .filter(|f| f.concern == Concern::Breaking)
            .map(|f| (f.rule, f.line))
            .collect()
    }

    #[test]
    fn a_harmless_alter_field_is_not_a_finding() {
        let longer = "operations = [\n    migrations.AlterField(\n        model_name='order',\n        name='note',\n        \
                      field=models.CharField(max_length=500, null=True, help_text='x'),\n    ),\n]\n";
        assert!(rules(longer).is_empty());
        let unknown = "operations = [\n    migrations.AlterField(model_name='customer', name='x', field=models.TextField()),\n]\n";
        assert!(rules(unknown).is_empty(), "no history, no guess");
    }

    #[test]
    fn a_new_field_class_or_a_dropped_null_is_a_finding() {
        let retyped = "operations = [\n    migrations.AlterField(\n        model_name='order',\n        name='total',\n        \
                       field=models.DecimalField(max_digits=12, decimal_places=2),\n    ),\n]\n";
        assert_eq!(rules(retyped), [("changing-column-type".into(), 2)]);
        let not_null = "operations = [\n    migrations.AlterField(model_name='order', name='note', field=models.CharField(max_length=100)),\n]\n";
        assert_eq!(rules(not_null), [("adding-not-nullable-field".into(), 2)]);
    }

    #[test]
    fn a_definition_earlier_in_the_same_migration_counts() {
        let text = "operations = [\n    migrations.AddField(model_name='order', name='ref', field=models.IntegerField(null=True)),\n    \
                    migrations.AlterField(model_name='order', name='ref', field=models.IntegerField()),\n]\n";
        assert_eq!(rules(text), [("adding-not-nullable-field".into(), 3)]);
    }
}
