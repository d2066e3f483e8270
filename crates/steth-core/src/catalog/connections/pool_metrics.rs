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
    /// Source: **metrics**. stethoscope scrapes the service's Prometheus endpoint and looks for
    /// series that report the pool's active, idle and waiting (pending) connections. A pool
    /// exposing only some of the three does not meet the requirement. This is a requirement, not
    /// a number, so there is no threshold to override.
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
        evaluate: None,
    }
}
