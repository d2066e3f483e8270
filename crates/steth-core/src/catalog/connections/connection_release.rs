//! 4.8 connection-release: connections released in finally blocks.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That every place in the code that acquires a database connection (or a transaction or
    /// cursor that holds one) releases it on every path, including errors. The requirement is
    /// **100 %** of acquisition sites.
    ///
    /// ## Why it matters
    /// Releasing a connection only on the success path works until the first exception between
    /// acquire and release. Each such error then leaks a connection (see 4.6), and a burst of
    /// errors, say a downstream outage producing a few hundred failures, can drain the pool
    /// within minutes and turn a partial failure into a complete one. In Go, leaving a
    /// `rows.Next()` loop early without `rows.Close()` has the same effect.
    ///
    /// ## How it is measured
    /// Source: **source**. stethoscope analyzes the repository for connection acquisitions and
    /// checks that each is released on all paths through a construct that guarantees it:
    /// `finally`, `try`-with-resources, Python `with`, Go `defer`, or scope-based drop (RAII) in
    /// Rust and C++. Acquisitions released only on the normal path count against the percentage.
    /// The threshold is a percentage (`"4.8" = "100%"` under `[thresholds]`).
    ///
    /// ## How to fix
    /// Tie the release to scope rather than to control flow:
    ///
    /// ```python
    /// with engine.connect() as conn:
    ///     conn.execute(text("UPDATE ..."))
    /// ```
    ///
    /// ```go
    /// conn, err := pool.Acquire(ctx)
    /// if err != nil { return err }
    /// defer conn.Release()
    /// ```
    ///
    /// ```java
    /// try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
    ///     ...
    /// }
    /// ```
    ///
    /// In Node, call `client.release()` in a `finally` block; the same goes for result sets and
    /// cursors.
    pub CONNECTION_RELEASE = {
        id: "4.8",
        slug: "connection-release",
        title: "Connections released in finally blocks",
        section: ConnectionManagement,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Source],
        severity: High,
        evaluate: None,
    }
}
