//! The Redis collector. It reads `INFO` counters first, snapshots them around every load phase,
//! reads them once more after the last phase, and only then touches keys: the opt-in active
//! probes (3.6, 3.7) and the bounded `SCAN` sample, because `TTL` and `TYPE` count as keyspace
//! hits. It never runs `KEYS`, `FLUSH*` or `CONFIG SET`.

mod active;
mod info;
mod sample;

use crate::load::{Finish, PhaseInfo, PhaseObserver};
use futures_util::future::BoxFuture;
use redis::aio::MultiplexedConnection;
use std::time::Duration;
use steth_core::config::{Plan, RedisTarget};
use steth_core::evidence::{
    CacheWindow, EndpointKind, KeySample, NegativeProbe, PhaseResult, RedisCounters, RedisEvidence, RedisMemory, Slot,
    StampedeProbe,
};
use tokio::sync::Mutex;

/// How long a connection attempt and each command may take.
const TIMEOUT: Duration = Duration::from_secs(5);

async fn connect(target: &RedisTarget) -> Result<MultiplexedConnection, String> {
    // The redis crate's rustls uses the process-wide provider.
    crate::http::install_crypto();
    let shown = target.url.redacted();
    let client = open(target.url.expose(), &shown)?;
    let config =
        redis::AsyncConnectionConfig::new().set_connection_timeout(Some(TIMEOUT)).set_response_timeout(Some(TIMEOUT));
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .map_err(|e| format!("cannot connect to Redis at {shown}: {}", explain(&e)))
}

/// A client for a `redis://` or `rediss://` URL; `?sslrootcert=FILE` (as libpq names it)
/// trusts the PEM roots of that file instead of the system's.
fn open(url: &str, shown: &str) -> Result<redis::Client, String> {
    let invalid = |e: &dyn std::fmt::Display| format!("invalid Redis URL {shown}: {e}");
    let mut parsed = url::Url::parse(url).map_err(|e| invalid(&e))?;
    let root = parsed.query_pairs().find(|(k, _)| k == "sslrootcert").map(|(_, v)| v.into_owned());
    let Some(root) = root else { return redis::Client::open(url).map_err(|e| invalid(&e)) };
    let rest: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "sslrootcert")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if rest.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(rest);
    }
    let pem = std::fs::read(&root).map_err(|e| format!("{shown}: cannot read sslrootcert {root}: {e}"))?;
    let certs = redis::TlsCertificates { client_tls: None, root_cert: Some(pem) };
    redis::Client::build_with_tls(parsed.as_str(), certs).map_err(|e| invalid(&e))
}

/// A Redis error in the user's words: a server that wants a password says how to give one.
fn explain(e: &redis::RedisError) -> String {
    let text = e.to_string();
    if text.contains("NOAUTH") || text.contains("Authentication required") {
        "it needs a password: `redis://:PASSWORD@host:port`".to_string()
    } else if text.contains("WRONGPASS") || text.to_ascii_lowercase().contains("authentication failed") {
        "it refused the password (or the user) in the URL".to_string()
    } else {
        text
    }
}

async fn info(conn: &mut MultiplexedConnection, section: Option<&str>) -> redis::RedisResult<String> {
    let mut cmd = redis::cmd("INFO");
    if let Some(s) = section {
        cmd.arg(s);
    }
    cmd.query_async(conn).await
}

/// What the Redis collector reads before the load phases: the server, its counters and memory
/// settings. The evidence is assembled once from it and the observer's findings
/// ([`RedisStart::with`]).
#[derive(Debug, Clone)]
pub struct RedisStart {
    /// `redis_version`.
    pub server_version: String,
    /// Whether cluster mode is on.
    pub cluster: bool,
    /// The configured key pattern, if any.
    pub key_pattern: Option<String>,
    /// The counters before the load phases.
    pub start: RedisCounters,
    /// `maxmemory` and its policy.
    pub memory: Slot<RedisMemory>,
}

/// What the [`RedisObserver`] hands over: its own slots of the Redis evidence.
#[derive(Debug, Clone)]
pub struct RedisFindings {
    /// The counters after the load phases.
    pub end: Slot<RedisCounters>,
    /// Keyspace hits and misses around each load phase.
    pub phases: Slot<Vec<CacheWindow>>,
    /// The bounded key sample, read last.
    pub sample: Slot<KeySample>,
    /// The stampede probe (3.6), when enabled.
    pub stampede: Slot<StampedeProbe>,
    /// The repeated missing id (3.7), when enabled.
    pub negative: Slot<NegativeProbe>,
}

impl RedisFindings {
    /// Findings where the observer found nothing, every slot missing as `why` is.
    pub fn missing(why: &Slot<()>) -> RedisFindings {
        use crate::load::missing_as as like;
        RedisFindings { end: like(why), phases: like(why), sample: like(why), stampede: like(why), negative: like(why) }
    }
}

impl RedisStart {
    /// The Redis evidence: the first read and what the observer found.
    pub fn with(self, found: RedisFindings) -> RedisEvidence {
        RedisEvidence {
            server_version: self.server_version,
            cluster: self.cluster,
            key_pattern: self.key_pattern,
            start: self.start,
            end: found.end,
            memory: self.memory,
            phases: found.phases,
            sample: found.sample,
            stampede: found.stampede,
            negative: found.negative,
        }
    }
}

/// Reads the counters and memory settings, before anything else disturbs them.
pub async fn collect(plan: &Plan) -> Slot<RedisStart> {
    let Some(target) = &plan.redis else {
        return Slot::unavailable("no [redis] url in the config");
    };
    let mut conn = match connect(target).await {
        Ok(c) => c,
        Err(e) => return Slot::failed(e),
    };
    let text = match info(&mut conn, None).await {
        Ok(t) => t,
        Err(e) => return Slot::failed(format!("Redis at {} refused INFO: {}", target.url.redacted(), explain(&e))),
    };
    let fields = info::fields(&text);
    let server_version = fields.get("redis_version").map_or("unknown", |v| v.trim()).to_string();
    let cluster = fields.get("cluster_enabled").is_some_and(|v| v.trim() == "1");
    let start = info::counters(&text);
    let memory = memory(&mut conn, &text).await;
    Slot::collected(RedisStart { server_version, cluster, key_pattern: target.key_pattern.clone(), start, memory })
}

/// `CONFIG GET`, or `INFO memory` where `CONFIG` is disabled or renamed (managed services).
async fn memory(conn: &mut MultiplexedConnection, info_text: &str) -> Slot<RedisMemory> {
    async fn config_get(conn: &mut MultiplexedConnection, name: &str) -> Result<String, String> {
        let pair: Vec<String> =
            redis::cmd("CONFIG").arg("GET").arg(name).query_async(conn).await.map_err(|e| e.to_string())?;
        pair.get(1).cloned().ok_or_else(|| format!("CONFIG GET {name} returned nothing"))
    }
    let configured = async {
        let maxmemory = config_get(conn, "maxmemory").await?;
        let policy = config_get(conn, "maxmemory-policy").await?;
        let maxmemory = maxmemory.parse().map_err(|_| format!("maxmemory `{maxmemory}` is not a number"))?;
        Ok::<_, String>(RedisMemory { maxmemory, policy, source: "CONFIG GET".into() })
    };
    match configured.await {
        Ok(m) => Slot::collected(m),
        Err(refused) => match info::memory(info_text) {
            Some(m) => Slot::collected(m),
            None => Slot::unavailable(format!(
                "CONFIG GET was refused ({refused}) and INFO memory reports no maxmemory_policy"
            )),
        },
    }
}

struct Windows {
    open: Option<(String, steth_core::evidence::Phase, RedisCounters)>,
    windows: Vec<CacheWindow>,
    error: Option<String>,
}

/// Snapshots `INFO stats` around every load phase, then reads the final counters, runs the
/// active probes and samples keys.
pub struct RedisObserver {
    conn: Mutex<MultiplexedConnection>,
    kinds: Vec<EndpointKind>,
    state: Mutex<Windows>,
    /// The plan, for the active probes after the load phases.
    plan: Plan,
    target: RedisTarget,
    cluster: bool,
}

impl RedisObserver {
    /// Opens the observing connection when the first read succeeded.
    pub async fn connect(plan: &Plan, start: &Slot<RedisStart>) -> Option<RedisObserver> {
        let (Some(target), Slot::Collected { data: start }) = (&plan.redis, start) else { return None };
        let conn = connect(target).await.ok()?;
        Some(RedisObserver {
            conn: Mutex::new(conn),
            kinds: plan.endpoints.iter().map(|e| e.kind).collect(),
            state: Mutex::new(Windows { open: None, windows: Vec::new(), error: None }),
            plan: plan.clone(),
            target: target.clone(),
            cluster: start.cluster,
        })
    }

    async fn counters(&self) -> Result<RedisCounters, String> {
        let mut conn = self.conn.lock().await;
        info(&mut conn, Some("stats")).await.map(|t| info::counters(&t)).map_err(|e| format!("INFO stats failed: {e}"))
    }

    /// Reads the final counters, runs the active probes when enabled, samples keys last.
    async fn findings(self) -> RedisFindings {
        let (plan, target) = (&self.plan, &self.target);
        let state = self.state.into_inner();
        let phases = match (state.windows.is_empty(), state.error) {
            (false, _) => Slot::collected(state.windows),
            (true, Some(e)) => Slot::failed(e),
            (true, None) => Slot::unavailable("no load phase ran"),
        };
        let mut conn = self.conn.into_inner();
        let end = match info(&mut conn, None).await {
            Ok(text) => Slot::collected(info::counters(&text)),
            Err(e) => Slot::failed(format!("INFO failed: {e}")),
        };
        let (stampede, negative) = probe(plan, target, &mut conn).await;
        let bounds = sample::Bounds {
            pattern: target.key_pattern.as_deref(),
            delimiter: &target.delimiter,
            max_keys: target.max_keys,
            budget: target.scan_budget,
        };
        let sample = match sample::sample(&mut conn, &bounds).await {
            Ok(mut s) => {
                if self.cluster {
                    s.truncated = Some(format!(
                        "cluster mode: the keys of one node only{}",
                        s.truncated.map(|t| format!("; {t}")).unwrap_or_default()
                    ));
                }
                Slot::collected(s)
            }
            Err(e) => Slot::failed(format!("SCAN failed: {e}")),
        };
        RedisFindings { end, phases, sample, stampede, negative }
    }
}

impl Finish for RedisObserver {
    type Found = RedisFindings;

    fn finish(self) -> impl std::future::Future<Output = RedisFindings> + Send {
        self.findings()
    }
}

/// The active probes, only when enabled and configured.
async fn probe(
    plan: &Plan,
    target: &RedisTarget,
    conn: &mut MultiplexedConnection,
) -> (Slot<steth_core::evidence::StampedeProbe>, Slot<steth_core::evidence::NegativeProbe>) {
    if !target.active {
        let off = "active cache tests are off (enable with --active or [redis] active = true)";
        return (Slot::unavailable(off), Slot::unavailable(off));
    }
    if !plan.policy.wants(&["3.6", "3.7"]) {
        let why = crate::http::NOT_SELECTED;
        return (Slot::unavailable(why), Slot::unavailable(why));
    }
    if plan.target.is_none() {
        let why = "no [target] base_url in the config";
        return (Slot::unavailable(why), Slot::unavailable(why));
    }
    let counter = match active::Counter::open(plan).await {
        Ok(c) => c,
        Err(why) => return (Slot::unavailable(why.clone()), Slot::unavailable(why)),
    };
    let plan = match crate::http::resolve_identities(plan).await {
        Ok(p) => p,
        Err(e) => return (Slot::failed(e.clone()), Slot::failed(e)),
    };
    // The load phases' last second may still fill the target's rate-limit window.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stampede = match &target.stampede {
        _ if !plan.policy.wants(&["3.6"]) => Slot::unavailable(crate::http::NOT_SELECTED),
        Some(hot) => active::stampede(&plan, conn, &counter, hot).await,
        None => Slot::unavailable("no hot key configured ([redis.stampede] path and key)"),
    };
    let negative = match &target.negative {
        _ if !plan.policy.wants(&["3.7"]) => Slot::unavailable(crate::http::NOT_SELECTED),
        Some(missing) => active::negative(&plan, &counter, missing).await,
        None => Slot::unavailable("no missing id configured ([redis.negative] path)"),
    };
    (stampede, negative)
}

impl PhaseObserver for RedisObserver {
    fn before(&self, info: &PhaseInfo) -> BoxFuture<'_, ()> {
        let info = info.clone();
        Box::pin(async move {
            let read = self.counters().await;
            let mut state = self.state.lock().await;
            match read {
                Ok(c) => state.open = Some((info.endpoint, info.phase, c)),
                Err(e) => state.error = Some(e),
            }
        })
    }

    fn after<'a>(&'a self, info: &'a PhaseInfo, result: &'a PhaseResult) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let read = self.counters().await;
            let mut state = self.state.lock().await;
            let Some((endpoint, phase, before)) = state.open.take() else { return };
            if endpoint != info.endpoint || phase != info.phase {
                return;
            }
            match read {
                Ok(after) => state.windows.push(CacheWindow {
                    endpoint,
                    kind: self.kinds.get(info.index).copied().unwrap_or(EndpointKind::Read),
                    phase,
                    requests: result.requests,
                    hits: after.keyspace_hits.saturating_sub(before.keyspace_hits),
                    misses: after.keyspace_misses.saturating_sub(before.keyspace_misses),
                    evictions: after.evicted_keys.saturating_sub(before.evicted_keys),
                }),
                Err(e) => state.error = Some(e),
            }
        })
    }
}
