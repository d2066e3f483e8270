//! 2.3 no-large-seq-scans: no sequential scans on large tables in hot paths.

use crate::catalog::prelude::*;
use crate::evidence::{Phase, in_phase};

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
    /// a busy backend's table counters at most once a second, and an idle backend's remainder
    /// up to 10 s later or at its next transaction, so scans from the last second of a phase can
    /// land in the next window. Where the generic plans of 2.7 tell (every statement the window
    /// ran has one), scans of a table that none of the endpoint's statements plans to scan,
    /// while an earlier endpoint's statement does, are credited to that endpoint and listed as
    /// published late, not counted twice; without plans every window's scans stand as measured.
    /// A service that ran no statement, scanned no table and held no session during the load
    /// phases is `not assessed` (is `[postgres] url` its database?): no scan then proves nothing.
    ///
    /// Without a load run (`--no-load`) nothing can be tied to a hot path, so stethoscope falls
    /// back to the cumulative counters since the statistics began: a table over the row limit
    /// with at least 10 sequential scans making up 1 % or more of its scans gives a **warn**
    /// (never a fail: a nightly report or a `pg_dump` scans tables too), and none gives a pass
    /// marked as cumulative. The allowed count is overridable (`"2.3" = "0"`).
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

/// Without load: at least this many sequential scans of a large table, making up at least this
/// share of its scans, give a warn.
const CUMULATIVE_MIN_SEQ_SCANS: u64 = 10;
const CUMULATIVE_MIN_SHARE: f64 = 0.01;

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let workload = match &pg.workload {
        crate::evidence::Slot::Unavailable { .. } if pg.scan_totals.data().is_some() => return cumulative(evidence),
        other => other.get()?,
    };
    let allowed = threshold.limit_count();
    let scanners = seq_scanners(pg);
    let mut endpoints = 0;
    let mut violations = Vec::new();
    let mut late = Vec::new();
    // Tables whose sequential scans an earlier endpoint's own statements explain.
    let mut explained_before: Vec<(&str, &str)> = Vec::new();
    for w in in_phase(&workload.windows, Phase::Normal).filter(|w| w.requests > 0) {
        endpoints += 1;
        let ran: Vec<&str> =
            w.statements.data().map_or(Vec::new(), |s| s.statements.iter().map(|s| s.query.as_str()).collect());
        for t in w.tables.get()?.iter().filter(|t| t.live_rows > LARGE_TABLE_ROWS && t.seq_scans > 0) {
            let explained = scanners.as_ref().and_then(|m| explains(m, &ran, &t.table));
            let text = format!(
                "{}: {:.1} seq scan(s) of {} ({} rows) per request, {} rows read per request",
                w.endpoint,
                t.seq_scans as f64 / w.requests as f64,
                t.table,
                group(t.live_rows),
                group(t.seq_rows / w.requests.max(1)),
            );
            match explained {
                Some(true) => {
                    explained_before.push((w.endpoint.as_str(), t.table.as_str()));
                    violations.push(text);
                }
                // None of this endpoint's statements plans a sequential scan of the table, and an
                // earlier endpoint's does: PostgreSQL published that endpoint's counters late.
                Some(false)
                    if let Some((earlier, _)) = explained_before.iter().find(|(_, table)| *table == t.table) =>
                {
                    late.push(format!(
                        "{text}: none of its statements plans such a scan, so these are {earlier}'s, published \
                         late (PostgreSQL publishes table counters up to a second after a busy phase)"
                    ));
                }
                _ => violations.push(text),
            }
        }
    }
    if endpoints == 0 {
        return Err(Outcome::not_assessed("no normal-load phase ran, so scans cannot be attributed to endpoints"));
    }
    // No scan proves nothing when the service never used the database.
    if let Some(why) = pg.no_service_activity() {
        return Err(Outcome::not_assessed(why));
    }
    let measured = format!("{} sequential scan violation(s)", violations.len());
    if violations.len() as u64 > allowed {
        let first = violations[0].clone();
        Ok(Outcome::fail(measured, first)
            .with_excess(1.0 + violations.len() as f64)
            .with_findings(violations.into_iter().chain(late)))
    } else {
        Ok(Outcome::pass(
            measured,
            format!(
                "no table over {} rows scanned sequentially by {endpoints} endpoint(s) under normal load",
                group(LARGE_TABLE_ROWS)
            ),
        )
        .with_findings(violations.into_iter().chain(late)))
    }
}

/// Whether the statements a window ran plan a sequential scan of `table`; `None` when one
/// that could read a table has no plan to tell.
fn explains(plans: &std::collections::HashMap<&str, Vec<&str>>, ran: &[&str], table: &str) -> Option<bool> {
    let mut scans = false;
    for query in ran {
        match plans.get(query) {
            Some(tables) => scans |= tables.contains(&table),
            None if reads_tables(query) => return None,
            None => {}
        }
    }
    Some(scans)
}

/// Statements that can read a table (others, like `BEGIN` or `SET`, have no plan).
fn reads_tables(query: &str) -> bool {
    let head = query.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    matches!(head.as_str(), "SELECT" | "WITH" | "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "TABLE" | "COPY")
}

/// For each statement with a generic plan, the large tables its plan reads with a sequential
/// scan; `None` when no plans were read (then every window's scans stand as measured).
fn seq_scanners(pg: &crate::evidence::PgEvidence) -> Option<std::collections::HashMap<&str, Vec<&str>>> {
    fn walk<'a>(node: &'a crate::evidence::PlanNode, out: &mut Vec<&'a str>) {
        if node.node == "Seq Scan"
            && let Some(r) = &node.relation
            && node.table_rows.unwrap_or(0) > LARGE_TABLE_ROWS
        {
            out.push(r);
        }
        node.children.iter().for_each(|c| walk(c, out));
    }
    let plans = pg.plans.data()?;
    let mut map = std::collections::HashMap::new();
    for p in plans {
        if let Some(root) = p.plan.data() {
            let mut tables = Vec::new();
            walk(root, &mut tables);
            map.insert(p.query.as_str(), tables);
        }
    }
    Some(map)
}

/// The no-load fallback: cumulative sequential against index scans of the large tables.
fn cumulative(evidence: &Evidence) -> Verdict {
    let totals = evidence.pg.get()?.scan_totals.get()?;
    let mut suspects: Vec<(&crate::evidence::TableScanTotals, f64)> = totals
        .iter()
        .filter(|t| t.live_rows > LARGE_TABLE_ROWS)
        .map(|t| (t, t.seq_scans as f64 / (t.seq_scans + t.index_scans).max(1) as f64))
        .filter(|(t, share)| t.seq_scans >= CUMULATIVE_MIN_SEQ_SCANS && *share >= CUMULATIVE_MIN_SHARE)
        .collect();
    suspects.sort_by_key(|s| std::cmp::Reverse(s.0.seq_scans));
    let findings: Vec<String> = suspects
        .iter()
        .map(|(t, share)| {
            format!(
                "{} ({} rows): {} sequential scan(s), {:.0} % of its scans since statistics began",
                t.table,
                group(t.live_rows),
                group(t.seq_scans),
                100.0 * share
            )
        })
        .collect();
    let large = totals.iter().filter(|t| t.live_rows > LARGE_TABLE_ROWS).count();
    let measured = format!("{} large table(s) scanned sequentially (cumulative)", suspects.len());
    if findings.is_empty() {
        Ok(Outcome::pass(
            measured,
            format!(
                "cumulative counters only (no load phase ran): none of {large} table(s) over {} rows is read                  sequentially in 1 % or more of its scans",
                group(LARGE_TABLE_ROWS)
            ),
        ))
    } else {
        Ok(Outcome::warn(
            measured,
            format!("cumulative counters only (no load phase ran, so no endpoint can be named): {}", findings[0]),
        )
        .with_findings(findings))
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
pub(super) mod tests {
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
    fn a_service_that_never_used_the_database_is_not_assessed() {
        let o = expect(&NO_LARGE_SEQ_SCANS, &with_windows(vec![normal("GET /a", vec![])]), Status::NotAssessed);
        assert!(o.evidence.contains("is `[postgres] url` the service's database"), "{}", o.evidence);
    }

    #[test]
    fn small_tables_and_the_edge_pass() {
        let ev = with_windows(vec![normal("GET /a", vec![scans("public.tiny", 10_000, 500)])]);
        expect(&NO_LARGE_SEQ_SCANS, &ev, Status::Pass);
    }

    #[test]
    fn other_phases_do_not_count() {
        let mut w = normal("GET /a", vec![scans("public.orders", 50_000, 3)]);
        w.phase = Phase::Baseline;
        expect(&NO_LARGE_SEQ_SCANS, &with_windows(vec![w]), Status::NotAssessed);
    }

    /// Two endpoints' normal windows: the report query scans orders, and the listing's window
    /// also shows a few scans of orders although its only statement uses an index.
    fn spill_over(listing_plan: Option<&str>) -> Evidence {
        use crate::evidence::{PgWorkload, PlanNode, StatementDelta, StatementPlan, StatementWindow};
        let statement = |q: &str| StatementDelta {
            query: q.into(),
            calls: 100,
            mean_ms: 1.0,
            stddev_ms: 0.0,
            max_ms: 1.0,
            rows: 100,
        };
        let with = |mut w: crate::evidence::PhaseWindow, q: &str| {
            w.statements = Slot::collected(StatementWindow {
                statements: vec![statement("BEGIN"), statement(q)],
                incomplete: None,
            });
            w
        };
        let report =
            with(normal("GET /reports", vec![scans("public.orders", 50_000, 100)]), "SELECT sum(x) FROM orders");
        let listing =
            with(normal("GET /orders", vec![scans("public.orders", 50_000, 2)]), "SELECT * FROM orders WHERE id = $1");
        let node = |node: &str, index: Option<&str>| PlanNode {
            node: node.into(),
            relation: Some("public.orders".into()),
            table_rows: Some(50_000),
            index: index.map(str::to_string),
            rows: 1.0,
            children: vec![],
        };
        let plan = |q: &str, n: PlanNode| StatementPlan {
            query: q.into(),
            calls_per_day: 1e6,
            rows_per_call: 1.0,
            plan: Slot::collected(n),
        };
        let mut plans = vec![plan("SELECT sum(x) FROM orders", node("Seq Scan", None))];
        if let Some(index) = listing_plan {
            plans.push(plan("SELECT * FROM orders WHERE id = $1", node("Index Scan", Some(index))));
        }
        let mut p = crate::catalog::testing::pg();
        p.workload = Slot::collected(PgWorkload { windows: vec![report, listing] });
        p.plans = Slot::collected(plans);
        crate::catalog::testing::with_pg(p)
    }

    #[test]
    fn scans_published_late_are_credited_to_the_endpoint_whose_plan_scans() {
        let o = expect(&NO_LARGE_SEQ_SCANS, &spill_over(Some("orders_pkey")), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("1 sequential scan violation(s)"));
        assert!(o.evidence.starts_with("GET /reports:"), "{o:?}");
        assert!(o.findings[1].contains("so these are GET /reports's, published late"), "{o:?}");
        // Without a plan for the listing's query nothing can be told: both stand.
        let o = expect(&NO_LARGE_SEQ_SCANS, &spill_over(None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("2 sequential scan violation(s)"));
    }

    fn without_load(totals: Vec<crate::evidence::TableScanTotals>) -> Evidence {
        let mut p = crate::catalog::testing::pg();
        p.scan_totals = Slot::collected(totals);
        crate::catalog::testing::with_pg(p)
    }

    fn totals(table: &str, live_rows: u64, seq_scans: u64, index_scans: u64) -> crate::evidence::TableScanTotals {
        crate::evidence::TableScanTotals { table: table.into(), live_rows, seq_scans, index_scans }
    }

    #[test]
    fn without_load_cumulative_seq_scans_warn_at_most() {
        let ev = without_load(vec![
            totals("public.orders", 50_000, 40, 1_000),
            totals("public.products", 20_000, 3, 90_000),
            totals("public.tiny", 500, 9_000, 0),
        ]);
        let o = expect(&NO_LARGE_SEQ_SCANS, &ev, Status::Warn);
        assert!(o.evidence.contains("public.orders (50 000 rows): 40 sequential scan(s), 4 %"), "{o:?}");
        assert_eq!(o.findings.len(), 1);
        // Mostly index scans, or too few scans to mean anything: a pass, marked cumulative.
        let ev = without_load(vec![totals("public.orders", 50_000, 9, 0), totals("public.items", 80_000, 10, 5_000)]);
        let o = expect(&NO_LARGE_SEQ_SCANS, &ev, Status::Pass);
        assert!(o.evidence.starts_with("cumulative counters only"), "{o:?}");
    }

    #[test]
    fn unreadable_counters_are_not_a_pass() {
        let mut w = window("GET /a", "normal", 100);
        w.tables = Slot::failed("lock timeout");
        expect(&NO_LARGE_SEQ_SCANS, &with_windows(vec![w]), Status::Error);
        expect(&NO_LARGE_SEQ_SCANS, &Evidence::default(), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &NO_LARGE_SEQ_SCANS,
            with_windows(vec![normal("GET /reports", vec![scans("public.orders", 50_000, 100)])]),
            "1",
            Status::Fail,
            Status::Pass,
        )
    }
}
