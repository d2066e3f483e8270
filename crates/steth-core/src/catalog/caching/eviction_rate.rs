//! 3.8 eviction-rate: eviction rate.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// How fast Redis is forced to drop keys because it hit `maxmemory`. Evictions must stay
    /// below **5 % of the key count per hour**.
    ///
    /// ## Why it matters
    /// Every eviction throws away a value the application thought worth caching; when the evicted
    /// keys are requested again they become misses and database queries. A steady eviction rate
    /// of, say, 30 % of keys per hour means the working set does not fit: the cache is thrashing,
    /// the hit rate (3.1) falls and, during traffic peaks, the database absorbs the difference.
    /// Evictions can also remove keys that were never meant to be disposable when they share an
    /// instance with cache data.
    ///
    /// ## How it is measured
    /// Source: **redis**. stethoscope reads `evicted_keys` from `INFO stats` at the start and end
    /// of the observation window and also uses its total over `uptime_in_seconds`, converts both
    /// to evictions per hour, and divides by the key count from `INFO keyspace`. The window
    /// figure shows current behaviour; the uptime figure catches peaks the window missed. Within
    /// 10 % of the threshold (4.5–5 %) is a `warn`. Override with `"3.8" = "10%"` under
    /// `[thresholds]`.
    ///
    /// ## How to fix
    /// Either give the working set more room or make it smaller:
    ///
    /// - raise `maxmemory` (3.4) if the host has headroom, or scale out the cache;
    /// - shorten TTLs of rarely re-read keys so they expire instead of being evicted;
    /// - stop caching large, rarely read values, and compress big payloads;
    /// - switch to `allkeys-lfu` if a stable set of keys is popular, so one-off keys go first.
    ///
    /// Watch `evicted_keys` together with `keyspace_misses` after each change.
    pub EVICTION_RATE = {
        id: "3.8",
        slug: "eviction-rate",
        title: "Eviction rate",
        section: Caching,
        threshold: Threshold::percent_below(5.0),
        sources: [Redis],
        severity: Medium,
        evaluate: None,
    }
}
