//! 4.1 connection-pooling: connection pool in use.

use crate::catalog::prelude::*;

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
    /// Sources: **pg** with **load**. During the load phases stethoscope counts the server
    /// sessions the application opened, from the `sessions` counter in `pg_stat_database`
    /// (PostgreSQL 14+) and the `backend_start` times of the application's connections in
    /// `pg_stat_activity`, and divides by the number of requests sent. A pooled application opens
    /// a handful of connections at startup and almost none during load; a ratio near one new
    /// session per request fails. stethoscope's own sessions are excluded. This is a requirement,
    /// not a number, so there is no threshold to override.
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
        evaluate: None,
    }
}
