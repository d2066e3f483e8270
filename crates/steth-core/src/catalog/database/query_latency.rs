//! 2.1 query-latency: no query p99 over 100 ms under normal load.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That no SQL statement the application runs has an estimated p99 execution time above **100
    /// ms** while the service is under its normal load. Each normalized statement (as
    /// `pg_stat_statements` groups them, with parameters replaced by `$1`, `$2`, …) is judged on
    /// its own; one slow statement is a violation.
    ///
    /// ## Why it matters
    /// A statement that is usually fast but slow at p99 is still slow for every request that runs
    /// it at a bad moment, and it holds a pooled connection the whole time. A report query taking
    /// 400 ms at 50 calls per second keeps 20 connections busy on its own, enough to starve a
    /// typical pool and to push unrelated endpoints into acquire waits.
    ///
    /// ## How it is measured
    /// Source: **pg** (and **metrics** when available). stethoscope snapshots
    /// `pg_stat_statements` before and after each load phase; the deltas of `calls`, total time
    /// and sum of squares give each statement's exact mean and standard deviation over the
    /// window, from which its p99 is estimated. A query-duration histogram in the service's
    /// metrics is used when present. stethoscope's own role and `application_name` are excluded,
    /// and a statistics reset or deallocated entries (`dealloc`) inside the window are reported
    /// as incomplete figures. The extension must be preloaded (`shared_preload_libraries`) and
    /// created in the database, otherwise the item is `not assessed`. Override under
    /// `[thresholds]`, e.g. `"2.1" = "50ms"`.
    ///
    /// ## How to fix
    /// Look up the statement in the report, then get its real plan on a staging copy:
    ///
    /// ```sql
    /// EXPLAIN (ANALYZE, BUFFERS) SELECT ... ;  -- only for reads; wrap writes in BEGIN/ROLLBACK
    /// ```
    ///
    /// Add the index the plan is missing, select only the needed columns, bound the rows with
    /// `LIMIT`, and rewrite correlated subqueries as joins. If the time is spent waiting rather
    /// than executing, look for lock contention in `pg_stat_activity`. Refresh statistics with
    /// `ANALYZE table_name` after large data changes.
    pub QUERY_LATENCY = {
        id: "2.1",
        slug: "query-latency",
        title: "No query p99 over 100 ms under normal load",
        section: Database,
        threshold: Threshold::latency_below_ms(100),
        sources: [Pg, Metrics],
        severity: High,
        evaluate: None,
    }
}
