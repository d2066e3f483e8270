//! `INFO` text: `field:value` lines under `# Section` headers, and the keyspace lines
//! `db0:keys=12,expires=3,avg_ttl=0`.

use std::collections::HashMap;
use steth_core::evidence::{RedisCounters, RedisMemory};

/// Every `field:value` of an `INFO` answer.
pub(super) fn fields(text: &str) -> HashMap<&str, &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .collect()
}

fn number(fields: &HashMap<&str, &str>, name: &str) -> u64 {
    fields.get(name).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

/// The counters of one `INFO` answer holding the stats, server and keyspace sections.
pub(super) fn counters(text: &str) -> RedisCounters {
    let f = fields(text);
    let (mut keys, mut expires) = (0, 0);
    for (name, value) in &f {
        if !(name.starts_with("db") && name[2..].bytes().all(|b| b.is_ascii_digit())) {
            continue;
        }
        for part in value.split(',') {
            match part.split_once('=') {
                Some(("keys", n)) => keys = n.parse::<u64>().map_or(keys, |n| n.saturating_add(keys)),
                Some(("expires", n)) => expires = n.parse::<u64>().map_or(expires, |n| n.saturating_add(expires)),
                _ => {}
            }
        }
    }
    RedisCounters {
        keyspace_hits: number(&f, "keyspace_hits"),
        keyspace_misses: number(&f, "keyspace_misses"),
        evicted_keys: number(&f, "evicted_keys"),
        uptime_secs: number(&f, "uptime_in_seconds"),
        keys,
        expires,
    }
}

/// `maxmemory` and its policy from `INFO memory`, when the server reports them (Redis 4+).
pub(super) fn memory(text: &str) -> Option<RedisMemory> {
    let f = fields(text);
    let maxmemory = f.get("maxmemory")?.trim().parse().ok()?;
    let policy = f.get("maxmemory_policy")?.trim().to_string();
    Some(RedisMemory { maxmemory, policy, source: "INFO memory".into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_answers_never_panic(text in ".{0,400}") {
            let _ = counters(&text);
            let _ = memory(&text);
        }

        #[test]
        fn keyspace_lines_never_overflow(keys in proptest::collection::vec(any::<u64>(), 0..6)) {
            let text: String = keys.iter().enumerate().map(|(i, k)| format!("db{i}:keys={k},expires={k}\r\n")).collect();
            let c = counters(&text);
            let sum = keys.iter().fold(0u64, |a, k| a.saturating_add(*k));
            prop_assert_eq!(c.keys, sum);
            prop_assert_eq!(c.expires, sum);
        }

        #[test]
        fn counters_read_back(hits in any::<u64>(), misses in any::<u64>(), evicted in any::<u64>(), uptime in any::<u64>()) {
            let text = format!(
                "# Server\r\nuptime_in_seconds:{uptime}\r\n# Stats\r\nkeyspace_hits:{hits}\r\nkeyspace_misses:{misses}\r\nevicted_keys:{evicted}\r\n"
            );
            let c = counters(&text);
            prop_assert_eq!((c.keyspace_hits, c.keyspace_misses, c.evicted_keys, c.uptime_secs), (hits, misses, evicted, uptime));
        }
    }

    const INFO: &str = "# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:120\r\n\r\n# Stats\r\n\
        keyspace_hits:90\r\nkeyspace_misses:10\r\nevicted_keys:3\r\n\r\n# Keyspace\r\n\
        db0:keys=12,expires=3,avg_ttl=0\r\ndb2:keys=5,expires=5,avg_ttl=100\r\n";

    #[test]
    fn reads_counters_and_sums_every_database() {
        let c = counters(INFO);
        assert_eq!((c.keyspace_hits, c.keyspace_misses, c.evicted_keys, c.uptime_secs), (90, 10, 3, 120));
        assert_eq!((c.keys, c.expires), (17, 8));
        assert_eq!(fields(INFO)["redis_version"], "7.0.15");
    }

    #[test]
    fn reads_the_memory_settings_when_present() {
        let m = memory("# Memory\r\nused_memory:100\r\nmaxmemory:268435456\r\nmaxmemory_policy:allkeys-lru\r\n");
        assert_eq!(m.map(|m| (m.maxmemory, m.policy)), Some((268_435_456, "allkeys-lru".to_string())));
        assert_eq!(memory("# Memory\r\nused_memory:100\r\n"), None);
    }
}
