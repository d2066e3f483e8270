//! 1.1 read-latency: read endpoints p99 latency.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The 99th-percentile latency of every hot read endpoint under the configured normal request
    /// rate. Each one must stay below **200 ms** at p99; the item is judged per endpoint, so one
    /// slow read endpoint is enough to miss it.
    ///
    /// ## Why it matters
    /// Averages hide the requests users complain about. An endpoint with a 40 ms mean can still
    /// send 1 request in 100 past 600 ms, and a screen that issues 15 reads in parallel waits for
    /// the slowest of them: about 14 % of such screen loads hit at least one p99-slow response.
    ///
    /// ## How it is measured
    /// Source: **load**. Each read endpoint gets its own load phase at the configured normal
    /// rate, using an open model: requests are sent on schedule whether or not earlier ones have
    /// completed, and latency is corrected for coordinated omission (counted from the intended
    /// send time), so a server stall shows up in the percentiles instead of quietly slowing the
    /// load generator down. The p99 of each endpoint is compared with the threshold; a p99 within
    /// 10 % of it (180–199 ms by default) is a `warn`. Override in `stethoscope.toml`:
    ///
    /// ```toml
    /// [thresholds]
    /// "1.1" = "150ms"
    /// ```
    ///
    /// ## How to fix
    /// Start with the endpoint's own breakdown in the report, then the database and cache items
    /// attributed to the same load phase: slow statements (2.1), sequential scans (2.3), N+1
    /// patterns (2.4) and a low hit rate (3.1) explain most slow reads. Typical remedies: add the
    /// missing index, fetch related rows in one query, cache the response or its expensive parts,
    /// paginate (8.7), and run independent downstream calls in parallel rather than in sequence.
    pub READ_LATENCY = {
        id: "1.1",
        slug: "read-latency",
        title: "Read endpoints p99 latency",
        section: ApiPerformance,
        threshold: Threshold::latency_below_ms(200),
        sources: [Load],
        severity: High,
        evaluate: None,
    }
}
