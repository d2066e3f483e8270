//! 7.4 graceful-shutdown: graceful shutdown.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// On `SIGTERM` the service stops accepting new connections, lets in-flight requests finish,
    /// closes its pools and exits before the grace period runs out. The default threshold is that
    /// all in-flight requests complete.
    ///
    /// ## Why it matters
    /// Every deploy, scale-in and node drain sends `SIGTERM`. A service that exits at once drops
    /// the requests it is serving: clients see 502s on every deploy, and multi-step writes stop
    /// halfway (order saved, payment not recorded). A service that ignores the signal is killed
    /// after the grace period (30 s by default in Kubernetes) with the same result, only slower.
    /// With ten deploys a day these errors become part of the baseline error rate.
    ///
    /// ## How it is measured
    /// - **service**: stethoscope starts the service, puts it under load, sends `SIGTERM` while
    ///   requests are in flight, and checks that none of them fails and that the process exits
    ///   within the grace period. A failed request or a process still running after the grace
    ///   period fails.
    ///
    /// When stethoscope does not start the service itself, the item is not assessed.
    ///
    /// ## How to fix
    /// Handle the signal: stop listening, wait for in-flight work, close resources, exit. In Node:
    ///
    /// ```js
    /// const server = app.listen(8080);
    /// process.on("SIGTERM", () => {
    ///   server.close(async () => {          // stops accepting, waits for open requests
    ///     await pool.end();
    ///     process.exit(0);
    ///   });
    ///   setTimeout(() => process.exit(1), 25_000).unref();   // stay inside the grace period
    /// });
    /// ```
    ///
    /// In a container the application must receive the signal: use the exec form
    /// (`CMD ["node", "server.js"]`) or an init such as tini rather than a shell wrapper. In
    /// Kubernetes, a short `preStop` sleep gives the load balancer time to stop sending new traffic
    /// before the server stops accepting it.
    pub GRACEFUL_SHUTDOWN = {
        id: "7.4",
        slug: "graceful-shutdown",
        title: "Graceful shutdown",
        section: Reliability,
        threshold: Threshold::requires("in-flight requests complete on SIGTERM"),
        sources: [Service],
        severity: High,
        evaluate: None,
    }
}
