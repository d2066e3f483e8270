//! 2.3 no-large-seq-scans: no sequential scans on large tables in hot paths.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That hot endpoints do not cause sequential scans of tables with more than **10 000 rows**.
    /// Every (endpoint, large table) pair that is scanned sequentially during the endpoint's load
    /// phase counts as a violation; the default allows **0**.
    ///
    /// ## Why it matters
    /// A sequential scan reads the whole table, so its cost grows with the data rather than with
    /// the result. A lookup that takes 3 ms on a 50 000-row table in staging takes 300 ms at 5
    /// million rows in production, evicts useful pages from `shared_buffers` and competes for I/O
    /// with everything else. These regressions arrive silently as tables grow.
    ///
    /// ## How it is measured
    /// Source: **pg**, attributed with **load**. stethoscope reads `seq_scan` from
    /// `pg_stat_user_tables` before and after each endpoint's load phase and flags tables above
    /// the row limit whose counter increased, naming the endpoint that caused it. Counters are
    /// read before any of stethoscope's own probes (`pgstattuple` for 2.8 adds a sequential scan
    /// of its own), so the figures reflect the application only. Without a load run, only the
    /// cumulative ratio of sequential to index scans since the last statistics reset is
    /// available; that can only give a `warn`, because it cannot be tied to a hot path. The
    /// allowed count is overridable (`"2.3" = "0"`).
    ///
    /// ## How to fix
    /// Find the statement behind the scan (2.7 lists plans with sequential scans on large tables)
    /// and give it an index that matches its `WHERE` and `ORDER BY`, built without blocking
    /// writes:
    ///
    /// ```sql
    /// CREATE INDEX CONCURRENTLY orders_customer_id_created_at_idx
    ///     ON orders (customer_id, created_at DESC);
    /// ```
    ///
    /// If an index exists but is not used, check for functions on the column (`lower(email)`
    /// needs an expression index), implicit type casts, leading-wildcard `LIKE '%x'`, or stale
    /// statistics (`ANALYZE orders`).
    pub NO_LARGE_SEQ_SCANS = {
        id: "2.3",
        slug: "no-large-seq-scans",
        title: "No sequential scans on large tables in hot paths",
        section: Database,
        threshold: Threshold::at_most(0),
        sources: [Pg, Load],
        severity: High,
        evaluate: None,
    }
}
