//! 4.5 connection-idle-time: max idle time.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That the pool closes connections that have been idle for too long. Idle application
    /// connections must be closed in under **10 minutes**.
    ///
    /// ## Why it matters
    /// Each idle connection still holds a PostgreSQL backend, its memory and a slot in
    /// `max_connections`, taken away from other services and from autoscaled instances that need
    /// one. Idle TCP flows are also dropped silently by NAT gateways and firewalls (AWS NAT
    /// gateways after 350 s, for example); the next query on such a connection hangs or fails,
    /// usually on the first request after a quiet period.
    ///
    /// ## How it is measured
    /// Sources: **pg** and **source**. stethoscope lists the application's connections in
    /// `pg_stat_activity` whose `state` is `idle` and whose `state_change` is older than the
    /// threshold, excluding its own sessions, and reads the idle-timeout setting from the pool
    /// configuration. Like 4.4, the pg evidence needs the service to have run long enough and to
    /// have had quiet periods; the configuration covers the rest. Override with `"4.5" = "5min"`
    /// under `[thresholds]`.
    ///
    /// ## How to fix
    /// Configure an idle timeout and keep the minimum idle count low:
    ///
    /// ```properties
    /// # HikariCP: applies only when minimum-idle < maximum-pool-size
    /// spring.datasource.hikari.idle-timeout=300000
    /// spring.datasource.hikari.minimum-idle=2
    /// ```
    ///
    /// In Go, `db.SetConnMaxIdleTime(5 * time.Minute)` or `pool_max_conn_idle_time` in `pgxpool`
    /// (default 30 min); in sqlx `idle_timeout`. SQLAlchemy has no idle timeout: use
    /// `pool_recycle` plus `pool_pre_ping=True`. TCP keepalives shorter than the NAT timeout help
    /// against silent drops but do not free server resources.
    pub CONNECTION_IDLE_TIME = {
        id: "4.5",
        slug: "connection-idle-time",
        title: "Max idle time",
        section: ConnectionManagement,
        threshold: Threshold::duration_below_secs(10 * 60),
        sources: [Pg, Source],
        severity: Low,
        evaluate: None,
    }
}
