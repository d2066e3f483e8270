//! Raw SQL inside DSL migrations (Rails `execute`, Django `RunSQL`, Alembic `op.execute`, Knex
//! `raw`, Sequelize `query`), linted like a SQL file at the lines it sits on.

use super::Finding;
use regex::Regex;
use std::sync::LazyLock;

/// Calls that run raw SQL from a DSL migration; the SQL is linted like a SQL file.
static RAW_SQL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bexecute\s*\(?\s*(<<[~-]?['\x22]?SQL|['\x22`])|RunSQL\(|\bop\.execute\(|\.raw\(|sequelize\.query\(")
        .expect("valid")
});

/// The SQL literals raw-SQL calls run, each with the 1-based line it starts on.
fn embedded_sql(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for m in RAW_SQL.find_iter(text) {
        let rest = &text[m.start()..];
        let start_line = super::super::tree::line_of(text, m.start());
        let literal = if let Some(i) = m.as_str().find("<<") {
            // A Ruby heredoc: the body runs from the next line to the line holding only the tag.
            let body = rest[i..].split_once('\n').map_or("", |(_, b)| b);
            let end = body.lines().position(|l| l.trim() == "SQL").unwrap_or(0);
            Some((start_line + 1, body.lines().take(end).collect::<Vec<_>>().join("\n")))
        } else {
            let open = rest.find(['"', '\'', '`']);
            open.and_then(|o| {
                let quote = if rest[o..].starts_with("\"\"\"") || rest[o..].starts_with("'''") {
                    &rest[o..o + 3]
                } else {
                    &rest[o..o + 1]
                };
                let body = &rest[o + quote.len()..];
                let close = body.find(quote)?;
                Some((super::super::tree::line_of(text, m.start() + o), body[..close].to_string()))
            })
        };
        if let Some((line, sql)) = literal.filter(|(_, sql)| !sql.trim().is_empty()) {
            out.push((line, sql));
        }
    }
    out
}

/// The findings of the raw SQL a DSL migration runs. The framework owns the session's settings
/// (strong_migrations sets `lock_timeout`), so raw SQL is not asked to set its own.
pub(super) fn lint(text: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (line, sql) in embedded_sql(text) {
        for mut f in super::sql::lint(&sql).into_iter().filter(|f| f.rule != "require-lock-timeout") {
            f.line += line - 1;
            findings.push(f);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::Concern;
    use super::*;

    fn found(text: &str) -> Vec<(&'static str, String, usize)> {
        lint(text)
            .into_iter()
            .map(|f| (if f.concern == Concern::Breaking { "breaking" } else { "lock" }, f.rule, f.line))
            .collect()
    }

    #[test]
    fn raw_sql_in_a_dsl_migration_is_linted_as_sql() {
        let dj = "operations = [\n    migrations.RunSQL(\n        \"CREATE INDEX orders_user ON orders (user_id);\",\n        reverse_sql=\"DROP INDEX orders_user;\",\n    ),\n]\n";
        assert_eq!(found(dj), [("lock", "require-concurrent-index-creation".into(), 3)]);
        let rb = "def change\n  execute <<~SQL\n    SELECT 1;\n    ALTER TABLE users DROP COLUMN name;\n  SQL\nend\n";
        assert_eq!(found(rb), [("breaking", "ban-drop-column".into(), 4)]);
        let al = "def upgrade():\n    op.execute(\"\"\"\n        CREATE INDEX CONCURRENTLY ix ON orders (user_id);\n    \"\"\")\n";
        assert!(found(al).is_empty(), "{:?}", found(al));
    }
}
