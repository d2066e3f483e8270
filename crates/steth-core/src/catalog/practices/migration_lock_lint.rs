//! 9.4 migration-lock-lint: migrations reviewed for lock risk.

use crate::catalog::prelude::*;
use crate::catalog::repo_practice::{migration_findings, seen, sightings};

declare_item! {
    /// ## What it checks
    /// Migrations are checked for operations that take heavy locks or rewrite tables before they
    /// reach production: an index built without `CONCURRENTLY`, column type changes that rewrite
    /// the table, constraints validated under an `ACCESS EXCLUSIVE` lock. The default threshold is
    /// 0 lock-risk findings, and a migration linter in CI.
    ///
    /// ## Why it matters
    /// `CREATE INDEX` on a 50-million-row table blocks writes for the whole build. Worse, an
    /// `ALTER TABLE` that needs `ACCESS EXCLUSIVE` waits behind a long-running query, and every
    /// query that arrives after it queues behind the `ALTER`: a migration that would take 2 s turns
    /// into a five-minute outage because it waited for a report query. Item 7.7 covers
    /// compatibility with running code; this item covers locks.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope checks the CI configuration for a migration linter, and lints the
    ///   migration files itself for lock risk: index creation without `CONCURRENTLY`, table
    ///   rewrites, and long-held locks. Findings are listed with file and statement, and their
    ///   count is compared with the threshold (a count, which can be changed in `[thresholds]`).
    ///
    /// The migrations and what counts as new are those of item 7.7. The lint uses squawk's rules
    /// for SQL (require-concurrent-index-creation, constraint-missing-not-valid,
    /// adding-foreign-key-constraint, changing-column-type, adding-not-nullable-field,
    /// require-lock-timeout, …) and the DSL equivalents (Rails `add_index` without `algorithm:
    /// :concurrently`, Django `AddIndex`, Alembic `create_index` without
    /// `postgresql_concurrently=True`, Sequelize `addIndex` without `concurrently: true`). A clean
    /// lint without a migration linter in CI (squawk, strong_migrations, django-migration-linter,
    /// atlas) gives `warn`: the next migration is not checked.
    ///
    /// ## How to fix
    /// Build indexes concurrently, split constraint creation from validation, and bound lock waits:
    ///
    /// ```sql
    /// CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);
    ///
    /// SET lock_timeout = '3s';  -- fail the migration instead of queueing all traffic behind it
    /// ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
    ///   FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
    /// ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;  -- weaker lock, scans the table
    /// ```
    ///
    /// `CONCURRENTLY` cannot run inside a transaction: disable the migration tool's transaction for
    /// that file (`disable_ddl_transaction!` in Rails, `atomic = False` in Django,
    /// `-- +goose NO TRANSACTION` in goose). Lint in CI, for example with squawk:
    ///
    /// ```yaml
    /// - run: npx squawk-cli migrations/*.sql
    /// ```
    pub MIGRATION_LOCK_LINT = {
        id: "9.4",
        slug: "migration-lock-lint",
        title: "Migrations reviewed for lock risk",
        section: DevelopmentPractices,
        threshold: Threshold::at_most(0),
        sources: [Source],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let m = evidence.repo()?.migrations.get()?;
    let summary = format!("{} new of {} migration(s) linted ({})", m.linted.len(), m.total, m.baseline);
    let outcome = migration_findings(&m.lock_risks, "lock risk", threshold, summary);
    if outcome.status != crate::outcome::Status::Pass {
        return Ok(outcome);
    }
    if m.linters.found.is_empty() {
        let searched = m.linters.searched.iter().map(|s| format!("searched {s}"));
        return Ok(Outcome::warn(
            "no migration linter in CI",
            format!(
                "{}; no CI job runs squawk, strong_migrations, django-migration-linter or atlas, so the next \
                 migration is not checked before it ships",
                outcome.evidence
            ),
        )
        .with_findings(searched));
    }
    let linters = format!("linted in CI by {}", seen(&m.linters.found));
    Ok(Outcome { evidence: format!("{}; {linters}", outcome.evidence), ..outcome }
        .with_findings(sightings(&m.linters.found)))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, migration_finding, practice, repo, with_repo};
    use crate::evidence::{MigrationEvidence, Slot};
    use crate::outcome::Status;

    fn with(change: impl FnOnce(&mut MigrationEvidence)) -> Evidence {
        let mut r = repo();
        if let Slot::Collected { data } = &mut r.migrations {
            change(data);
        }
        with_repo(r)
    }

    #[test]
    fn clean_migrations_and_a_linter_in_ci_pass() {
        let o = expect(&MIGRATION_LOCK_LINT, &with(|_| {}), Status::Pass);
        assert!(o.evidence.contains("linted in CI by squawk in CI"), "{}", o.evidence);
    }

    #[test]
    fn an_index_without_concurrently_fails() {
        let e = with(|m| {
            m.lock_risks.push(migration_finding("require-concurrent-index-creation", "migrations/0002_orders.sql", 4))
        });
        let o = expect(&MIGRATION_LOCK_LINT, &e, Status::Fail);
        assert!(
            o.findings[0].contains("migrations/0002_orders.sql:4 require-concurrent-index-creation"),
            "{:?}",
            o.findings
        );
    }

    #[test]
    fn no_linter_in_ci_warns() {
        let o = expect(
            &MIGRATION_LOCK_LINT,
            &with(|m| m.linters = practice(Vec::new(), &[".gitlab-ci.yml"])),
            Status::Warn,
        );
        assert_eq!(o.findings, ["searched .gitlab-ci.yml"]);
    }

    #[test]
    fn no_migrations_is_not_assessed() {
        let mut r = repo();
        r.migrations = Slot::unavailable("no migration files found");
        expect(&MIGRATION_LOCK_LINT, &with_repo(r), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &MIGRATION_LOCK_LINT,
            with(|m| {
                m.lock_risks.push(migration_finding(
                    "require-concurrent-index-creation",
                    "migrations/0002_orders.sql",
                    4,
                ))
            }),
            "1",
            Status::Fail,
            Status::Pass,
        )
    }
}
