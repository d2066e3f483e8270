//! 1.4 tail-amplification: tail amplification p99/p50.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The ratio between an endpoint's p99 and its p50 latency under normal load. For every hot
    /// endpoint the ratio must stay below **4×**. It catches endpoints that are fast for most
    /// requests but erratic for some, even when their absolute p99 still passes 1.1 or 1.2.
    ///
    /// ## Why it matters
    /// A high ratio points to a second, slower code path or to queueing: cache misses next to
    /// hits, garbage-collection pauses, lock contention, waiting for a pool connection, a retry
    /// after a timeout. An endpoint with p50 = 20 ms and p99 = 180 ms (9×) passes the 200 ms read
    /// budget today, but the mechanism behind the tail grows with load and is usually the first
    /// thing to turn into an outage.
    ///
    /// ## How it is measured
    /// Source: **load**. From the same per-endpoint load phases as 1.1–1.3, stethoscope divides
    /// the corrected p99 by the p50 for each endpoint. Any endpoint over the factor makes the
    /// item `fail`; an endpoint within 10 % of it (3.6×–4× by default) gives a `warn`. Override
    /// in `stethoscope.toml`:
    ///
    /// ```toml
    /// [thresholds]
    /// "1.4" = "5x"
    /// ```
    ///
    /// ## How to fix
    /// Find what separates slow requests from fast ones. Compare with the cache hit rate (3.1)
    /// and per-statement latency (2.1) for the same phase; a pool that is too small (4.2) shows
    /// up as acquire waits; GC pauses show in runtime metrics. Typical fixes: size the pool from
    /// 4.2, warm caches and protect popular keys from stampedes (3.6), shorten lock hold times,
    /// set timeouts on downstream calls (1.5) so one slow dependency cannot stretch the tail, and
    /// tune the runtime's GC for latency where that applies.
    pub TAIL_AMPLIFICATION = {
        id: "1.4",
        slug: "tail-amplification",
        title: "Tail amplification p99/p50",
        section: ApiPerformance,
        threshold: Threshold::factor_below(4.0),
        sources: [Load],
        severity: Medium,
        evaluate: None,
    }
}
