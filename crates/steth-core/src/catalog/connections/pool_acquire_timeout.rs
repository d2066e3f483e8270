//! 4.3 pool-acquire-timeout: pool acquire timeout.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That the application gives up waiting for a pooled connection after a bounded time. The
    /// acquire (checkout) timeout must be set and be at most **30 s**.
    ///
    /// ## Why it matters
    /// When the database slows down, the pool empties and new requests wait for a connection.
    /// With no acquire timeout they wait indefinitely: threads, goroutines and memory pile up,
    /// health checks time out, load balancers keep sending traffic, and the service falls over
    /// long after the database has recovered. A bounded wait turns the overload into fast `503`s
    /// that clients and retries can handle. Several common defaults have no limit: `pg.Pool`
    /// waits forever unless `connectionTimeoutMillis` is set, deadpool's `wait` timeout is unset,
    /// and `pgxpool` relies on the caller's context.
    ///
    /// ## How it is measured
    /// Source: **source**. stethoscope reads the pool configuration of the drivers and ORMs it
    /// knows, in configuration files and in the code that builds the pool. A pool with no acquire
    /// timeout (including one left at a driver default that waits forever) or with a value above
    /// the threshold is a violation. If no pool configuration of a known driver is found, the
    /// item is `not assessed`. Override with `"4.3" = "10s"` under `[thresholds]`.
    ///
    /// ## How to fix
    /// Set the timeout explicitly, well below the request timeout of the callers:
    ///
    /// ```properties
    /// # HikariCP, in ms (default 30000)
    /// spring.datasource.hikari.connection-timeout=3000
    /// ```
    ///
    /// ```javascript
    /// new Pool({ max: 10, connectionTimeoutMillis: 3000 })
    /// ```
    ///
    /// In SQLAlchemy set `pool_timeout`; in sqlx `acquire_timeout`; in deadpool `timeouts.wait`;
    /// in Go with `pgxpool`, acquire with a `context.WithTimeout`. Return `503` with
    /// `Retry-After` when acquisition fails.
    pub POOL_ACQUIRE_TIMEOUT = {
        id: "4.3",
        slug: "pool-acquire-timeout",
        title: "Pool acquire timeout",
        section: ConnectionManagement,
        threshold: Threshold::duration_at_most_secs(30),
        sources: [Source],
        severity: Medium,
        evaluate: None,
    }
}
