//! 4.2 pool-size: pool size follows the formula.

use crate::catalog::prelude::*;

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
    /// Sources: **pg** with **load**. The peak request rate comes from the load engine and the
    /// average query time from `pg_stat_statements` deltas over the same phases; the database
    /// server's core count supplies the floor. Example: 400 requests/s × 0.015 s × 1.3 = 7.8, so
    /// 8 from the first term; an 8-core server gives 16, and 16 is the recommendation. Observed
    /// concurrency is the number of application connections in `pg_stat_activity` during load,
    /// excluding stethoscope's own. 8 to 32 passes here; 100 fails. The band is a requirement
    /// rather than an overridable number.
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
        sources: [Pg, Load],
        severity: Medium,
        evaluate: None,
    }
}
