//! 3.3 eviction-policy: eviction policy configured.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That Redis is told what to drop when it reaches its memory limit. The policy must be an
    /// LRU or LFU one: `allkeys-lru`, `volatile-lru`, `allkeys-lfu` or `volatile-lfu`. The Redis
    /// default, `noeviction`, fails.
    ///
    /// ## Why it matters
    /// With `noeviction`, a full Redis rejects every write with `OOM command not allowed when
    /// used memory > 'maxmemory'`. For a cache that means errors on the request path, or, if the
    /// application swallows them, a silent drop in hit rate as nothing new gets cached. An LRU or
    /// LFU policy turns memory pressure into a slightly lower hit rate instead of failures.
    ///
    /// ## How it is measured
    /// Source: **redis**. stethoscope runs `CONFIG GET maxmemory-policy` and compares the value
    /// with the accepted policies. Managed services sometimes disable or rename `CONFIG`; the
    /// item is then `not assessed` and the reason is printed. The policy only takes effect once
    /// `maxmemory` is set, which is checked separately in 3.4. This is a requirement, not a
    /// number, so it has no threshold to override.
    ///
    /// ## How to fix
    /// For a Redis used only as a cache, evict across all keys:
    ///
    /// ```text
    /// # redis.conf
    /// maxmemory-policy allkeys-lru
    /// ```
    ///
    /// At runtime, `CONFIG SET maxmemory-policy allkeys-lru` followed by `CONFIG REWRITE`
    /// persists it. Prefer `allkeys-lfu` when a small set of keys is popular over long periods.
    /// Use a `volatile-*` policy only when the instance also holds keys that must never be
    /// evicted, and then make sure all cache keys carry a TTL (3.2). On ElastiCache or
    /// Memorystore, set the parameter in the parameter group or instance configuration.
    pub EVICTION_POLICY = {
        id: "3.3",
        slug: "eviction-policy",
        title: "Eviction policy configured",
        section: Caching,
        threshold: Threshold::requires("an lru or lfu policy"),
        sources: [Redis],
        severity: Medium,
        evaluate: None,
    }
}
