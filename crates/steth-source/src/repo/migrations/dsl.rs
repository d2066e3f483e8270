//! The migration DSLs of Rails, Django, Alembic, Knex, Sequelize and Liquibase, linted call by
//! call for drops, renames, type changes, required columns, and the lock risks each DSL can
//! avoid (concurrent indexes, unvalidated foreign keys). Rule names follow squawk's, so one
//! finding reads the same whatever the framework.

use super::files::Framework;
use super::{Concern, Finding, statement};
use regex::Regex;
use std::sync::LazyLock;

use Concern::{Breaking as B, Lock as L};
use Framework::{Alembic, Django, Knex, Liquibase, Rails, Sequelize};

/// One DSL rule: a call `pattern`, optionally only when the call's text matches `requires` and
/// not when it matches `unless`; `table` captures the table so an index on a table the same
/// migration creates is not flagged.
struct DslRule {
    framework: Framework,
    pattern: Regex,
    requires: Option<Regex>,
    unless: Option<Regex>,
    table: Option<Regex>,
    rule: &'static str,
    concerns: &'static [Concern],
    message: &'static str,
}

type Spec = (
    Framework,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    &'static [Concern],
    &'static str,
);

const DROP: &str = "drops a column the running version may still read or write";
const DROP_TABLE: &str = "drops a table the running version may still use";
const RENAME: &str = "renames a column: the running version still uses the old name";
const RENAME_TABLE: &str = "renames a table: the running version still uses the old name";
const TYPE: &str =
    "changes a column's type: old code may write values the new type rejects, and the table is rewritten";
const NOT_NULL: &str =
    "makes a column NOT NULL: inserts from the running version that omit it fail, and the table is scanned under lock";
const REQUIRED: &str = "adds a NOT NULL column without a default: inserts from the running version fail";
const DROP_CONSTRAINT: &str = "drops a constraint other code may rely on (ON CONFLICT targets, cascades)";
const INDEX: &str = "builds an index without CONCURRENTLY on an existing table: writes block for the whole build";
const FK: &str = "adds a foreign key validated under lock: add it NOT VALID, then validate separately";

const SPECS: &[Spec] = &[
    (
        Rails,
        r"^\s*remove_columns?\b|^\s*t\.remove\b|^\s*remove_(reference|belongs_to)\b",
        None,
        None,
        None,
        "ban-drop-column",
        &[B],
        DROP,
    ),
    (Rails, r"^\s*(t\.)?rename_column\b|^\s*t\.rename\b", None, None, None, "renaming-column", &[B], RENAME),
    (Rails, r"^\s*drop_table\b", None, None, None, "ban-drop-table", &[B], DROP_TABLE),
    (Rails, r"^\s*rename_table\b", None, None, None, "renaming-table", &[B], RENAME_TABLE),
    (Rails, r"^\s*(t\.)?change_column[\s(]|^\s*t\.change\b", None, None, None, "changing-column-type", &[B, L], TYPE),
    (
        Rails,
        r"^\s*change_column_null\b",
        Some(r",\s*false\b"),
        None,
        None,
        "adding-not-nullable-field",
        &[B, L],
        NOT_NULL,
    ),
    (
        Rails,
        r"^\s*add_column\b",
        Some(r"null:\s*false"),
        Some(r"default:"),
        None,
        "adding-required-field",
        &[B],
        REQUIRED,
    ),
    (Rails, r"^\s*remove_foreign_key\b", None, None, None, "ban-drop-constraint", &[B], DROP_CONSTRAINT),
    (
        Rails,
        r"^\s*add_index\b",
        None,
        Some(r"algorithm:\s*:concurrently"),
        Some(r#"add_index\s*\(?\s*:?["']?(\w+)"#),
        "require-concurrent-index-creation",
        &[L],
        INDEX,
    ),
    // Rails 5+ indexes a reference by default, without CONCURRENTLY.
    (
        Rails,
        r"^\s*add_(reference|belongs_to)\b",
        None,
        Some(r"index:\s*false|algorithm:\s*:concurrently"),
        Some(r#"add_(?:reference|belongs_to)\s*\(?\s*:?["']?(\w+)"#),
        "require-concurrent-index-creation",
        &[L],
        INDEX,
    ),
    (
        Rails,
        r"^\s*add_foreign_key\b",
        None,
        Some(r"validate:\s*false"),
        None,
        "adding-foreign-key-constraint",
        &[L],
        FK,
    ),
    (Django, r"migrations\.RemoveField\(", None, None, None, "ban-drop-column", &[B], DROP),
    (Django, r"migrations\.RenameField\(", None, None, None, "renaming-column", &[B], RENAME),
    (Django, r"migrations\.DeleteModel\(", None, None, None, "ban-drop-table", &[B], DROP_TABLE),
    (Django, r"migrations\.RenameModel\(", None, None, None, "renaming-table", &[B], RENAME_TABLE),
    (Django, r"migrations\.RemoveConstraint\(", None, None, None, "ban-drop-constraint", &[B], DROP_CONSTRAINT),
    (
        Django,
        r"migrations\.AddIndex\(",
        None,
        None,
        Some(r#"model_name\s*=\s*["'](\w+)"#),
        "require-concurrent-index-creation",
        &[L],
        INDEX,
    ),
    (Alembic, r"\bop\.drop_column\(", None, None, None, "ban-drop-column", &[B], DROP),
    (Alembic, r"\bop\.drop_table\(", None, None, None, "ban-drop-table", &[B], DROP_TABLE),
    (Alembic, r"\bop\.rename_table\(", None, None, None, "renaming-table", &[B], RENAME_TABLE),
    (Alembic, r"\bop\.alter_column\(", Some(r"new_column_name\s*="), None, None, "renaming-column", &[B], RENAME),
    (Alembic, r"\bop\.alter_column\(", Some(r"\btype_\s*="), None, None, "changing-column-type", &[B, L], TYPE),
    (
        Alembic,
        r"\bop\.alter_column\(",
        Some(r"nullable\s*=\s*False"),
        None,
        None,
        "adding-not-nullable-field",
        &[B, L],
        NOT_NULL,
    ),
    (
        Alembic,
        r"\bop\.add_column\(",
        Some(r"nullable\s*=\s*False"),
        Some(r"server_default"),
        None,
        "adding-required-field",
        &[B],
        REQUIRED,
    ),
    (Alembic, r"\bop\.drop_constraint\(", None, None, None, "ban-drop-constraint", &[B], DROP_CONSTRAINT),
    (
        Alembic,
        r"\bop\.create_index\(",
        None,
        Some(r"postgresql_concurrently\s*=\s*True"),
        Some(r#"create_index\(\s*[^,]+,\s*["'](\w+)"#),
        "require-concurrent-index-creation",
        &[L],
        INDEX,
    ),
    (
        Alembic,
        r"\bop\.create_foreign_key\(",
        None,
        Some(r"postgresql_not_valid"),
        None,
        "adding-foreign-key-constraint",
        &[L],
        FK,
    ),
    (Knex, r"\.dropColumns?\(", None, None, None, "ban-drop-column", &[B], DROP),
    (Knex, r"\.renameColumn\(", None, None, None, "renaming-column", &[B], RENAME),
    (Knex, r"\.dropTable(IfExists)?\(", None, None, None, "ban-drop-table", &[B], DROP_TABLE),
    (Knex, r"\.renameTable\(", None, None, None, "renaming-table", &[B], RENAME_TABLE),
    (Knex, r"\.alter\(", None, None, None, "changing-column-type", &[B, L], TYPE),
    (Knex, r"\.drop(Foreign|Unique|Primary)\(", None, None, None, "ban-drop-constraint", &[B], DROP_CONSTRAINT),
    (Sequelize, r"\.removeColumn\(", None, None, None, "ban-drop-column", &[B], DROP),
    (Sequelize, r"\.renameColumn\(", None, None, None, "renaming-column", &[B], RENAME),
    (Sequelize, r"\.dropTable\(", None, None, None, "ban-drop-table", &[B], DROP_TABLE),
    (Sequelize, r"\.renameTable\(", None, None, None, "renaming-table", &[B], RENAME_TABLE),
    (Sequelize, r"\.changeColumn\(", None, None, None, "changing-column-type", &[B, L], TYPE),
    (Sequelize, r"\.removeConstraint\(", None, None, None, "ban-drop-constraint", &[B], DROP_CONSTRAINT),
    (
        Sequelize,
        r"\.addColumn\(",
        Some(r"allowNull:\s*false"),
        Some(r"defaultValue"),
        None,
        "adding-required-field",
        &[B],
        REQUIRED,
    ),
    (
        Sequelize,
        r"\.addIndex\(",
        None,
        Some(r"concurrently:\s*true"),
        Some(r#"addIndex\(\s*["'](\w+)"#),
        "require-concurrent-index-creation",
        &[L],
        INDEX,
    ),
    (Liquibase, r"\bdropColumn\b", None, None, None, "ban-drop-column", &[B], DROP),
    (Liquibase, r"\brenameColumn\b", None, None, None, "renaming-column", &[B], RENAME),
    (Liquibase, r"\bdropTable\b", None, None, None, "ban-drop-table", &[B], DROP_TABLE),
    (Liquibase, r"\brenameTable\b", None, None, None, "renaming-table", &[B], RENAME_TABLE),
    (Liquibase, r"\bmodifyDataType\b", None, None, None, "changing-column-type", &[B, L], TYPE),
    (Liquibase, r"\baddNotNullConstraint\b", None, None, None, "adding-not-nullable-field", &[B, L], NOT_NULL),
    (
        Liquibase,
        r"\bdrop(ForeignKey|Unique|PrimaryKey)Constraint\b",
        None,
        None,
        None,
        "ban-drop-constraint",
        &[B],
        DROP_CONSTRAINT,
    ),
];

static RULES: LazyLock<Vec<DslRule>> = LazyLock::new(|| {
    let re = |p: &str| Regex::new(p).expect("built-in DSL patterns are valid");
    SPECS
        .iter()
        .map(|(framework, pattern, requires, unless, table, rule, concerns, message)| DslRule {
            framework: *framework,
            pattern: re(pattern),
            requires: requires.map(re),
            unless: unless.map(re),
            table: table.map(re),
            rule,
            concerns,
            message,
        })
        .collect()
});

/// Tables (or Django models) the migration itself creates: indexing them blocks nothing.
static CREATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:create_table|CreateModel\(\s*name\s*=|createTable\()\s*\(?\s*:?["']?(\w+)"#).expect("valid")
});

/// The findings of one DSL migration (its down part already removed).
pub(super) fn lint(framework: Framework, text: &str) -> Vec<Finding> {
    let lines: Vec<&str> = text.lines().collect();
    let created: Vec<String> = CREATED.captures_iter(text).map(|c| c[1].to_ascii_lowercase()).collect();
    let mut findings = super::raw_sql::lint(text);
    for (n, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with("//") || t.starts_with("<!--") {
            continue;
        }
        for rule in RULES.iter().filter(|r| r.framework == framework && r.pattern.is_match(line)) {
            let call = call_text(&lines[n..]);
            if rule.requires.as_ref().is_some_and(|r| !r.is_match(&call))
                || rule.unless.as_ref().is_some_and(|u| u.is_match(&call))
            {
                continue;
            }
            let table = rule.table.as_ref().and_then(|t| t.captures(&call)).map(|c| c[1].to_ascii_lowercase());
            if table.is_some_and(|t| created.contains(&t)) {
                continue;
            }
            for concern in rule.concerns {
                findings.push(Finding {
                    concern: *concern,
                    rule: rule.rule.to_string(),
                    message: rule.message.to_string(),
                    line: n + 1,
                    statement: statement(line),
                });
            }
        }
    }
    findings
}

/// The call starting on the first line, through the line that balances its parentheses
/// (at most 15 lines), so options on later lines count.
fn call_text(lines: &[&str]) -> String {
    let mut depth = 0i32;
    let mut out = String::new();
    for line in lines.iter().take(15) {
        out.push_str(line);
        out.push('\n');
        depth += line.matches('(').count() as i32 - line.matches(')').count() as i32;
        if depth <= 0 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(framework: Framework, text: &str) -> Vec<(&'static str, String, usize)> {
        lint(framework, text)
            .into_iter()
            .map(|f| (if f.concern == B { "breaking" } else { "lock" }, f.rule, f.line))
            .collect()
    }

    #[test]
    fn rails_drops_renames_and_indexes() {
        let rb = "class X < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :name\n    \
                  rename_column :orders, :total, :amount\n    add_index :orders, :user_id\n    \
                  add_index :orders, :sku, algorithm: :concurrently\n  end\nend\n";
        assert_eq!(
            found(Rails, rb),
            [
                ("breaking", "ban-drop-column".into(), 3),
                ("breaking", "renaming-column".into(), 4),
                ("lock", "require-concurrent-index-creation".into(), 5)
            ]
        );
        let reference =
            "def change\n  add_reference :orders, :coupon\n  add_reference :orders, :shop, index: false\nend\n";
        assert_eq!(found(Rails, reference), [("lock", "require-concurrent-index-creation".into(), 2)]);
        let new_table = "def change\n  create_table :carts do |t|\n    t.bigint :user_id\n  end\n  add_index :carts, :user_id\nend\n";
        assert!(found(Rails, new_table).is_empty());
    }

    #[test]
    fn django_and_alembic_calls_spanning_lines() {
        let dj = "class Migration(migrations.Migration):\n    operations = [\n        migrations.RemoveField(\n            model_name='order',\n            name='note',\n        ),\n        migrations.AddIndexConcurrently(model_name='order', index=x),\n    ]\n";
        assert_eq!(found(Django, dj), [("breaking", "ban-drop-column".into(), 3)]);
        let al = "def upgrade():\n    op.alter_column(\n        'users', 'name',\n        new_column_name='full_name')\n    op.create_index('ix', 'orders', ['user_id'], postgresql_concurrently=True)\n";
        assert_eq!(found(Alembic, al), [("breaking", "renaming-column".into(), 2)]);
    }

    #[test]
    fn truncated_migrations_lint_without_panicking() {
        let sample =
            "execute <<~SQL\n  DROP TABLE é;\nSQL\nmigrations.RunSQL(\"\"\"é\nop.execute('x\nadd_index :é, :b\n";
        for (end, _) in sample.char_indices() {
            for framework in [Rails, Django, Alembic, Knex, Sequelize, Liquibase] {
                lint(framework, &sample[..end]);
            }
        }
    }

    #[test]
    fn knex_sequelize_and_liquibase() {
        let knex = "exports.up = (knex) => knex.schema.alterTable('users', (t) => {\n  t.dropColumn('name');\n  t.string('email').notNullable().alter();\n});\n";
        let rules: Vec<String> = found(Knex, knex).into_iter().map(|f| f.1).collect();
        assert_eq!(rules, ["ban-drop-column", "changing-column-type", "changing-column-type"]);
        let seq = "module.exports = {\n  async up(queryInterface) {\n    await queryInterface.addIndex('orders', ['user_id'], { concurrently: true });\n    await queryInterface.renameColumn('users', 'name', 'full_name');\n  },\n};\n";
        assert_eq!(found(Sequelize, seq), [("breaking", "renaming-column".into(), 4)]);
        let xml = "<changeSet id=\"3\" author=\"a\">\n  <dropColumn tableName=\"users\" columnName=\"name\"/>\n</changeSet>\n";
        assert_eq!(found(Liquibase, xml), [("breaking", "ban-drop-column".into(), 2)]);
    }
}
