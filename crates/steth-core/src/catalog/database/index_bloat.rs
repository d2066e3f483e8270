//! 2.8 index-bloat: index bloat.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// How much of each index is wasted space: empty or half-empty pages left behind by updates
    /// and deletes. Every index must be below **20 %** bloat. Small indexes are not flagged,
    /// since a few wasted pages there cost nothing.
    ///
    /// ## Why it matters
    /// A bloated B-tree is larger than its data needs, so it takes more memory in
    /// `shared_buffers`, more I/O per lookup and longer to vacuum and back up. Tables with heavy
    /// update or delete churn (queues, sessions, status columns) commonly end up with indexes two
    /// or three times their ideal size, and index scans slow down accordingly even though no
    /// query changed.
    ///
    /// ## How it is measured
    /// Source: **pg**. When the `pgstattuple` extension is installed, stethoscope measures each
    /// index with `pgstatindex()` (leaf density and fragmentation). That reads every page of the
    /// index, so it runs only after the activity counters used by other items have been read.
    /// Without the extension it falls back to a statistical estimate from `pg_class` and
    /// `pg_stats`; the report marks it as an estimate and it can give at most a `warn`. A role
    /// with only `pg_monitor` cannot read `pg_stats` rows, so the estimate would silently be
    /// empty: the item is then `not assessed`, naming the missing grant. Override with `"2.8" =
    /// "30%"` under `[thresholds]`.
    ///
    /// ## How to fix
    /// Rebuild bloated indexes without blocking writes (PostgreSQL 12+):
    ///
    /// ```sql
    /// REINDEX INDEX CONCURRENTLY orders_status_idx;
    /// ```
    ///
    /// `pg_repack` does the same for older versions. Then stop the bloat from returning: let
    /// autovacuum run more often on high-churn tables, for example `ALTER TABLE jobs SET
    /// (autovacuum_vacuum_scale_factor = 0.02);`, end long transactions that hold back cleanup
    /// (4.6), and drop indexes that `pg_stat_user_indexes.idx_scan` shows are never used.
    pub INDEX_BLOAT = {
        id: "2.8",
        slug: "index-bloat",
        title: "Index bloat",
        section: Database,
        threshold: Threshold::percent_below(20.0),
        sources: [Pg],
        severity: Low,
        evaluate: None,
    }
}
