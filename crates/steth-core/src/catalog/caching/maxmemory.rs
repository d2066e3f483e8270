//! 3.4 maxmemory: maxmemory configured.

use crate::catalog::prelude::*;
use crate::threshold::format_bytes;

declare_item! {
    /// ## What it checks
    /// That Redis has a memory limit: `maxmemory` must be set to something other than `0`, which
    /// on 64-bit builds means unlimited.
    ///
    /// ## Why it matters
    /// Without a limit, Redis grows until the operating system steps in: the host starts
    /// swapping, latency jumps from sub-millisecond to hundreds of milliseconds, or the OOM
    /// killer ends the process and the whole cache is lost at once, sending all traffic to the
    /// database. The eviction policy (3.3) does nothing until a limit exists.
    ///
    /// ## How it is measured
    /// Source: **redis**. stethoscope runs `CONFIG GET maxmemory` and checks that the value is
    /// not `0`. If `CONFIG` is disabled or renamed, as on some managed services, it reads
    /// `maxmemory` from `INFO memory` instead; only when neither answers is the item `not
    /// assessed`, with the reason. The item only checks that a limit exists; it does not judge
    /// the value against the host's memory.
    ///
    /// ## How to fix
    /// Set a limit that leaves room for everything Redis uses besides the data set: replication
    /// and client output buffers, fragmentation, and the copy-on-write memory of a fork during
    /// RDB snapshots or AOF rewrites. With persistence enabled, roughly 60–75 % of the memory
    /// available to Redis is a common starting point:
    ///
    /// ```text
    /// # redis.conf
    /// maxmemory 4gb
    /// maxmemory-policy allkeys-lru
    /// ```
    ///
    /// Watch `used_memory` and `mem_fragmentation_ratio` in `INFO memory` after the change.
    pub MAXMEMORY = {
        id: "3.4",
        slug: "maxmemory",
        title: "Maxmemory configured",
        section: Caching,
        threshold: Threshold::requires("maxmemory set"),
        sources: [Redis],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let memory = evidence.redis.get()?.memory.get()?;
    let read = format!("read with {}", memory.source);
    if memory.maxmemory == 0 {
        return Ok(Outcome::fail("maxmemory 0 (unlimited)", format!("Redis grows until the host runs out ({read})"))
            .with_findings(["set maxmemory in redis.conf, e.g. `maxmemory 4gb`".to_string()]));
    }
    Ok(Outcome::pass(format!("maxmemory {}", format_bytes(memory.maxmemory)), read))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, redis, with_redis};
    use crate::evidence::{RedisMemory, Slot};
    use crate::outcome::Status;

    fn with_limit(maxmemory: u64) -> Evidence {
        let mut r = redis();
        r.memory =
            Slot::collected(RedisMemory { maxmemory, policy: "allkeys-lru".into(), source: "CONFIG GET".into() });
        with_redis(r)
    }

    #[test]
    fn a_limit_passes_zero_fails() {
        let o = expect(&MAXMEMORY, &with_limit(256 << 20), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("maxmemory 256 MiB"));
        expect(&MAXMEMORY, &with_limit(1), Status::Pass);
        expect(&MAXMEMORY, &with_limit(0), Status::Fail);
    }

    #[test]
    fn unreadable_settings_are_not_a_pass() {
        let mut r = redis();
        r.memory = Slot::unavailable("CONFIG is disabled");
        expect(&MAXMEMORY, &with_redis(r), Status::NotAssessed);
        expect(&MAXMEMORY, &Evidence::default(), Status::NotAssessed);
    }
}
