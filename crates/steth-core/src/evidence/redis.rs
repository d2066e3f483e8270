//! Evidence from Redis: `INFO` counters read before anything disturbs them, the memory
//! settings, per-phase cache lookups, a bounded `SCAN` sample and the opt-in active probes.

use super::Slot;
use serde::{Deserialize, Serialize};

/// What the Redis collector read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedisEvidence {
    /// `redis_version` of the server.
    pub server_version: String,
    /// Whether the server runs in cluster mode (the sample then covers one node only).
    pub cluster: bool,
    /// The `SCAN MATCH` pattern the sample was scoped to, when one is configured.
    pub key_pattern: Option<String>,
    /// Counters read first, before the probes and the load phases.
    pub start: RedisCounters,
    /// Counters read after the load phases, before any key was sampled.
    pub end: Slot<RedisCounters>,
    /// `maxmemory` and `maxmemory-policy`, from `CONFIG GET` or `INFO memory`.
    pub memory: Slot<RedisMemory>,
    /// Cache lookups during each load phase, per endpoint.
    #[serde(default)]
    pub phases: Slot<Vec<CacheWindow>>,
    /// Keys sampled with `SCAN` after every counter was read.
    pub sample: Slot<KeySample>,
    /// 3.6: a hot key deleted, then concurrent requests (active).
    #[serde(default)]
    pub stampede: Slot<StampedeProbe>,
    /// 3.7: a missing id requested twice (active).
    #[serde(default)]
    pub negative: Slot<NegativeProbe>,
}

/// Instance-wide counters from `INFO` at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RedisCounters {
    /// `keyspace_hits` since startup.
    pub keyspace_hits: u64,
    /// `keyspace_misses` since startup.
    pub keyspace_misses: u64,
    /// `evicted_keys` since startup.
    pub evicted_keys: u64,
    /// `uptime_in_seconds`.
    pub uptime_secs: u64,
    /// Keys in every database (`INFO keyspace`).
    pub keys: u64,
    /// Keys with an expiry in every database (`INFO keyspace`).
    pub expires: u64,
}

/// The memory limit and what happens when it is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedisMemory {
    /// `maxmemory` in bytes; 0 means unlimited.
    pub maxmemory: u64,
    /// `maxmemory-policy`.
    pub policy: String,
    /// Where the values were read: `CONFIG GET` or `INFO memory`.
    pub source: String,
}

/// Cache lookups of one endpoint's load phase (instance-wide counter deltas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheWindow {
    /// The endpoint's display name.
    pub endpoint: String,
    /// read, write or batch.
    pub kind: crate::evidence::EndpointKind,
    /// baseline, normal, stress or soak.
    pub phase: crate::evidence::Phase,
    /// Requests the phase sent.
    pub requests: u64,
    /// `keyspace_hits` delta.
    pub hits: u64,
    /// `keyspace_misses` delta.
    pub misses: u64,
    /// `evicted_keys` delta.
    pub evictions: u64,
}

/// Keys sampled with a bounded `SCAN`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeySample {
    /// The namespace delimiter (`:` unless configured).
    pub delimiter: String,
    /// The literal prefix every sampled key starts with (from the key pattern), not part of
    /// any namespace judgement.
    pub scope: String,
    /// Keys sampled.
    pub sampled: u64,
    /// Whether the scan stopped at its key cap or time budget before the end of the keyspace.
    pub truncated: Option<String>,
    /// Sampled keys without an expiry, grouped by namespace.
    pub without_ttl: Vec<PrefixCount>,
    /// Every namespace seen, with the shapes and types of its keys.
    pub namespaces: Vec<Namespace>,
}

/// How many keys of a namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixCount {
    /// The namespace (`shop:product`), or `(none)` for keys without one.
    pub prefix: String,
    /// Keys.
    pub keys: u64,
    /// One example key.
    pub example: String,
}

/// One namespace of the sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    /// The literal leading segments (`shop:product`); empty for keys without a namespace.
    pub prefix: String,
    /// The distinct key shapes, each with its Redis types and counts.
    pub shapes: Vec<KeyShape>,
}

/// Keys of one shape (`shop:product:{n}`) and their Redis types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyShape {
    /// The shape: literal segments kept, variable ones as `{n}` (number) or `{s}` (other).
    pub shape: String,
    /// Redis type (`string`, `hash`, ...) → keys of it.
    pub types: std::collections::BTreeMap<String, u64>,
    /// One example key.
    pub example: String,
}

/// How database statements were counted around an active probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementCount {
    /// `pg_stat_statements` or the metric's name on the service's `/metrics`.
    pub source: String,
    /// Statements counted.
    pub statements: u64,
}

/// The stampede probe (3.6): the hot key deleted, then concurrent requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StampedeProbe {
    /// The request path fired.
    pub path: String,
    /// The cache key deleted.
    pub key: String,
    /// Whether the key existed when it was deleted (it is warmed first).
    pub key_existed: bool,
    /// Requests fired at once.
    pub requests: u64,
    /// Requests answered with a 2xx.
    pub ok: u64,
    /// Statements the burst caused.
    pub count: StatementCount,
    /// Always true: the probe changed the cache and sent a burst.
    pub active: bool,
}

/// The negative-caching probe (3.7): a missing id requested twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NegativeProbe {
    /// The request path.
    pub path: String,
    /// Status of each of the two answers.
    pub statuses: Vec<u16>,
    /// Statements the first request caused.
    pub first: StatementCount,
    /// Statements the second request caused.
    pub second: StatementCount,
    /// Always true: the probe may create cache entries.
    pub active: bool,
}

impl RedisCounters {
    /// Hits over lookups, percent; `None` without lookups.
    pub fn hit_rate(&self) -> Option<f64> {
        hit_rate(self.keyspace_hits, self.keyspace_misses)
    }
}

/// Hits over hits plus misses, percent; `None` when there were none.
pub fn hit_rate(hits: u64, misses: u64) -> Option<f64> {
    let lookups = hits + misses;
    (lookups > 0).then(|| 100.0 * hits as f64 / lookups as f64)
}

crate::evidence::load::windowed!(CacheWindow);
