//! 4.2 pool-size: pool size follows the formula.

use crate::catalog::prelude::*;
use crate::evidence::Phase;

declare_item! {
    /// ## What it checks
    /// That the connection pool is sized for the load it serves. stethoscope computes a
    /// recommended size as
    ///
    /// `max(ceil(peak_rps × avg_query_s × 1.3), DB cores × 2)`
    ///
    /// and the number of concurrent application connections it observes must lie between **0.5×
    /// and 2×** that recommendation.
    ///
    /// ## Why it matters
    /// Too small a pool makes requests queue for a connection: latency rises and the p99/p50
    /// ratio (1.4) explodes although the database is idle. Too large a pool overloads the
    /// database: PostgreSQL throughput drops when far more backends are active than it has cores,
    /// because of context switching and lock contention, and every backend costs memory. Pool
    /// sizes multiply with instances: 12 pods with a pool of 50 open 600 connections to a server
    /// that does its best work with a few dozen.
    ///
    /// ## How it is measured
    /// Sources: **pg** with **load** (and **metrics**). The load term is the service's real
    /// peak request rate, declared as `[target] peak_rps`, times the database time per request
    /// of the busiest load phase (stethoscope loads one endpoint at a time), from the
    /// `pg_stat_statements` deltas around the phase (statement time ÷ requests, which is the
    /// mean query time × queries per request: a request's queries all need a connection), or,
    /// without `pg_stat_statements`, from the service's query-duration histogram over the same
    /// phase (its sum and count; the report says which). The database server's
    /// core count comes from the config (`[postgres] cores = 8`), because PostgreSQL cannot
    /// report it; without it the item is `not assessed`. Example: 400 requests/s × 0.015 s ×
    /// 1.3 = 7.8, so 8 from the first term; an 8-core server gives 16, and 16 is the
    /// recommendation. The observed pool is the most connections the service held at once,
    /// from `pg_stat_activity` sampled before and after every load phase (stethoscope's own
    /// excluded); 8 to 32 passes here, 100 fails.
    ///
    /// stethoscope's own test rate is not the service's peak: without `peak_rps` the formula
    /// uses it, but a pool over twice the result is only a `warn`, saying to declare the peak
    /// (a service with a 10-connection pool is not told to shrink to 4 from a 20 req/s test).
    ///
    /// A pool below half the recommendation fails only when the load kept it busy (the
    /// connections needed on average, rate × time per request, reach what the pool held):
    /// an elastic pool that was never full holds few connections without being small, and then
    /// the item says it could not see the pool's ceiling; a stress phase (`[load] stress`)
    /// pushes it. The band is a requirement rather than an overridable number.
    ///
    /// ## How to fix
    /// Set the maximum pool size near the recommendation, divided by the number of instances that
    /// share the database, and size the minimum/idle count below it:
    ///
    /// ```properties
    /// # HikariCP
    /// spring.datasource.hikari.maximum-pool-size=16
    /// ```
    ///
    /// ```text
    /// # pgxpool connection string
    /// postgres://app@db/app?pool_max_conns=16
    /// ```
    ///
    /// In SQLAlchemy use `pool_size` + `max_overflow`; in deadpool `max_size`. Recheck after big
    /// changes in traffic or query time.
    pub POOL_SIZE = {
        id: "4.2",
        slug: "pool-size",
        title: "Pool size follows the formula",
        section: ConnectionManagement,
        threshold: Threshold::requires("0.5× to 2× of the recommended size"),
        sources: [Pg, Load, Metrics, Config],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

/// Head room the formula adds to the connections the load keeps busy.
const HEADROOM: f64 = 1.3;

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    // The server's cores and the service's real peak rate are facts the config declares.
    let (cores, peak_rps) = evidence.config.data().map_or((None, None), |d| (d.cores, d.peak_rps));
    let workload = pg.workload.get()?;
    let activity = pg.activity.get()?;
    // Phases run one endpoint at a time: the busiest window is the peak demand.
    let histogram = evidence.metrics.data().and_then(|m| m.query_histogram.data());
    let mut busiest: Option<Demand<'_>> = None;
    let mut method = "pg_stat_statements";
    for w in workload.windows.iter().filter(|w| w.phase != Phase::Baseline && w.requests > 0 && w.secs > 0.0) {
        // Statement time from pg_stat_statements, or else the service's own query-duration
        // histogram over the same phase (its sum and count).
        let (db_ms, calls) = match (&w.statements, histogram) {
            (crate::evidence::Slot::Collected { data }, _) => (
                data.statements.iter().map(|s| s.calls as f64 * s.mean_ms).sum::<f64>(),
                data.statements.iter().map(|s| s.calls).sum::<u64>(),
            ),
            (statements, Some(h)) => {
                let Some(hw) = h.complete_window(&w.endpoint, w.phase) else {
                    statements.get()?;
                    continue;
                };
                method = "the service's query-duration histogram";
                (hw.sum_ms, hw.count)
            }
            (statements, None) => {
                statements.get()?;
                continue;
            }
        };
        let demand = Demand { window: w, db_ms, calls };
        if busiest.as_ref().is_none_or(|b| demand.busy() > b.busy()) {
            busiest = Some(demand);
        }
    }
    let Some(demand) = busiest else {
        return Err(Outcome::not_assessed("no load phase ran, so the rate and query time are unknown"));
    };
    let busy = demand.busy();
    let w = demand.window;
    // The load term needs the service's real peak rate; stethoscope's own test rate only shows
    // whether the pool saturated under it.
    let (rate, rate_source) = match peak_rps {
        Some(peak) => (peak, "declared peak, [target] peak_rps; time per request from".to_string()),
        None => (w.requests as f64 / w.secs, "stethoscope's test rate in".to_string()),
    };
    let first = (rate * demand.db_ms / w.requests as f64 / 1000.0 * HEADROOM).ceil().max(1.0);
    let formula = format!(
        "{rate:.0} req/s ({rate_source} {} {}) × {:.2} ms per request ({:.1} queries × {:.2} ms) × {HEADROOM} = {first}",
        w.phase,
        w.endpoint,
        demand.db_ms / w.requests as f64,
        demand.calls as f64 / w.requests as f64,
        if demand.calls == 0 { 0.0 } else { demand.db_ms / demand.calls as f64 },
    );
    let Some(cores) = cores else {
        return Err(Outcome::not_assessed(format!(
            "the database server's core count is unknown: set [postgres] cores = N (PostgreSQL cannot report it); \
             the load alone asks for {formula}"
        )));
    };
    if activity.peak_sessions == 0 {
        return Err(Outcome::not_assessed("the service held no database connection at any sample"));
    }
    let floor = f64::from(cores) * 2.0;
    let recommended = first.max(floor);
    let observed = f64::from(activity.peak_sessions);
    let calculation =
        format!("recommended max({formula}, {cores} cores × 2 = {floor}) = {recommended}; query time from {method}");
    let findings = vec![
        calculation.clone(),
        format!("the service held {} connection(s) at most ({})", activity.peak_sessions, activity.peak_at),
    ];
    let measured = format!("{} connections held, {recommended} recommended", activity.peak_sessions);
    if observed > 2.0 * recommended && peak_rps.is_none() {
        return Ok(Outcome::warn(
            measured,
            format!(
                "the pool holds {:.1}× what stethoscope's own test load needs, but that rate is not the service's \
                 peak: declare the service's real peak request rate as `[target] peak_rps` to judge the pool's size \
                 ({calculation})",
                observed / recommended
            ),
        )
        .with_findings(findings));
    }
    if observed > 2.0 * recommended {
        return Ok(Outcome::fail(
            measured,
            format!(
                "the pool holds {:.1}× the recommended size: {} connections where {recommended} serve this load",
                observed / recommended,
                activity.peak_sessions
            ),
        )
        .with_excess(observed / (2.0 * recommended))
        .with_findings(findings));
    }
    if observed < 0.5 * recommended {
        if busy >= observed {
            return Ok(Outcome::fail(
                measured,
                format!(
                    "the pool is too small: {busy:.1} connection(s) busy on average in the busiest phase, \
                     and it held only {}",
                    activity.peak_sessions
                ),
            )
            .with_excess(0.5 * recommended / observed)
            .with_findings(findings));
        }
        return Err(Outcome::not_assessed(format!(
            "the service held {} connection(s), under half of the {recommended} recommended, but the load kept only \
             {busy:.2} busy on average, so the pool was never full and its ceiling cannot be seen: \
             push it with a stress phase ([load] stress) ({calculation})",
            activity.peak_sessions
        )));
    }
    Ok(Outcome::pass(measured, format!("within 0.5×–2× of the recommendation; {calculation}")).with_findings(findings))
}

/// The database work of one phase.
struct Demand<'a> {
    window: &'a crate::evidence::PhaseWindow,
    db_ms: f64,
    calls: u64,
}

impl Demand<'_> {
    /// Connections busy on average (Little's law: statement time per second of the window).
    fn busy(&self) -> f64 {
        self.db_ms / 1000.0 / self.window.secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, pg, window, with_declared, with_pg};
    use crate::evidence::{Declared, PgActivity, PgWorkload, Slot, StatementDelta, StatementWindow};
    use crate::outcome::Status;

    /// 20 req/s for 10 s against a pool that held `held` connections; each request ran
    /// `queries` statements of `ms` each, under a `cores`-core database.
    fn audit(held: u32, queries: u64, ms: f64, cores: Option<u32>) -> Evidence {
        let mut w = window("GET /a", "normal", 200);
        w.secs = 10.0;
        let statements = vec![StatementDelta {
            query: "SELECT 1".into(),
            calls: 200 * queries,
            mean_ms: ms,
            stddev_ms: 0.0,
            max_ms: ms,
            rows: 200,
        }];
        w.statements = Slot::collected(StatementWindow { statements, incomplete: None });
        let mut p = pg();
        p.workload = Slot::collected(PgWorkload { windows: vec![window("GET /a", "baseline", 5), w] });
        p.activity = Slot::collected(PgActivity {
            peak_sessions: held,
            peak_at: "after normal GET /a".into(),
            ..PgActivity::default()
        });
        // The declared peak equals the test rate (200 requests in 10 s), so the figures match.
        with_declared(with_pg(p), Declared { cores, peak_rps: Some(20.0), ..Declared::default() })
    }

    #[test]
    fn a_pool_near_the_core_floor_passes_with_the_calculation() {
        let o = expect(&POOL_SIZE, &audit(4, 3, 1.0, Some(2)), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("4 connections held, 4 recommended"));
        assert!(
            o.evidence.contains(
                "20 req/s (declared peak, [target] peak_rps; time per request from normal GET /a) × 3.00 ms per request (3.0 queries × 1.00 ms)"
            ),
            "{o:?}"
        );
        expect(&POOL_SIZE, &audit(8, 3, 1.0, Some(2)), Status::Pass);
        expect(&POOL_SIZE, &audit(2, 3, 1.0, Some(2)), Status::Pass);
        let o = expect(&POOL_SIZE, &audit(1, 3, 1.0, Some(2)), Status::NotAssessed);
        assert!(o.evidence.contains("never full"), "{o:?}");
    }

    #[test]
    fn a_pool_over_twice_the_recommendation_fails() {
        expect(&POOL_SIZE, &audit(9, 3, 1.0, Some(2)), Status::Fail);
        let o = expect(&POOL_SIZE, &audit(10, 3, 1.0, Some(2)), Status::Fail);
        assert!(o.evidence.contains("2.5× the recommended size"), "{o:?}");
        expect(&POOL_SIZE, &audit(48, 3, 1.0, Some(2)), Status::Fail);
    }

    #[test]
    fn without_a_declared_peak_an_oversized_pool_only_warns() {
        let mut ev = audit(48, 3, 1.0, Some(2));
        let Slot::Collected { data: d } = &mut ev.config else { unreachable!() };
        d.peak_rps = None;
        let o = expect(&POOL_SIZE, &ev, Status::Warn);
        assert!(o.evidence.contains("declare the service's real peak request rate as `[target] peak_rps`"), "{o:?}");
        assert!(o.evidence.contains("20 req/s (stethoscope's test rate in normal GET /a)"), "{o:?}");
        // A declared peak of 2000 req/s × 3 ms × 1.3 = 8 connections: 10 held passes.
        let o = expect(&POOL_SIZE, &audit_with_peak(10, 2000.0), Status::Pass);
        assert!(o.evidence.contains("2000 req/s (declared peak, [target] peak_rps"), "{o:?}");
    }

    fn p_peak(ev: &mut Evidence, peak: f64) {
        let Slot::Collected { data: d } = &mut ev.config else { unreachable!() };
        d.peak_rps = Some(peak);
    }

    fn audit_with_peak(held: u32, peak: f64) -> Evidence {
        let mut ev = audit(held, 3, 1.0, Some(2));
        p_peak(&mut ev, peak);
        ev
    }

    #[test]
    fn the_load_term_wins_when_it_is_larger() {
        // 20 req/s × 2 queries × 250 ms = 10 busy, × 1.3 = 13 > 2 cores × 2.
        let o = expect(&POOL_SIZE, &audit(13, 2, 250.0, Some(2)), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("13 connections held, 13 recommended"));
        // A pool of 4 kept 10 connections' worth of work waiting: saturated, too small.
        let o = expect(&POOL_SIZE, &audit(4, 2, 250.0, Some(2)), Status::Fail);
        assert!(o.evidence.contains("too small"), "{o:?}");
    }

    #[test]
    fn without_pg_stat_statements_the_service_histogram_gives_the_query_time() {
        use crate::evidence::{HistogramWindow, MetricsEvidence, QueryHistogram};
        let mut ev = audit(13, 2, 250.0, Some(2));
        let Slot::Collected { data: p } = &mut ev.pg else { unreachable!() };
        let Slot::Collected { data: workload } = &mut p.workload else { unreachable!() };
        for w in &mut workload.windows {
            w.statements = Slot::unavailable("pg_stat_statements is not preloaded");
        }
        expect(&POOL_SIZE, &ev, Status::NotAssessed);
        // 400 queries of 250 ms in the 10 s window: 10 busy, × 1.3 = 13.
        let window = HistogramWindow {
            endpoint: "GET /a".into(),
            phase: Phase::Normal,
            buckets: Vec::new(),
            count: 400,
            sum_ms: 100_000.0,
            incomplete: None,
        };
        let histogram = QueryHistogram {
            family: "db_query_duration_seconds".into(),
            unit: "seconds".into(),
            configured: false,
            windows: vec![window],
        };
        ev.metrics = Slot::collected(MetricsEvidence {
            url: "http://a/metrics".into(),
            query_histogram: Slot::collected(histogram),
            ..Default::default()
        });
        let o = expect(&POOL_SIZE, &ev, Status::Pass);
        assert!(o.evidence.ends_with("= 13; query time from the service's query-duration histogram"), "{o:?}");
    }

    #[test]
    fn without_cores_or_load_it_is_not_assessed() {
        let o = expect(&POOL_SIZE, &audit(4, 3, 1.0, None), Status::NotAssessed);
        assert!(o.evidence.contains("[postgres] cores"), "{o:?}");
        expect(&POOL_SIZE, &Evidence::default(), Status::NotAssessed);
    }
}
