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
    /// to evictions per hour, and divides by the key count from `INFO keyspace` (or the keys
    /// sampled, when the sample saw more). The window
    /// figure shows current behaviour; the uptime figure catches peaks the window missed. Within
    /// 10 % of the threshold (4.5–5 %) is a `warn`. An instance with no key that never evicted
    /// one, or one the service made no lookup in during the load phases, is `not assessed`
    /// (no eviction against no key proves nothing), asking whether `[redis] url` is the
    /// service's cache. Override with `"3.8" = "10%"` under `[thresholds]`.
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
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let redis = evidence.redis.get()?;
    let limit = threshold.limit_number();
    let end = redis.end.data().copied();
    let last = end.unwrap_or(redis.start);
    if let Some(why) = redis.no_service_lookups() {
        return Err(Outcome::not_assessed(why));
    }
    // INFO keyspace can miss keys the sample saw (a database it does not list): the larger count.
    let sampled = redis.sample.data().map_or(0, |s| s.sampled);
    let keys = redis.start.keys.max(last.keys).max(sampled);
    if keys == 0 && last.evicted_keys == 0 {
        return Err(Outcome::not_assessed(
            "Redis holds no key and has evicted none: nothing was cached to evict (is `[redis] url` the service's cache?)",
        ));
    }
    let per_hour = |evicted: u64, secs: u64| evicted as f64 * 3600.0 / secs.max(1) as f64;
    let share =
        |rate: f64| if keys == 0 { if rate > 0.0 { f64::INFINITY } else { 0.0 } } else { 100.0 * rate / keys as f64 };
    let mut figures = Vec::new();
    if let Some(end) = end {
        let evicted = end.evicted_keys.saturating_sub(redis.start.evicted_keys);
        let secs = end.uptime_secs.saturating_sub(redis.start.uptime_secs);
        figures.push((share(per_hour(evicted, secs)), format!("{evicted} eviction(s) in the {secs} s window")));
    }
    figures.push((
        share(per_hour(last.evicted_keys, last.uptime_secs)),
        format!("{} eviction(s) in {} s of uptime", last.evicted_keys, last.uptime_secs),
    ));
    let (worst, why) =
        figures.iter().cloned().max_by(|a, b| a.0.total_cmp(&b.0)).expect("the uptime figure is always there");
    let measured = if worst.is_finite() {
        format!("{worst:.1} % of keys per hour")
    } else {
        "evictions with no keys left".to_string()
    };
    let all: Vec<String> = figures.iter().map(|(p, w)| format!("{w}: {p:.1} % of {keys} key(s) per hour")).collect();
    let note = format!("{why}, against {keys} key(s)");
    if worst >= limit {
        return Ok(Outcome::fail(measured, note).with_findings(all).with_excess(if worst.is_finite() {
            worst / limit
        } else {
            10.0
        }));
    }
    if worst >= limit * 0.9 {
        return Ok(Outcome::warn(measured, note).with_findings(all));
    }
    Ok(Outcome::pass(measured, note).with_findings(all))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, redis, with_redis};
    use crate::evidence::{RedisCounters, Slot};
    use crate::outcome::Status;

    /// 1 000 keys, `before` evictions at 3 600 s of uptime, `after` evictions 60 s later.
    fn evictions(before: u64, after: u64) -> Evidence {
        let mut r = redis();
        r.start = RedisCounters { evicted_keys: before, uptime_secs: 3600, keys: 1000, ..RedisCounters::default() };
        r.end = Slot::collected(RedisCounters { evicted_keys: after, uptime_secs: 3660, ..r.start });
        with_redis(r)
    }

    #[test]
    fn no_evictions_pass() {
        let o = expect(&EVICTION_RATE, &evictions(0, 0), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("0.0 % of keys per hour"));
    }

    #[test]
    fn evictions_in_the_window_fail() {
        // 10 in 60 s = 600 per hour = 60 % of 1 000 keys.
        let o = expect(&EVICTION_RATE, &evictions(0, 10), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("60.0 % of keys per hour"));
        assert!(o.evidence.contains("window"), "{}", o.evidence);
    }

    #[test]
    fn the_uptime_figure_catches_what_the_window_missed() {
        // 100 evictions over an hour of uptime, none in the window: 10 % per hour.
        let o = expect(&EVICTION_RATE, &evictions(100, 100), Status::Fail);
        assert!(o.evidence.contains("uptime"), "{}", o.evidence);
        // 48 per hour is 4.8 %: within 10 % of the threshold.
        expect(&EVICTION_RATE, &evictions(48, 48), Status::Warn);
        expect(&EVICTION_RATE, &evictions(30, 30), Status::Pass);
    }

    #[test]
    fn without_the_end_counters_the_uptime_figure_decides() {
        let mut r = redis();
        r.end = Slot::failed("connection reset");
        expect(&EVICTION_RATE, &with_redis(r), Status::Pass);
        expect(&EVICTION_RATE, &Evidence::default(), Status::NotAssessed);
    }

    #[test]
    fn no_eviction_against_no_key_or_an_unused_cache_is_not_assessed() {
        let mut r = redis();
        r.start = RedisCounters { uptime_secs: 3600, ..RedisCounters::default() };
        r.end = Slot::collected(RedisCounters { uptime_secs: 3660, ..r.start });
        let o = expect(&EVICTION_RATE, &with_redis(r.clone()), Status::NotAssessed);
        assert!(o.evidence.starts_with("Redis holds no key"), "{}", o.evidence);
        // The sample saw 13 keys that INFO keyspace did not count: they are the key count.
        r.sample = Slot::collected(crate::evidence::KeySample { sampled: 13, ..Default::default() });
        let o = expect(&EVICTION_RATE, &with_redis(r.clone()), Status::Pass);
        assert!(o.evidence.contains("against 13 key(s)"), "{}", o.evidence);
        // Load phases ran and the service looked up nothing: not its cache.
        let idle = crate::evidence::CacheWindow {
            endpoint: "GET /a".into(),
            kind: crate::evidence::EndpointKind::Read,
            phase: crate::evidence::Phase::Normal,
            requests: 150,
            hits: 0,
            misses: 0,
            evictions: 0,
        };
        r.phases = Slot::collected(vec![idle]);
        let o = expect(&EVICTION_RATE, &with_redis(r), Status::NotAssessed);
        assert!(o.evidence.contains("no cache lookup was counted"), "{}", o.evidence);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(&EVICTION_RATE, evictions(30, 30), "1%", Status::Pass, Status::Fail)
    }
}
