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
    /// - **metrics**: stethoscope scrapes the service's Prometheus endpoint (once before any
    ///   load, and around each load phase when load runs) and lists every family exposed. Among
    ///   the families whose name holds the word `cache` (`_`-separated), hits are found in a name
    ///   word `hit`/`hits` or a label value `hit`/`hits`, misses in a name word `miss`/`misses`
    ///   or a label value `miss`/`misses`: `cache_requests_total{result="hit|miss"}` passes, as
    ///   do `app_cache_hits_total` with `app_cache_misses_total`. A family named
    ///   `cache_hit_ratio` or `cache_hit_rate` passes on its own. Hits without misses (or the
    ///   reverse) fail, naming what is missing; so does no cache family. Label values are read
    ///   from the first 16 distinct values of each label. Without `[metrics] url` the item is
    ///   `not assessed`.
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
        evaluate: Some(evaluate),
    }
}

use crate::evidence::MetricFamily;

fn words(text: &str) -> Vec<String> {
    text.to_ascii_lowercase().split('_').map(str::to_string).collect()
}

/// The series of cache `families` that count `wanted` (`hit` or `miss`).
fn counting(families: &[&MetricFamily], wanted: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for f in families {
        if words(&f.name).iter().any(|w| wanted.contains(&w.as_str())) {
            found.push(f.name.clone());
        }
        for (label, values) in &f.values {
            for v in values.iter().filter(|v| wanted.contains(&v.to_ascii_lowercase().as_str())) {
                found.push(format!("{}{{{label}=\"{v}\"}}", f.name));
            }
        }
    }
    found
}

fn evaluate(evidence: &Evidence, _: &Threshold) -> Verdict {
    let families = evidence.metrics.get()?.families.get()?;
    let cache: Vec<&MetricFamily> = families.iter().filter(|f| words(&f.name).iter().any(|w| w == "cache")).collect();
    if cache.is_empty() {
        return Ok(Outcome::fail(
            "no cache metrics",
            format!("none of the {} families exposed has `cache` in its name", families.len()),
        ));
    }
    let names: Vec<&str> = cache.iter().map(|f| f.name.as_str()).collect();
    let seen = format!("cache families: {}", names.join(", "));
    let lower = |f: &&&MetricFamily| format!("_{}_", f.name.to_ascii_lowercase());
    if let Some(f) = cache.iter().find(|f| lower(f).contains("_hit_ratio_") || lower(f).contains("_hit_rate_")) {
        return Ok(Outcome::pass(format!("`{}`", f.name), format!("a hit-ratio series is exposed; {seen}")));
    }
    let (hits, misses) = (counting(&cache, &["hit", "hits"]), counting(&cache, &["miss", "misses"]));
    let findings = [("hits", &hits), ("misses", &misses)]
        .into_iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(what, s)| format!("{what}: {}", s.join(", ")));
    let findings: Vec<String> = findings.collect();
    match (hits.is_empty(), misses.is_empty()) {
        (false, false) => Ok(Outcome::pass("hits and misses counted", seen).with_findings(findings)),
        (h, m) => {
            let missing = match (h, m) {
                (true, true) => "hits and misses",
                (true, false) => "hits",
                _ => "misses",
            };
            Ok(Outcome::fail(format!("missing: {missing}"), format!("no series counts cache {missing}; {seen}"))
                .with_findings(findings))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, family, with_families};
    use crate::evidence::Slot;
    use crate::outcome::Status;

    #[test]
    fn a_result_label_with_hit_and_miss_passes() {
        let f = family("cache_requests_total", "counter", &[("result", &["hit", "miss"])]);
        let o = expect(&CACHE_HIT_METRIC, &with_families(vec![f], None), Status::Pass);
        assert_eq!(
            o.findings,
            ["hits: cache_requests_total{result=\"hit\"}", "misses: cache_requests_total{result=\"miss\"}"]
        );
    }

    #[test]
    fn separate_hit_and_miss_counters_pass_as_does_a_ratio() {
        let fams =
            vec![family("app_cache_hits_total", "counter", &[]), family("app_cache_misses_total", "counter", &[])];
        expect(&CACHE_HIT_METRIC, &with_families(fams, None), Status::Pass);
        let ratio = family("product_cache_hit_ratio", "gauge", &[]);
        expect(&CACHE_HIT_METRIC, &with_families(vec![ratio], None), Status::Pass);
    }

    #[test]
    fn hits_without_misses_fail_and_say_so() {
        let f = family("cache_requests_total", "counter", &[("result", &["hit"])]);
        let o = expect(&CACHE_HIT_METRIC, &with_families(vec![f], None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("missing: misses"));
        let f = family("cache_size_bytes", "gauge", &[]);
        let o = expect(&CACHE_HIT_METRIC, &with_families(vec![f], None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("missing: hits and misses"));
    }

    #[test]
    fn no_cache_family_fails_and_words_must_be_whole() {
        // `cachet` is not `cache`, and `redis_keyspace_hits_total` is Redis's, not the service's.
        let fams =
            vec![family("cachet_hits_total", "counter", &[]), family("redis_keyspace_hits_total", "counter", &[])];
        let o = expect(&CACHE_HIT_METRIC, &with_families(fams, None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("no cache metrics"));
    }

    #[test]
    fn without_metrics_it_is_not_assessed_never_a_pass() {
        expect(&CACHE_HIT_METRIC, &Evidence::default(), Status::NotAssessed);
        let ev = Evidence { metrics: Slot::failed("connection refused"), ..Evidence::default() };
        expect(&CACHE_HIT_METRIC, &ev, Status::Error);
    }
}
