//! 4.4 connection-lifetime: max connection lifetime.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That pooled connections are retired and replaced after a maximum age. The pool's maximum
    /// connection lifetime must be below **30 minutes**.
    ///
    /// ## Why it matters
    /// A connection that lives for days keeps talking to whatever server it first reached: after
    /// a failover or DNS change it can stay on the old primary or a removed replica, new replicas
    /// get no share of the load, and per-backend memory (catalog and plan caches) keeps growing.
    /// Credentials that rotate, such as 15-minute IAM authentication tokens, are only re-checked
    /// on new connections. Firewalls and load balancers that cut long-lived flows cause errors on
    /// whichever request uses the connection next.
    ///
    /// ## How it is measured
    /// Sources: **pg** and **source**. stethoscope finds the application's oldest connection in
    /// `pg_stat_activity` (`now() - backend_start`, stethoscope's own sessions excluded) and
    /// compares its age with the threshold; it also reads the lifetime setting from the pool
    /// configuration. The observed age can only exceed the limit if the service has been up for
    /// longer than that, so on a freshly started service the configuration is the evidence that
    /// counts. Within 10 % of the limit (27–30 min) is a `warn`. Override with `"4.4" = "20min"`
    /// under `[thresholds]`.
    ///
    /// ## How to fix
    /// Set the lifetime explicitly and a little randomized, so connections do not all reconnect
    /// at the same moment:
    ///
    /// ```properties
    /// # HikariCP, in ms; its default of 30 min sits exactly on the limit
    /// spring.datasource.hikari.max-lifetime=1200000
    /// ```
    ///
    /// In Go, `db.SetConnMaxLifetime(20 * time.Minute)` (`database/sql`) or
    /// `pool_max_conn_lifetime` with `MaxConnLifetimeJitter` in `pgxpool` (default 1 h); in
    /// SQLAlchemy `pool_recycle=1200` (default: never); in sqlx `max_lifetime`. Keep the lifetime
    /// shorter than any timeout imposed by proxies or firewalls between the service and the
    /// database.
    pub CONNECTION_LIFETIME = {
        id: "4.4",
        slug: "connection-lifetime",
        title: "Max connection lifetime",
        section: ConnectionManagement,
        threshold: Threshold::duration_below_secs(30 * 60),
        sources: [Pg, Source],
        severity: Low,
        evaluate: None,
    }
}
