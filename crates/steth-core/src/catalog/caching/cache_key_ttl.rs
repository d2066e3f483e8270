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
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let redis = evidence.redis.get()?;
    let limit = threshold.limit_number();
    let sample = redis.sample.data();
    let (with_ttl, keys, whence) = match &redis.key_pattern {
        // Scoped to the service's keys: INFO counts every tenant of the instance, so the
        // sample of the pattern is the figure.
        Some(pattern) => {
            let sample = redis.sample.get()?;
            let without: u64 = sample.without_ttl.iter().map(|p| p.keys).sum();
            let how = match &sample.truncated {
                Some(why) => format!("sample of keys matching `{pattern}` ({why})"),
                None => format!("every key matching `{pattern}`"),
            };
            (sample.sampled.saturating_sub(without), sample.sampled, how)
        }
        None => {
            let c = redis.end.data().copied().unwrap_or(redis.start);
            (c.expires.min(c.keys), c.keys, "INFO keyspace, every key of the instance".to_string())
        }
    };
    if keys == 0 {
        return Err(Outcome::not_assessed(format!("no keys to judge ({whence})")));
    }
    let percent = 100.0 * with_ttl as f64 / keys as f64;
    let measured = format!("{with_ttl}/{keys} keys with a TTL ({})", format_percent(percent));
    if with_ttl == keys || percent >= limit {
        return Ok(Outcome::pass(measured, whence));
    }
    let offenders: Vec<String> = sample
        .map(|s| {
            s.without_ttl
                .iter()
                .map(|p| format!("{}: {} key(s) without a TTL, e.g. {}", p.prefix, p.keys, p.example))
                .collect()
        })
        .unwrap_or_default();
    let note = match offenders.first() {
        Some(first) => format!("{} key(s) never expire ({whence}); {first}", keys - with_ttl),
        None => format!("{} key(s) never expire ({whence})", keys - with_ttl),
    };
    Ok(Outcome::fail(measured, note).with_findings(offenders).with_excess(1.0 + (limit - percent) / 100.0))
}

/// A share with one decimal, without rounding a shortfall up to 100 %.
fn format_percent(p: f64) -> String {
    let shown = (p * 10.0).floor() / 10.0;
    format!("{shown:.1} %")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, redis, with_redis};
    use crate::evidence::{KeySample, PrefixCount, RedisCounters, Slot};
    use crate::outcome::Status;

    fn counted(keys: u64, expires: u64) -> Evidence {
        let mut r = redis();
        r.end = Slot::collected(RedisCounters { keys, expires, ..RedisCounters::default() });
        with_redis(r)
    }

    fn scoped(sampled: u64, without: u64) -> Evidence {
        let mut r = redis();
        r.key_pattern = Some("shop:*".into());
        let without_ttl = if without == 0 {
            vec![]
        } else {
            vec![PrefixCount { prefix: "shop:product".into(), keys: without, example: "shop:product:7".into() }]
        };
        r.sample = Slot::collected(KeySample { delimiter: ":".into(), sampled, without_ttl, ..KeySample::default() });
        // The instance's other tenants do not count for a scoped audit.
        r.end = Slot::collected(RedisCounters { keys: 5000, expires: 10, ..RedisCounters::default() });
        with_redis(r)
    }

    #[test]
    fn every_key_with_a_ttl_passes() {
        let o = expect(&CACHE_KEY_TTL, &counted(2000, 2000), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("2000/2000 keys with a TTL (100.0 %)"));
        expect(&CACHE_KEY_TTL, &scoped(40, 0), Status::Pass);
    }

    #[test]
    fn one_key_without_a_ttl_fails_with_its_prefix() {
        let o = expect(&CACHE_KEY_TTL, &counted(2000, 1999), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("1999/2000 keys with a TTL (99.9 %)"));
        let o = expect(&CACHE_KEY_TTL, &scoped(40, 10), Status::Fail);
        assert!(o.findings[0].starts_with("shop:product: 10 key(s) without a TTL"), "{:?}", o.findings);
    }

    #[test]
    fn a_lower_threshold_tolerates_durable_keys() {
        let t = CACHE_KEY_TTL.default_threshold.with_override("90%").unwrap();
        expect_with(&CACHE_KEY_TTL, &counted(100, 95), &t, Status::Pass);
        expect_with(&CACHE_KEY_TTL, &counted(100, 85), &t, Status::Fail);
    }

    #[test]
    fn no_keys_or_no_redis_is_not_assessed() {
        expect(&CACHE_KEY_TTL, &counted(0, 0), Status::NotAssessed);
        expect(&CACHE_KEY_TTL, &scoped(0, 0), Status::NotAssessed);
        expect(&CACHE_KEY_TTL, &Evidence::default(), Status::NotAssessed);
        let mut r = redis();
        r.key_pattern = Some("shop:*".into());
        r.sample = Slot::failed("SCAN timed out");
        expect(&CACHE_KEY_TTL, &with_redis(r), Status::Error);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(&CACHE_KEY_TTL, counted(100, 95), "90%", Status::Fail, Status::Pass)
    }
}
