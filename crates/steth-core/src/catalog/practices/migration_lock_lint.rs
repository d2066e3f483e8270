//! 9.4 migration-lock-lint: migrations reviewed for lock risk.

use crate::catalog::prelude::*;

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
        evaluate: None,
    }
}
