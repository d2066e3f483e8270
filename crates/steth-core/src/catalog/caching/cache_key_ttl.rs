//! 3.2 cache-key-ttl: ttl on all cache keys.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That every key in the cache has an expiry. The requirement is **100 %** of keys with a
    /// TTL; a key whose `TTL` is `-1` (no expiry) counts against it.
    ///
    /// ## Why it matters
    /// Keys without a TTL live until something deletes them. Stale data is served forever after
    /// an invalidation is missed, and memory grows with every new id ever cached: a cache of
    /// per-user keys without TTLs ends up holding every user who ever logged in. With a
    /// `volatile-*` eviction policy (3.3) such keys can never be evicted, so Redis eventually
    /// fills up and refuses writes.
    ///
    /// ## How it is measured
    /// Source: **redis**. The coverage figure comes from `INFO keyspace`, which gives `keys` and
    /// `expires` per database; it is read before any sampling and is exact. To show which keys
    /// lack a TTL, stethoscope then samples keys with `SCAN` (bounded, 10 000 keys by default;
    /// never `KEYS *`, which blocks the server) and checks their `TTL`, grouping the offenders by
    /// prefix in the report. The threshold is a percentage (`"3.2" = "100%"`) and can be
    /// overridden under `[thresholds]`, for instance when part of the instance intentionally
    /// stores durable data.
    ///
    /// ## How to fix
    /// Set the expiry in the same command that writes the value:
    ///
    /// ```text
    /// SET product:42 "{...}" EX 300
    /// ```
    ///
    /// For hashes, sets and lists, follow the write with `EXPIRE key 300` in the same `MULTI` or
    /// pipeline. Client libraries accept it directly, e.g. `r.set(key, value, ex=300)` in
    /// redis-py. Add a little random jitter to TTLs so keys written together do not expire
    /// together, and keep durable data (queues, sessions) in a separate Redis database or
    /// instance.
    pub CACHE_KEY_TTL = {
        id: "3.2",
        slug: "cache-key-ttl",
        title: "TTL on all cache keys",
        section: Caching,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Redis],
        severity: Medium,
        evaluate: None,
    }
}
