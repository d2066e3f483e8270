//! Evidence from Redis: `INFO` counters read before anything disturbs them, the memory
//! settings, per-phase cache lookups, a bounded `SCAN` sample and the opt-in active probes.

use super::Slot;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

impl RedisEvidence {
    /// Why the service's use of this Redis cannot be judged: load phases ran and no endpoint's
    /// lookups fit the requests it was sent (none at all, or a stray few from other clients of
    /// a shared instance). `None` when some endpoint's did, or when no load phase ran.
    pub fn no_service_lookups(&self) -> Option<String> {
        let phases = self.phases.data().filter(|p| !p.is_empty())?;
        if per_endpoint(phases).values().any(|e| e.hits + e.misses > 0 && e.lookups_fit_requests()) {
            return None;
        }
        let lookups: u64 = phases.iter().map(|w| w.hits + w.misses).sum();
        let requests: u64 = phases.iter().map(|w| w.requests).sum();
        Some(if lookups == 0 {
            format!(
                "no cache lookup was counted during the {} load phase(s): the service did not use this Redis while \
                 stethoscope loaded it (is `[redis] url` the service's cache?)",
                phases.len()
            )
        } else {
            format!(
                "the {lookups} cache lookup(s) counted during the load phases fit no endpoint's requests ({requests} \
                 sent): the instance looks shared with other clients, and the service did not visibly use it (is \
                 `[redis] url` the service's cache?)"
            )
        })
    }
}

/// Each endpoint's windows added together (requests, hits, misses, evictions), in name order.
pub fn per_endpoint<'a>(windows: impl IntoIterator<Item = &'a CacheWindow>) -> BTreeMap<&'a str, CacheWindow> {
    let mut endpoints: BTreeMap<&str, CacheWindow> = BTreeMap::new();
    for w in windows {
        let e = endpoints.entry(w.endpoint.as_str()).or_insert_with(|| CacheWindow {
            requests: 0,
            hits: 0,
            misses: 0,
            evictions: 0,
            ..w.clone()
        });
        e.requests += w.requests;
        e.hits += w.hits;
        e.misses += w.misses;
        e.evictions += w.evictions;
    }
    endpoints
}

impl CacheWindow {
    /// Whether the lookups counted in the window fit the requests sent: at least one per ten
    /// requests and at most a hundred per request. Counters are instance-wide, so lookups
    /// outside that range come from other clients of a shared instance (a stray handful while
    /// the service made none, or another client's flood), and the window's rate is unreliable.
    pub fn lookups_fit_requests(&self) -> bool {
        let lookups = (self.hits + self.misses) as f64;
        let requests = self.requests.max(1) as f64;
        lookups >= 0.1 * requests && lookups <= 100.0 * requests
    }
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
