//! 5.8 cache-hit-metric: cache hit rate tracked.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The service exports its cache hits and misses, for example a counter with a `result="hit"` /
    /// `result="miss"` label per cache or key family, so the hit rate can be graphed and alerted
    /// on. The default threshold is that such a metric exists.
    ///
    /// ## Why it matters
    /// Redis `INFO` reports hits and misses for the whole instance, summed over every application
    /// and key family that shares it. A deploy that changes a key format (a new version prefix, a
    /// different serialisation) drops the hit rate of one cache to 0 % and sends every read to the
    /// database; in the server-wide numbers it is a small dip, in the database a sudden load spike
    /// with no obvious cause. A per-cache metric points at the culprit in minutes.
    ///
    /// ## How it is measured
    /// - **metrics**: stethoscope scrapes the service's Prometheus endpoint and looks for cache hit
    ///   and miss counters (or a hit-ratio series) exported by the application.
    ///
    /// The hit rate itself is measured by stethoscope from Redis counters during load (item 3.1);
    /// this item asks whether the service tracks it on its own. A service without a cache can
    /// declare the item not applicable, e.g. `[na]` `"5.8" = "no cache layer"`.
    ///
    /// ## How to fix
    /// Count lookups where the cache is read, labelled by cache and result:
    ///
    /// ```python
    /// CACHE = Counter("cache_requests_total", "Cache lookups", ["cache", "result"])
    ///
    /// def get_product(product_id):
    ///     raw = redis.get(f"product:v2:{product_id}")
    ///     CACHE.labels("product", "miss" if raw is None else "hit").inc()
    /// ```
    ///
    /// and record the ratio for dashboards and alerts:
    ///
    /// ```yaml
    /// - record: cache:hit_ratio:rate5m
    ///   expr: |
    ///     sum by (cache) (rate(cache_requests_total{result="hit"}[5m]))
    ///       / sum by (cache) (rate(cache_requests_total[5m]))
    /// ```
    ///
    /// Many cache libraries expose these counters already (Caffeine's `recordStats()` through
    /// Micrometer, for instance); wire them into the metrics endpoint.
    pub CACHE_HIT_METRIC = {
        id: "5.8",
        slug: "cache-hit-metric",
        title: "Cache hit rate tracked",
        section: Observability,
        threshold: Threshold::requires("metric exists"),
        sources: [Metrics],
        severity: Low,
        evaluate: None,
    }
}
