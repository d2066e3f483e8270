//! 7.1 circuit-breakers: circuit breakers on external calls.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Calls to external dependencies (payment providers, other internal services, third-party
    /// APIs) go through a circuit breaker: after repeated failures the breaker opens and further
    /// calls fail immediately for a cool-down period, instead of waiting on a dependency that is
    /// down. The default threshold is 100 % of external dependencies.
    ///
    /// ## Why it matters
    /// When a dependency hangs, every request that touches it waits for its timeout. At 200
    /// requests per second and a 10 s timeout, 2 000 requests pile up in flight, holding worker
    /// threads, memory and database connections, until the whole service stops answering, including
    /// endpoints that never call the dependency. A breaker turns "the payment provider is down"
    /// into "payment is unavailable, everything else works" and stops hammering the dependency
    /// while it recovers.
    ///
    /// ## How it is measured
    /// - **service**: stethoscope starts the service with its fault-injecting proxy between the
    ///   service and each configured dependency, makes the dependency fail while load runs, and
    ///   checks that responses fail fast instead of piling up.
    /// - **source**: a circuit-breaker library wired in around outbound calls is supporting
    ///   evidence only and gives at most `warn`, because code does not show the breaker trips.
    ///
    /// The share of dependencies that behave is compared with the threshold.
    ///
    /// ## How to fix
    /// Wrap each dependency in its own breaker, combined with a timeout (7.3) and a fallback. In Go
    /// with `sony/gobreaker`:
    ///
    /// ```go
    /// cb := gobreaker.NewCircuitBreaker(gobreaker.Settings{
    ///     Name:    "payments",
    ///     Timeout: 30 * time.Second, // how long the breaker stays open
    ///     ReadyToTrip: func(c gobreaker.Counts) bool {
    ///         return c.Requests >= 20 && float64(c.TotalFailures)/float64(c.Requests) > 0.5
    ///     },
    /// })
    /// res, err := cb.Execute(func() (interface{}, error) { return payments.Charge(ctx, req) })
    /// ```
    ///
    /// Equivalents: resilience4j (Java), Polly (.NET), opossum (Node), pybreaker (Python). Export
    /// the breaker state as a metric, and decide what callers get while it is open: a cached value,
    /// a degraded response, or a fast 503 with `Retry-After`.
    pub CIRCUIT_BREAKERS = {
        id: "7.1",
        slug: "circuit-breakers",
        title: "Circuit breakers on external calls",
        section: Reliability,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Service, Source],
        severity: Medium,
        evaluate: None,
    }
}
