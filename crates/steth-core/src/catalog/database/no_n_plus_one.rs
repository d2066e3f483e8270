//! 2.4 no-n-plus-one: no n+1 query patterns.

use crate::catalog::prelude::*;
use crate::evidence::{Phase, in_phase, is_driver_housekeeping};

declare_item! {
    /// ## What it checks
    /// That no hot endpoint issues more than **10 database queries per request** on average. More
    /// than that almost always means an N+1 pattern: one query for a list, then one more query
    /// for each element of it.
    ///
    /// ## Why it matters
    /// Each extra query costs a network round trip, a trip through the pool and parse/plan work
    /// on the server. An endpoint listing 50 orders and loading each order's customer separately
    /// runs 51 queries; at 0.5 ms each that is 25 ms of pure round-trip time before any real
    /// work, and it grows with page size and data. Under load the query rate multiplies the
    /// database's work far beyond what the request rate suggests.
    ///
    /// ## How it is measured
    /// Sources: **pg** with **load**. Right before and right after each endpoint's normal-load
    /// phase stethoscope snapshots `pg_stat_statements` for the service's database and divides
    /// the delta of `calls` over all statements (its own, marked with a `/* stethoscope */`
    /// comment, excluded) by the requests sent in the phase, warm-up included: queries per
    /// request for that endpoint. The statement with the most calls per request is named. The
    /// resets some drivers run on every connection they return to their pool (asyncpg's
    /// `SELECT pg_advisory_unlock_all()`, `CLOSE ALL`, `UNLISTEN *`, `RESET ALL`; `DISCARD
    /// ALL`, `DEALLOCATE ALL`, `SET SESSION AUTHORIZATION DEFAULT`) are listed apart as driver
    /// overhead per request and left out of the count and of the most repeated statement. A
    /// service that ran no statement and held no session during the audit is `not assessed`
    /// (is `[postgres] url` its database?). Other
    /// traffic against the same database in that window is counted too, so run the audit on a
    /// quiet environment. A statistics reset or deallocated entries inside the window are
    /// reported as incomplete figures. Without `pg_stat_statements` (preloaded through
    /// `shared_preload_libraries` and created in the database) the count of the service's own
    /// query-duration histogram over the phase stands in (read from `[metrics]`, see 2.1), and
    /// no statement can be named; with neither, the item is `not assessed`, with the command
    /// that enables `pg_stat_statements`. Static analysis of queries inside loops is not built yet.
    /// Override the per-request limit with `"2.4" = "5"` under `[thresholds]`.
    ///
    /// ## How to fix
    /// Load related rows in one query with a join or a batched `IN`/`ANY`:
    ///
    /// ```sql
    /// SELECT * FROM customers WHERE id = ANY($1);  -- $1: array of ids from the first query
    /// ```
    ///
    /// With an ORM, ask for eager loading: Django `select_related` / `prefetch_related`,
    /// SQLAlchemy `selectinload()` / `joinedload()`, Rails `includes`, Hibernate `JOIN FETCH` or
    /// `@BatchSize`, Ecto `preload`. In GraphQL resolvers use a DataLoader. Then pin the fix with
    /// a query-count assertion in tests (9.3).
    pub NO_N_PLUS_ONE = {
        id: "2.4",
        slug: "no-n-plus-one",
        title: "No N+1 query patterns",
        section: Database,
        threshold: Threshold::at_most(10),
        sources: [Pg, Load, Metrics, Source],
        severity: High,
        evaluate: Some(evaluate),
    }
}

/// One endpoint's queries per request in its normal phase.
struct EndpointQueries<'a> {
    endpoint: &'a str,
    per_request: f64,
    top: Option<(&'a str, f64)>,
    /// The driver's connection housekeeping per request, and its statements (not counted).
    overhead: Option<(f64, Vec<&'a str>)>,
    incomplete: Option<&'a str>,
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let workload = pg.workload.get()?;
    let limit = threshold.limit_count() as f64;
    let histogram = evidence.metrics.data().and_then(|m| m.query_histogram.data());
    let mut measured = Vec::new();
    for w in in_phase(&workload.windows, Phase::Normal).filter(|w| w.requests > 0) {
        let requests = w.requests as f64;
        let window = match (&w.statements, histogram) {
            (crate::evidence::Slot::Collected { data }, _) => data,
            // Without pg_stat_statements the service's own query-duration histogram counts the
            // queries of the same phase; no statement can be named then.
            (statements, Some(h)) => {
                let Some(hw) = h.complete_window(&w.endpoint, w.phase) else {
                    statements.get()?;
                    continue;
                };
                measured.push(EndpointQueries {
                    endpoint: &w.endpoint,
                    per_request: hw.count as f64 / requests,
                    top: None,
                    overhead: None,
                    incomplete: None,
                });
                continue;
            }
            (statements, None) => statements.get()?,
        };
        // A driver's reset of every connection it returns to its pool is not the application's.
        let (housekeeping, app): (Vec<_>, Vec<_>) =
            window.statements.iter().partition(|s| is_driver_housekeeping(&s.query));
        let calls: u64 = app.iter().map(|s| s.calls).sum();
        let overhead: u64 = housekeeping.iter().map(|s| s.calls).sum();
        measured.push(EndpointQueries {
            endpoint: &w.endpoint,
            per_request: calls as f64 / requests,
            top: app.iter().max_by_key(|s| s.calls).map(|s| (s.query.as_str(), s.calls as f64 / requests)),
            overhead: (overhead > 0)
                .then(|| (overhead as f64 / requests, housekeeping.iter().map(|s| s.query.as_str()).collect())),
            incomplete: window.incomplete.as_deref(),
        });
    }
    if measured.is_empty() {
        return Err(Outcome::not_assessed("no normal-load phase ran, so queries cannot be attributed to endpoints"));
    }
    if let Some(why) = pg.no_service_activity() {
        return Err(Outcome::not_assessed(why));
    }
    measured.sort_by(|a, b| b.per_request.total_cmp(&a.per_request));
    let worst = &measured[0];
    let shown = format!("{:.1} queries per request ({})", worst.per_request, worst.endpoint);
    let findings = measured.iter().map(describe);
    if worst.per_request > limit {
        let over = measured.iter().filter(|m| m.per_request > limit).count();
        Ok(Outcome::fail(shown, format!("{over} endpoint(s) over {limit} queries per request: {}", describe(worst)))
            .with_findings(findings)
            .with_excess(worst.per_request / limit.max(1.0)))
    } else {
        Ok(Outcome::pass(shown, format!("{} endpoint(s) measured under normal load", measured.len()))
            .with_findings(findings))
    }
}

fn describe(m: &EndpointQueries<'_>) -> String {
    let mut text = format!("{}: {:.1} queries per request", m.endpoint, m.per_request);
    if let Some((query, per)) = m.top {
        text.push_str(&format!(", most repeated {per:.1}× per request: {query}"));
    }
    if let Some((per, statements)) = &m.overhead {
        text.push_str(&format!(
            "; driver overhead {per:.1} statement(s) per request, not counted ({})",
            statements.join(", ")
        ));
    }
    if let Some(why) = m.incomplete {
        text.push_str(&format!(" (incomplete: {why})"));
    }
    text
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn without_pg_stat_statements_the_service_histogram_counts_queries() {
        use crate::catalog::testing::{pg, window};
        use crate::evidence::{HistogramWindow, MetricsEvidence, PgWorkload, QueryHistogram, Slot};
        let mut w = window("GET /orders", "normal", 100);
        w.statements = Slot::unavailable("pg_stat_statements is not preloaded");
        let mut p = pg();
        p.workload = Slot::collected(PgWorkload { windows: vec![w] });
        let mut ev = crate::catalog::testing::with_pg(p);
        expect(&NO_N_PLUS_ONE, &ev, Status::NotAssessed);
        let histogram = |count| QueryHistogram {
            family: "db_query_duration_seconds".into(),
            unit: "seconds".into(),
            configured: false,
            windows: vec![HistogramWindow {
                endpoint: "GET /orders".into(),
                phase: Phase::Normal,
                buckets: Vec::new(),
                count,
                sum_ms: 1.0,
                incomplete: None,
            }],
        };
        let metrics = |count| MetricsEvidence {
            url: "http://a/metrics".into(),
            query_histogram: Slot::collected(histogram(count)),
            ..Default::default()
        };
        ev.metrics = Slot::collected(metrics(2_300));
        let o = expect(&NO_N_PLUS_ONE, &ev, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("23.0 queries per request (GET /orders)"));
        ev.metrics = Slot::collected(metrics(300));
        expect(&NO_N_PLUS_ONE, &ev, Status::Pass);
    }
    use crate::catalog::testing::{expect, expect_with, window, with_windows};
    use crate::evidence::{PhaseWindow, Slot, StatementDelta, StatementWindow};
    use crate::outcome::Status;

    fn statement(query: &str, calls: u64) -> StatementDelta {
        StatementDelta { query: query.into(), calls, mean_ms: 0.1, stddev_ms: 0.0, max_ms: 0.2, rows: calls }
    }

    fn normal(endpoint: &str, requests: u64, statements: Vec<StatementDelta>) -> PhaseWindow {
        let mut w = window(endpoint, "normal", requests);
        w.statements = Slot::collected(StatementWindow { statements, incomplete: None });
        w
    }

    #[test]
    fn n_plus_one_endpoint_fails_and_names_the_repeated_statement() {
        let ev = with_windows(vec![
            normal("GET /products", 100, vec![statement("SELECT * FROM products WHERE id > $1", 100)]),
            normal(
                "GET /orders",
                100,
                vec![
                    statement("SELECT * FROM orders", 100),
                    statement("SELECT * FROM order_items WHERE order_id = $1", 2000),
                ],
            ),
        ]);
        let o = expect(&NO_N_PLUS_ONE, &ev, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("21.0 queries per request (GET /orders)"));
        assert!(o.evidence.contains("20.0× per request: SELECT * FROM order_items"), "{}", o.evidence);
    }

    #[test]
    fn a_drivers_connection_reset_is_overhead_not_the_applications_queries() {
        let ev = with_windows(vec![normal(
            "GET /cheap",
            100,
            vec![
                statement("SELECT id, name FROM items WHERE id = $1", 100),
                statement("SELECT pg_advisory_unlock_all()", 300),
                statement("CLOSE ALL", 300),
                statement("UNLISTEN *", 300),
                statement("RESET ALL", 300),
            ],
        )]);
        let o = expect(&NO_N_PLUS_ONE, &ev, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("1.0 queries per request (GET /cheap)"));
        assert!(
            o.findings[0].contains("most repeated 1.0× per request: SELECT id, name FROM items"),
            "{:?}",
            o.findings
        );
        assert!(
            o.findings[0].contains("driver overhead 12.0 statement(s) per request, not counted"),
            "{:?}",
            o.findings
        );
    }

    #[test]
    fn ten_per_request_is_the_edge_and_passes() {
        let ev = with_windows(vec![normal("GET /a", 10, vec![statement("SELECT 1", 100)])]);
        expect(&NO_N_PLUS_ONE, &ev, Status::Pass);
        let five = NO_N_PLUS_ONE.default_threshold.with_override("5").unwrap();
        expect_with(&NO_N_PLUS_ONE, &ev, &five, Status::Fail);
    }

    #[test]
    fn only_normal_phases_count() {
        let mut baseline = normal("GET /a", 1, vec![statement("SELECT 1", 100)]);
        baseline.phase = Phase::Baseline;
        expect(&NO_N_PLUS_ONE, &with_windows(vec![baseline]), Status::NotAssessed);
    }

    #[test]
    fn incomplete_window_is_said() {
        let mut w = normal("GET /a", 10, vec![statement("SELECT 1", 20)]);
        if let Slot::Collected { data } = &mut w.statements {
            data.incomplete = Some("pg_stat_statements deallocated 3 entries".into());
        }
        let o = expect(&NO_N_PLUS_ONE, &with_windows(vec![w]), Status::Pass);
        assert!(o.findings[0].contains("incomplete"));
    }

    #[test]
    fn missing_extension_is_not_assessed_and_failure_is_an_error() {
        let mut w = window("GET /a", "normal", 10);
        w.statements = Slot::unavailable("pg_stat_statements is not installed: CREATE EXTENSION pg_stat_statements;");
        let o = expect(&NO_N_PLUS_ONE, &with_windows(vec![w.clone()]), Status::NotAssessed);
        assert!(o.evidence.contains("CREATE EXTENSION"));
        w.statements = Slot::failed("lock timeout");
        expect(&NO_N_PLUS_ONE, &with_windows(vec![w]), Status::Error);
        expect(&NO_N_PLUS_ONE, &Evidence::default(), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &NO_N_PLUS_ONE,
            with_windows(vec![normal("GET /a", 10, vec![statement("SELECT 1", 100)])]),
            "5",
            Status::Pass,
            Status::Fail,
        )
    }
}
