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
    /// with the accepted policies; other evicting policies (`allkeys-random`, `volatile-ttl`)
    /// warn. Managed services sometimes disable or rename `CONFIG`; stethoscope then reads
    /// `maxmemory_policy` from `INFO memory`, and only when neither answers is the item `not
    /// assessed`, with the reason. The policy only takes effect once
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
        evaluate: Some(evaluate),
    }
}

/// Policies that evict by recency or frequency.
const ACCEPTED: [&str; 4] = ["allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu"];

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let memory = evidence.redis.get()?.memory.get()?;
    let policy = memory.policy.as_str();
    let measured = format!("maxmemory-policy {policy}");
    let read = format!("read with {}", memory.source);
    if ACCEPTED.contains(&policy) {
        return Ok(Outcome::pass(measured, read));
    }
    if policy == "noeviction" {
        return Ok(Outcome::fail(measured, format!("a full Redis refuses every write with an OOM error ({read})"))
            .with_findings(["set maxmemory-policy allkeys-lru (or allkeys-lfu) in redis.conf".to_string()]));
    }
    Ok(Outcome::warn(measured, format!("{policy} evicts, but neither by recency nor by frequency ({read})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, redis, with_redis};
    use crate::evidence::{RedisMemory, Slot};
    use crate::outcome::Status;

    fn with_policy(policy: &str) -> Evidence {
        let mut r = redis();
        r.memory =
            Slot::collected(RedisMemory { maxmemory: 1 << 30, policy: policy.into(), source: "INFO memory".into() });
        with_redis(r)
    }

    #[test]
    fn lru_and_lfu_pass_noeviction_fails_others_warn() {
        for p in ACCEPTED {
            expect(&EVICTION_POLICY, &with_policy(p), Status::Pass);
        }
        let o = expect(&EVICTION_POLICY, &with_policy("noeviction"), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("maxmemory-policy noeviction"));
        expect(&EVICTION_POLICY, &with_policy("allkeys-random"), Status::Warn);
        expect(&EVICTION_POLICY, &with_policy("volatile-ttl"), Status::Warn);
    }

    #[test]
    fn unreadable_settings_are_not_a_pass() {
        let mut r = redis();
        r.memory = Slot::unavailable("CONFIG is disabled and INFO memory has no maxmemory_policy");
        expect(&EVICTION_POLICY, &with_redis(r), Status::NotAssessed);
        expect(&EVICTION_POLICY, &Evidence::default(), Status::NotAssessed);
        let mut r = redis();
        r.memory = Slot::failed("connection reset");
        expect(&EVICTION_POLICY, &with_redis(r), Status::Error);
    }
}
