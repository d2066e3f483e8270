//! SQL migrations linted with squawk's rules (squawk-linter), each rule filed under the concern
//! it is about: breaking the running code (7.7) or locking and rewriting tables (9.4).

use super::{Concern, Finding, statement};
use squawk_linter::{Linter, Rule};
use squawk_syntax::SourceFile;

/// The squawk rules stethoscope uses and the concern of each. A rule under both concerns is
/// reported under both (a type change breaks old code and rewrites the table).
const RULES: &[(Rule, &[Concern])] = &[
    (Rule::BanDropColumn, &[Concern::Breaking]),
    (Rule::BanDropTable, &[Concern::Breaking]),
    (Rule::RenamingColumn, &[Concern::Breaking]),
    (Rule::RenamingTable, &[Concern::Breaking]),
    (Rule::BanDropConstraint, &[Concern::Breaking]),
    (Rule::AddingRequiredField, &[Concern::Breaking]),
    (Rule::ChangingColumnType, &[Concern::Breaking, Concern::Lock]),
    (Rule::AddingNotNullableField, &[Concern::Breaking, Concern::Lock]),
    (Rule::RequireConcurrentIndexCreation, &[Concern::Lock]),
    (Rule::RequireConcurrentIndexDeletion, &[Concern::Lock]),
    (Rule::ConstraintMissingNotValid, &[Concern::Lock]),
    (Rule::AddingForeignKeyConstraint, &[Concern::Lock]),
    (Rule::AddingFieldWithDefault, &[Concern::Lock]),
    (Rule::AddingSerialPrimaryKeyField, &[Concern::Lock]),
    (Rule::DisallowedUniqueConstraint, &[Concern::Lock]),
    (Rule::PreferRepack, &[Concern::Lock]),
    (Rule::RequireLockTimeout, &[Concern::Lock]),
];

/// The findings of one SQL migration (its down part already removed).
pub(super) fn lint(text: &str) -> Vec<Finding> {
    let parsed = SourceFile::parse(text);
    let mut linter = Linter::from(RULES.iter().map(|(r, _)| *r));
    // Migration tools run each file in a transaction by default, so a table the file creates is
    // new to everyone and indexing it blocks nothing.
    linter.settings.assume_in_transaction = true;
    let mut findings = Vec::new();
    for v in linter.lint(&parsed, text) {
        let Some((_, concerns)) = RULES.iter().find(|(r, _)| *r == v.code) else { continue };
        let start = usize::from(v.text_range.start()).min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        for concern in *concerns {
            findings.push(Finding {
                concern: *concern,
                rule: v.code.to_string(),
                message: v.message.clone(),
                line: super::super::tree::line_of(text, start),
                statement: statement(&text[line_start..line_end]),
            });
        }
    }
    findings.sort_by_key(|f| f.line);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str, concern: Concern) -> Vec<(String, usize)> {
        lint(text).into_iter().filter(|f| f.concern == concern).map(|f| (f.rule, f.line)).collect()
    }

    #[test]
    fn drops_renames_and_type_changes_break_running_code() {
        let sql = "SET lock_timeout = '3s';\nALTER TABLE users DROP COLUMN name;\nALTER TABLE orders RENAME COLUMN total TO amount;\n\
                   ALTER TABLE items ALTER COLUMN price TYPE numeric(12,2);\n";
        let breaking = rules(sql, Concern::Breaking);
        assert_eq!(
            breaking,
            [("ban-drop-column".into(), 2), ("renaming-column".into(), 3), ("changing-column-type".into(), 4)]
        );
    }

    #[test]
    fn an_index_without_concurrently_on_an_existing_table_is_a_lock_risk() {
        let sql = "SET lock_timeout = '3s';\nCREATE INDEX orders_user_idx ON orders (user_id);\n";
        assert_eq!(rules(sql, Concern::Lock), [("require-concurrent-index-creation".into(), 2)]);
        assert!(rules(sql, Concern::Breaking).is_empty());
        let fine = "SET lock_timeout = '3s';\nCREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);\n";
        assert!(lint(fine).is_empty(), "{:?}", lint(fine));
        let new_table =
            "SET lock_timeout = '3s';\nCREATE TABLE t (id bigint PRIMARY KEY, u bigint);\nCREATE INDEX t_u ON t (u);\n";
        assert!(lint(new_table).is_empty(), "{:?}", lint(new_table));
    }

    #[test]
    fn not_null_checks_and_required_columns() {
        let sql = "SET lock_timeout = '3s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n\
                   ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0);\n\
                   ALTER TABLE users ADD COLUMN tenant bigint NOT NULL;\n\
                   ALTER TABLE users ADD COLUMN flag boolean NOT NULL DEFAULT false;\n";
        let all: Vec<(Concern, String, usize)> = lint(sql).into_iter().map(|f| (f.concern, f.rule, f.line)).collect();
        let has = |c: Concern, r: &str, l: usize| all.iter().any(|(fc, fr, fl)| *fc == c && fr == r && *fl == l);
        assert!(has(Concern::Breaking, "adding-not-nullable-field", 2), "{all:?}");
        assert!(has(Concern::Lock, "adding-not-nullable-field", 2), "{all:?}");
        assert!(has(Concern::Lock, "constraint-missing-not-valid", 3), "{all:?}");
        assert!(has(Concern::Breaking, "adding-required-field", 4), "{all:?}");
        assert!(!all.iter().any(|(_, _, l)| *l == 5), "a constant default is safe on PostgreSQL 11+: {all:?}");
    }

    #[test]
    fn creating_a_table_needs_no_lock_timeout() {
        assert!(
            lint("CREATE TABLE t (id bigint PRIMARY KEY);\n").is_empty(),
            "{:?}",
            lint("CREATE TABLE t (id bigint PRIMARY KEY);\n")
        );
    }

    #[test]
    fn constraints_need_not_valid_and_ddl_a_lock_timeout() {
        let sql = "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);\n";
        let lock = rules(sql, Concern::Lock);
        assert!(lock.iter().any(|(r, _)| r == "require-lock-timeout"), "{lock:?}");
        assert!(
            lock.iter().any(|(r, _)| r == "adding-foreign-key-constraint" || r == "constraint-missing-not-valid"),
            "{lock:?}"
        );
    }
}
