//! 1.3 no-slow-endpoints: no endpoint p99 over 1 s under normal load.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That no hot endpoint, read or write, has a p99 above **1 second** under the normal request
    /// rate. Unlike 1.1 and 1.2 this is a count of violating endpoints; the default allows **0**.
    ///
    /// ## Why it matters
    /// A second at p99 is past the point where users notice and where upstream timeouts start to
    /// fire. If a client screen makes 20 calls, each with a 1 % chance of taking over a second,
    /// about 18 % of screen loads include one such wait. Endpoints this slow usually also hold
    /// workers, connections and locks long enough to degrade everything else on the instance when
    /// traffic rises.
    ///
    /// ## How it is measured
    /// Source: **load**. The per-endpoint load phases of 1.1 and 1.2 are reused: stethoscope
    /// counts the endpoints whose coordinated-omission-corrected p99 at the normal rate exceeds 1
    /// s and lists them in the report. Any endpoint over the limit is a `fail`. The allowed count
    /// can be overridden (it is a whole number), for example while a known slow endpoint is being
    /// reworked:
    ///
    /// ```toml
    /// [thresholds]
    /// "1.3" = "1"
    /// ```
    ///
    /// ## How to fix
    /// Take the listed endpoints one by one. Check their query count and statement latency (2.1,
    /// 2.4), add the missing indexes, and cache expensive read results. Work that genuinely takes
    /// seconds, such as exports, reports or bulk imports, belongs in a background job: accept the
    /// request, return `202 Accepted` with a job id, and let the client poll or receive a
    /// callback (8.5). Unbounded list endpoints should be paginated (8.7, 8.8).
    pub NO_SLOW_ENDPOINTS = {
        id: "1.3",
        slug: "no-slow-endpoints",
        title: "No endpoint p99 over 1 s under normal load",
        section: ApiPerformance,
        threshold: Threshold::at_most(0),
        sources: [Load],
        severity: High,
        evaluate: None,
    }
}
