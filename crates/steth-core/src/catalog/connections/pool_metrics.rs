//! 4.7 pool-metrics: pool metrics exposed.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That the service exports the state of its database connection pool as metrics: how many
    /// connections are **active** (in use), **idle**, and how many callers are **waiting** for
    /// one. All three are required.
    ///
    /// ## Why it matters
    /// Pool exhaustion looks like a slow database from the outside: latency rises, requests time
    /// out, but PostgreSQL is quiet. Without pool metrics an on-call engineer cannot tell the two
    /// apart, and cannot see that a pool runs at 100 % active with a growing wait queue hours
    /// before it fails. These gauges are also what sizing decisions (4.2) and leak investigations
    /// (4.6) need.
    ///
    /// ## How it is measured
    /// Source: **metrics**. stethoscope scrapes the service's Prometheus endpoint (once before
    /// any load, and around each load phase when load runs) and lists every family exposed. Pool
    /// families are those whose name starts with `hikaricp_connections`, `pgxpool`, `deadpool`,
    /// `sqlalchemy_pool`, `go_sql_` or `r2dbc_pool`, or contains both `pool` and `conn`. Each of
    /// the three states is found either in a family's name (a `_`-separated word) or in the
    /// value of one of its labels (`state="idle"`):
    ///
    /// - active: `active`, `in_use`/`inuse`, `used`, `busy`, `acquired`, `checkedout`;
    /// - idle: `idle`, `available`, `free`, `checkedin`;
    /// - waiting: `waiting`, `pending`, `wait`, `waiters`, `queued`, `empty_acquire`.
    ///
    /// So `db_pool_connections{state="active|idle|waiting"}` passes, as do HikariCP's
    /// `hikaricp_connections_active`, `_idle` and `_pending`. A pool exposing only some of the
    /// three fails, naming the ones missing. Without `[metrics] url` the item is `not assessed`.
    /// This is a requirement, not a number, so there is no threshold to override.
    ///
    /// ## How to fix
    /// Most pools publish these with one line of wiring:
    ///
    /// - HikariCP with Micrometer: `hikaricp_connections_active`, `hikaricp_connections_idle`,
    ///   `hikaricp_connections_pending` once the registry is set on the data source (Spring Boot
    ///   Actuator does it automatically).
    /// - Go `database/sql`: register `collectors.NewDBStatsCollector(db, "app")` from
    ///   `client_golang`; it exports in-use, idle and wait-count series.
    /// - `pgxpool`: export `pool.Stat()` (`AcquiredConns`, `IdleConns`, `EmptyAcquireCount`) as
    ///   gauges from a custom collector.
    /// - SQLAlchemy: expose `engine.pool.checkedout()`, `checkedin()` and `overflow()`, plus
    ///   waits measured around checkout.
    ///
    /// Alert on waiting > 0 for more than a few minutes.
    pub POOL_METRICS = {
        id: "4.7",
        slug: "pool-metrics",
        title: "Pool metrics exposed",
        section: ConnectionManagement,
        threshold: Threshold::requires("active, idle and waiting"),
        sources: [Metrics],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

use crate::evidence::MetricFamily;

const PREFIXES: [&str; 6] = ["hikaricp_connections", "pgxpool", "deadpool", "sqlalchemy_pool", "go_sql_", "r2dbc_pool"];

/// The three states and the words that name each.
const STATES: [(&str, &[&str]); 3] = [
    ("active", &["active", "in_use", "inuse", "used", "busy", "acquired", "checkedout"]),
    ("idle", &["idle", "available", "free", "checkedin"]),
    ("waiting", &["waiting", "pending", "wait", "waiters", "queued", "empty_acquire"]),
];

fn is_pool_family(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    PREFIXES.iter().any(|p| name.starts_with(p)) || (name.contains("pool") && name.contains("conn"))
}

/// Whether `text` holds `word` as whole `_`-separated words.
fn names(text: &str, word: &str) -> bool {
    let text = format!("_{}_", text.to_ascii_lowercase());
    text.contains(&format!("_{word}_"))
}

/// The series that report `state`, as `family` or `family{label="value"}`.
fn reporting(families: &[&MetricFamily], words: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for f in families {
        if words.iter().any(|w| names(&f.name, w)) {
            found.push(f.name.clone());
        }
        for (label, values) in &f.values {
            for v in values.iter().filter(|v| words.iter().any(|w| names(v, w))) {
                found.push(format!("{}{{{label}=\"{v}\"}}", f.name));
            }
        }
    }
    found
}

fn evaluate(evidence: &Evidence, _: &Threshold) -> Verdict {
    let families = evidence.metrics.get()?.families.get()?;
    let pool: Vec<&MetricFamily> = families.iter().filter(|f| is_pool_family(&f.name)).collect();
    if pool.is_empty() {
        return Ok(Outcome::fail(
            "no pool metrics",
            format!("none of the {} families exposed is a connection pool's", families.len()),
        ));
    }
    let mut findings = Vec::new();
    let mut missing = Vec::new();
    for (state, words) in STATES {
        match reporting(&pool, words).as_slice() {
            [] => missing.push(state),
            series => findings.push(format!("{state}: {}", series.join(", "))),
        }
    }
    let names: Vec<&str> = pool.iter().map(|f| f.name.as_str()).collect();
    let seen = format!("pool families: {}", names.join(", "));
    if missing.is_empty() {
        Ok(Outcome::pass("active, idle and waiting exposed", seen).with_findings(findings))
    } else {
        Ok(Outcome::fail(
            format!("missing: {}", missing.join(", ")),
            format!("no {} series; {seen}", missing.join(" or ")),
        )
        .with_findings(findings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, family, with_families};
    use crate::evidence::{MetricsEvidence, Slot};
    use crate::outcome::Status;

    #[test]
    fn one_family_with_a_state_label_passes() {
        let f = family("db_pool_connections", "gauge", &[("state", &["active", "idle", "waiting"])]);
        let o = expect(&POOL_METRICS, &with_families(vec![f], None), Status::Pass);
        assert_eq!(o.findings[2], "waiting: db_pool_connections{state=\"waiting\"}");
    }

    #[test]
    fn separate_families_pass() {
        let fams = ["hikaricp_connections_active", "hikaricp_connections_idle", "hikaricp_connections_pending"]
            .map(|n| family(n, "gauge", &[("pool", &["main"])]));
        expect(&POOL_METRICS, &with_families(fams.to_vec(), None), Status::Pass);
        let pgx = ["pgxpool_acquired_conns", "pgxpool_idle_conns", "pgxpool_empty_acquire_count"]
            .map(|n| family(n, "gauge", &[]));
        expect(&POOL_METRICS, &with_families(pgx.to_vec(), None), Status::Pass);
    }

    #[test]
    fn a_missing_state_fails_and_is_named() {
        let f = family("db_pool_connections", "gauge", &[("state", &["active", "idle"])]);
        let o = expect(&POOL_METRICS, &with_families(vec![f], None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("missing: waiting"));
        let only = family("sqlalchemy_pool_checkedout", "gauge", &[]);
        let o = expect(&POOL_METRICS, &with_families(vec![only], None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("missing: idle, waiting"));
    }

    #[test]
    fn no_pool_family_fails_and_words_must_be_whole() {
        // `thread_pool_active` is not a connection pool; `idleness` is not `idle`.
        let fams = vec![
            family("thread_pool_active", "gauge", &[]),
            family("db_pool_connections", "gauge", &[("state", &["activeness", "idleness", "waiting"])]),
        ];
        let o = expect(&POOL_METRICS, &with_families(fams, None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("missing: active, idle"));
        let o = expect(&POOL_METRICS, &with_families(vec![family("up", "gauge", &[])], None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("no pool metrics"));
    }

    #[test]
    fn without_metrics_it_is_not_assessed_never_a_pass() {
        let o = expect(&POOL_METRICS, &Evidence::default(), Status::NotAssessed);
        assert_eq!(o.evidence, "not configured");
        let mut ev = Evidence { metrics: Slot::collected(MetricsEvidence::default()), ..Evidence::default() };
        expect(&POOL_METRICS, &ev, Status::NotAssessed);
        ev.metrics = Slot::failed("connection refused");
        expect(&POOL_METRICS, &ev, Status::Error);
    }
}
