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
    /// `pg_stat_user_tables` right before and right after each endpoint's normal-load phase and
    /// flags tables above the row limit (live rows from the statistics) whose counter increased,
    /// naming the endpoint and the scans per request. Its own `pgstatindex` reads (2.8) run
    /// before the load phases and touch no table counter. PostgreSQL 15+ publishes a backend's
    /// table counters at most once a second, so scans in the last second of a phase can land in
    /// the next phase's window: the verdict stands, the endpoint named may be the neighbour.
    /// Without a load run the item is `not assessed` (the cumulative sequential-to-index ratio
    /// cannot be tied to a hot path). The allowed count is overridable (`"2.3" = "0"`).
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
        evaluate: Some(evaluate),
    }
}

/// Tables with more live rows than this must not be scanned sequentially in a hot path.
const LARGE_TABLE_ROWS: u64 = 10_000;

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let workload = evidence.pg.get()?.workload.get()?;
    let allowed = threshold.count().unwrap_or(0);
    let mut endpoints = 0;
    let mut violations = Vec::new();
    for w in workload.windows.iter().filter(|w| w.phase == "normal" && w.requests > 0) {
        endpoints += 1;
        for t in w.tables.get()?.iter().filter(|t| t.live_rows > LARGE_TABLE_ROWS && t.seq_scans > 0) {
            violations.push(format!(
                "{}: {:.1} seq scan(s) of {} ({} rows) per request, {} rows read per request",
                w.endpoint,
                t.seq_scans as f64 / w.requests as f64,
                t.table,
                group(t.live_rows),
                group(t.seq_rows / w.requests.max(1)),
            ));
        }
    }
    if endpoints == 0 {
        return Err(Outcome::not_assessed("no normal-load phase ran, so scans cannot be attributed to endpoints"));
    }
    let measured = format!("{} sequential scan violation(s)", violations.len());
    if violations.len() as u64 > allowed {
        let first = violations[0].clone();
        Ok(Outcome::fail(measured, first).with_excess(1.0 + violations.len() as f64).with_findings(violations))
    } else {
        Ok(Outcome::pass(
            measured,
            format!(
                "no table over {} rows scanned sequentially by {endpoints} endpoint(s) under normal load",
                group(LARGE_TABLE_ROWS)
            ),
        )
        .with_findings(violations))
    }
}

/// 50000 as "50 000".
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, window, with_windows};
    use crate::evidence::{Slot, TableScans};
    use crate::outcome::Status;

    fn scans(table: &str, live_rows: u64, seq_scans: u64) -> TableScans {
        TableScans { table: table.into(), live_rows, seq_scans, seq_rows: seq_scans * live_rows, index_scans: 0 }
    }

    fn normal(endpoint: &str, tables: Vec<TableScans>) -> crate::evidence::PhaseWindow {
        let mut w = window(endpoint, "normal", 100);
        w.tables = Slot::collected(tables);
        w
    }

    #[test]
    fn seq_scan_of_a_large_table_fails_naming_the_endpoint() {
        let ev = with_windows(vec![
            normal("GET /products", vec![scans("public.products", 20_000, 0)]),
            normal("GET /reports", vec![scans("public.orders", 50_000, 100)]),
        ]);
        let o = expect(&NO_LARGE_SEQ_SCANS, &ev, Status::Fail);
        assert_eq!(
            o.evidence,
            "GET /reports: 1.0 seq scan(s) of public.orders (50 000 rows) per request, 50 000 rows read per request"
        );
    }

    #[test]
    fn small_tables_and_the_edge_pass() {
        let ev = with_windows(vec![normal("GET /a", vec![scans("public.tiny", 10_000, 500)])]);
        expect(&NO_LARGE_SEQ_SCANS, &ev, Status::Pass);
    }

    #[test]
    fn other_phases_do_not_count() {
        let mut w = normal("GET /a", vec![scans("public.orders", 50_000, 3)]);
        w.phase = "baseline".into();
        expect(&NO_LARGE_SEQ_SCANS, &with_windows(vec![w]), Status::NotAssessed);
    }

    #[test]
    fn unreadable_counters_are_not_a_pass() {
        let mut w = window("GET /a", "normal", 100);
        w.tables = Slot::failed("lock timeout");
        expect(&NO_LARGE_SEQ_SCANS, &with_windows(vec![w]), Status::Error);
        expect(&NO_LARGE_SEQ_SCANS, &Evidence::default(), Status::NotAssessed);
    }
}
