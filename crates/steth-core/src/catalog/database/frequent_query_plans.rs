//! 2.7 frequent-query-plans: plans reviewed for frequent queries.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That the execution plans of the statements the application runs often are sound. Instead
    /// of asking whether someone reviewed them, stethoscope reviews them itself: every statement
    /// called more than **1000 times per day** must have a plan without findings.
    ///
    /// ## Why it matters
    /// Frequent queries dominate database load, so a bad plan there costs the most: a sort of 200
    /// 000 rows to return the top 20, a nested loop built on an estimate of 1 row that actually
    /// meets 100 000, or a full scan hidden behind a fast test database. These plans look fine in
    /// development and degrade as data grows or skews.
    ///
    /// ## How it is measured
    /// Source: **pg**. From `pg_stat_statements` stethoscope selects statements above the call
    /// rate and asks PostgreSQL for their generic plan with plain `EXPLAIN`: nothing is executed,
    /// and writes are never run under `EXPLAIN ANALYZE`. Where `EXPLAIN (GENERIC_PLAN)` is not
    /// available (before PostgreSQL 16), the statement is prepared and explained under
    /// `plan_cache_mode = force_generic_plan`. Plans are flagged for sequential scans of large
    /// tables, sorts not served by an index, and row misestimates, and all plans are included in
    /// the report. Explaining needs `SELECT` on the application's tables; with only `pg_monitor`
    /// the item is `not assessed` and the missing grant is named.
    ///
    /// ## How to fix
    /// Work through the flagged plans: add indexes that serve the filter and the sort together,
    /// avoid `ORDER BY` on expressions no index covers, and fix misestimates by refreshing or
    /// extending statistics:
    ///
    /// ```sql
    /// ALTER TABLE orders ALTER COLUMN status SET STATISTICS 1000;
    /// CREATE STATISTICS orders_tenant_status (dependencies) ON tenant_id, status FROM orders;
    /// ANALYZE orders;
    /// ```
    ///
    /// To keep plans reviewed as code changes, make `EXPLAIN` output part of pull requests that
    /// add queries (9.1).
    pub FREQUENT_QUERY_PLANS = {
        id: "2.7",
        slug: "frequent-query-plans",
        title: "Plans reviewed for frequent queries",
        section: Database,
        threshold: Threshold::requires("no plan findings"),
        sources: [Pg],
        severity: Medium,
        evaluate: None,
    }
}
