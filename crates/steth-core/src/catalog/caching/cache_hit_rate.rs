//! 3.1 cache-hit-rate: cache hit rate on hot read paths.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The share of Redis lookups that find their key while the hot read endpoints are under
    /// load. The hit rate must be above **80 %**.
    ///
    /// ## Why it matters
    /// A cache that misses often adds a round trip to Redis on top of the database query it was
    /// meant to avoid, so at low hit rates it makes requests slower, not faster. At 60 % hits, 40
    /// % of reads still reach PostgreSQL; when traffic doubles, the database sees the full
    /// increase and the cache gives no headroom. Low hit rates usually come from keys that can
    /// never repeat (timestamps or unsorted parameters in the key), TTLs shorter than the access
    /// interval, or evictions (3.8).
    ///
    /// ## How it is measured
    /// Source: **redis**, attributed with **load**. stethoscope reads `keyspace_hits` and
    /// `keyspace_misses` from `INFO stats` before and after each read endpoint's load phase and
    /// computes hits / (hits + misses) from the deltas. Counters are read before any key
    /// sampling, because commands such as `TYPE`, `TTL` and `EXISTS` count as keyspace hits and
    /// would inflate the figure. The counters are instance-wide, so other clients of the same
    /// Redis are included. Without load phases the cumulative counters since startup are the
    /// fallback. Within 10 % of the threshold (80–88 %) is a `warn`. Override with `"3.1" =
    /// "90%"` under `[thresholds]`.
    ///
    /// ## How to fix
    /// Make keys deterministic: build them from the entity id and normalized parameters, never
    /// from request time or unordered maps. Set TTLs from how long the data may be stale rather
    /// than from habit, populate the cache on every miss (cache-aside), and warm popular keys
    /// after deploys. If evictions are high (3.8), give Redis more memory or cache smaller
    /// values. Caching "not found" results (3.7) removes a whole class of repeated misses.
    pub CACHE_HIT_RATE = {
        id: "3.1",
        slug: "cache-hit-rate",
        title: "Cache hit rate on hot read paths",
        section: Caching,
        threshold: Threshold::percent_above(80.0),
        sources: [Redis, Load],
        severity: Medium,
        evaluate: None,
    }
}
