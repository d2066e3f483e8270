//! 7.3 outbound-timeouts: timeouts on all outbound calls.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Every outbound call, whether a database query, an HTTP request, a cache command or a queue
    /// publish, has a timeout covering both connecting and waiting for the answer, so a slow
    /// dependency cannot hold a request indefinitely. The default threshold is 100 % of outbound
    /// calls; item 1.5 looks at HTTP clients specifically.
    ///
    /// ## Why it matters
    /// Many client defaults wait forever: Python `requests` without `timeout=`, Go's zero-value
    /// `http.Client`, Redis clients without socket timeouts, a PostgreSQL role without
    /// `statement_timeout`. A dependency that accepts connections but stops answering (a full disk,
    /// a long GC pause, a network path dropping packets) then blocks each worker until TCP gives
    /// up, which can take many minutes. The pools drain and the service stops answering everything.
    ///
    /// ## How it is measured
    /// - **source**: database, HTTP and cache client constructions and calls without a timeout are
    ///   listed with file and line.
    /// - **service**: stethoscope starts the service and, through its fault-injecting proxy, slows
    ///   each dependency in turn while sending requests; responses must stay within the configured
    ///   bound, as an error or a degraded answer, rather than hang.
    ///
    /// Source findings show which calls to fix; the service measurement shows whether the timeouts
    /// actually bound the response. The share of calls with timeouts is compared with the
    /// threshold.
    ///
    /// ## How to fix
    /// Set explicit timeouts on every client, shorter than the timeout of the request that uses
    /// them:
    ///
    /// ```python
    /// requests.get(url, timeout=(3.05, 10))   # connect, read
    /// redis.Redis(host=REDIS_HOST, socket_connect_timeout=1, socket_timeout=0.5)
    /// ```
    ///
    /// ```go
    /// client := &http.Client{Timeout: 5 * time.Second}
    /// ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
    /// defer cancel()
    /// ```
    ///
    /// ```sql
    /// ALTER ROLE app SET statement_timeout = '5s';
    /// ```
    ///
    /// Budget them top-down: if the API answers within 2 s, a dependency call cannot be allowed
    /// 10 s.
    pub OUTBOUND_TIMEOUTS = {
        id: "7.3",
        slug: "outbound-timeouts",
        title: "Timeouts on all outbound calls",
        section: Reliability,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Source, Service],
        severity: High,
        evaluate: None,
    }
}
