//! 4.1 connection-pooling: connection pool in use.

use crate::catalog::prelude::*;
use crate::evidence::{Phase, in_phase};

declare_item! {
    /// ## What it checks
    /// That the application reuses database connections through a pool instead of opening a new
    /// PostgreSQL connection for each request.
    ///
    /// ## Why it matters
    /// Opening a PostgreSQL connection forks a backend process, authenticates and often performs
    /// a TLS handshake: several milliseconds of latency and a few megabytes of server memory each
    /// time. At 300 requests per second, one connection per request means 300 forks per second,
    /// latency that no query tuning can remove, and a burst that hits `max_connections` and
    /// starts failing with `FATAL: sorry, too many clients already`.
    ///
    /// ## How it is measured
    /// Sources: **pg** with **load**. Right before and right after each endpoint's normal-load
    /// phase stethoscope reads the `sessions` counter of the service's database in
    /// `pg_stat_database` (PostgreSQL 14+) and divides the new sessions by the requests sent in
    /// the phase. A pooled application opens a handful of connections at startup and almost
    /// none during load; half a new session per request or more fails, naming the endpoint.
    /// stethoscope's own session stays open through all phases, so it adds nothing. Before
    /// PostgreSQL 14 the item is `not assessed`. So is a service that showed no activity on the
    /// database during the audit (no statement, no session): no new session per request then
    /// proves nothing, and the likely cause is a `[postgres] url` that is not the service's
    /// database. This is a requirement, not a number, so there
    /// is no threshold to override.
    ///
    /// ## How to fix
    /// Create one pool at process start and share it; never connect inside a request handler.
    /// Every mainstream driver has one: HikariCP (JVM), `pgxpool` (Go), `deadpool-postgres` or
    /// `sqlx::PgPool` (Rust), SQLAlchemy's engine pool (Python), `pg.Pool` (Node):
    ///
    /// ```python
    /// engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=5, pool_pre_ping=True)
    /// ```
    ///
    /// Where the process model makes in-process pools impossible (CGI-style workers, serverless
    /// functions, 4.10), put PgBouncer or a managed proxy in front of the database.
    pub CONNECTION_POOLING = {
        id: "4.1",
        slug: "connection-pooling",
        title: "Connection pool in use",
        section: ConnectionManagement,
        threshold: Threshold::requires("not one connection per request"),
        sources: [Pg, Load],
        severity: High,
        evaluate: Some(evaluate),
    }
}

/// New sessions per request at or above this mean connections are not reused.
const PER_REQUEST_LIMIT: f64 = 0.5;

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let workload = pg.workload.get()?;
    let mut rates = Vec::new();
    for w in in_phase(&workload.windows, Phase::Normal).filter(|w| w.requests > 0) {
        let opened = *w.new_sessions.get()?;
        rates.push((w.endpoint.as_str(), opened, opened as f64 / w.requests as f64));
    }
    if rates.is_empty() {
        return Err(Outcome::not_assessed("no normal-load phase ran, so new sessions cannot be set against requests"));
    }
    // No session opened proves pooling only when the service used the database at all.
    if let Some(why) = pg.no_service_activity() {
        return Err(Outcome::not_assessed(why));
    }
    rates.sort_by(|a, b| b.2.total_cmp(&a.2));
    let findings =
        rates.iter().map(|(e, n, r)| format!("{e}: {n} new server session(s), {r:.2} per request")).collect::<Vec<_>>();
    let (endpoint, _, worst) = rates[0];
    let measured = format!("{worst:.2} new sessions per request ({endpoint})");
    if worst >= PER_REQUEST_LIMIT {
        Ok(Outcome::fail(measured, format!("connections are opened per request: {}", findings[0]))
            .with_findings(findings)
            .with_excess(1.0 + worst))
    } else {
        Ok(Outcome::pass(measured, format!("connections are reused across requests on {} endpoint(s)", rates.len()))
            .with_findings(findings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, window, with_windows};
    use crate::evidence::Slot;
    use crate::outcome::Status;

    fn normal(endpoint: &str, requests: u64, opened: u64) -> crate::evidence::PhaseWindow {
        let mut w = window(endpoint, "normal", requests);
        w.new_sessions = Slot::collected(opened);
        w
    }

    #[test]
    fn one_session_per_request_fails() {
        let ev = with_windows(vec![normal("GET /a", 150, 2), normal("GET /b", 150, 149)]);
        let o = expect(&CONNECTION_POOLING, &ev, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("0.99 new sessions per request (GET /b)"));
    }

    #[test]
    fn a_service_that_never_touched_the_database_is_not_assessed() {
        // No statement, no new session, no session seen: "0.00 new sessions per request" is no pass.
        let o = expect(&CONNECTION_POOLING, &with_windows(vec![normal("GET /a", 150, 0)]), Status::NotAssessed);
        assert!(o.evidence.contains("is `[postgres] url` the service's database"), "{}", o.evidence);
        let mut w = normal("GET /a", 150, 0);
        w.statements = Slot::collected(crate::evidence::StatementWindow {
            statements: vec![crate::evidence::StatementDelta {
                query: "SELECT 1".into(),
                calls: 150,
                mean_ms: 0.1,
                stddev_ms: 0.0,
                max_ms: 0.2,
                rows: 150,
            }],
            incomplete: None,
        });
        expect(&CONNECTION_POOLING, &with_windows(vec![w]), Status::Pass);
    }

    #[test]
    fn a_pool_warming_up_passes_and_half_is_the_edge() {
        expect(&CONNECTION_POOLING, &with_windows(vec![normal("GET /a", 150, 12)]), Status::Pass);
        expect(&CONNECTION_POOLING, &with_windows(vec![normal("GET /a", 100, 50)]), Status::Fail);
    }

    #[test]
    fn without_the_counter_or_load_it_is_not_assessed() {
        let mut w = window("GET /a", "normal", 10);
        w.new_sessions = Slot::unavailable("pg_stat_database.sessions needs PostgreSQL 14+");
        expect(&CONNECTION_POOLING, &with_windows(vec![w]), Status::NotAssessed);
        expect(&CONNECTION_POOLING, &Evidence::default(), Status::NotAssessed);
    }
}
