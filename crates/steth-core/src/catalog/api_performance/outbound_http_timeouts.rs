//! 1.5 outbound-http-timeouts: timeouts on all outbound http calls.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That every outbound HTTP call the service makes (to payment providers, internal services,
    /// webhooks, identity providers) has a timeout. The requirement is **100 %** of call sites: a
    /// single client without a timeout is enough to stall requests.
    ///
    /// ## Why it matters
    /// Many HTTP clients wait forever by default: Python `requests` without `timeout=`, Go's
    /// `http.DefaultClient`, Node's `http.request` without a `timeout`. When a dependency stops
    /// answering instead of failing, every request that calls it hangs, holding a worker, memory
    /// and often a database connection, until the service runs out of all three. One slow partner
    /// API can then take down endpoints that do not even use it.
    ///
    /// ## How it is measured
    /// Sources: **source** and **service**. Static analysis lists HTTP client constructions and
    /// calls that set no timeout, neither per call nor on the client. When stethoscope controls
    /// the service process, it also places its fault-injecting proxy between the service and an
    /// HTTP dependency, slows the dependency down, and checks that responses still come back
    /// within the configured bound instead of stalling. A finding from code alone, not observed
    /// running, is indirect evidence and yields a `warn`. The threshold is a percentage of call
    /// sites (`"1.5" = "100%"` under `[thresholds]`).
    ///
    /// ## How to fix
    /// Set an explicit connect and overall timeout on every client, and keep them below the
    /// service's own request budget:
    ///
    /// ```python
    /// requests.get(url, timeout=(3.05, 5))  # connect, read
    /// ```
    ///
    /// ```go
    /// client := &http.Client{Timeout: 5 * time.Second}
    /// ```
    ///
    /// Prefer one shared, configured client per dependency over ad hoc calls, and combine
    /// timeouts with retries and a circuit breaker (7.1, 7.2).
    pub OUTBOUND_HTTP_TIMEOUTS = {
        id: "1.5",
        slug: "outbound-http-timeouts",
        title: "Timeouts on all outbound HTTP calls",
        section: ApiPerformance,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Source, Service],
        severity: High,
        evaluate: None,
    }
}
