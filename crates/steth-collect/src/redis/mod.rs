//! The Redis collector. It reads `INFO` counters first, snapshots them around every load phase,
//! reads them once more after the last phase, and only then touches keys: the opt-in active
//! probes (3.6, 3.7) and the bounded `SCAN` sample, because `TTL` and `TYPE` count as keyspace
//! hits. It never runs `KEYS`, `FLUSH*` or `CONFIG SET`.

mod active;
mod info;
mod sample;

use crate::load::{PhaseInfo, PhaseObserver};
use futures_util::future::BoxFuture;
use redis::aio::MultiplexedConnection;
use std::time::Duration;
use steth_core::config::{Plan, RedisTarget};
use steth_core::evidence::{CacheWindow, EndpointKind, PhaseResult, RedisCounters, RedisEvidence, RedisMemory, Slot};
use tokio::sync::Mutex;

/// How long a connection attempt and each command may take.
const TIMEOUT: Duration = Duration::from_secs(5);

async fn connect(target: &RedisTarget) -> Result<MultiplexedConnection, String> {
    let shown = target.url.redacted();
    let client = redis::Client::open(target.url.expose()).map_err(|e| format!("invalid Redis URL {shown}: {e}"))?;
    let config =
        redis::AsyncConnectionConfig::new().set_connection_timeout(Some(TIMEOUT)).set_response_timeout(Some(TIMEOUT));
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .map_err(|e| format!("cannot connect to Redis at {shown}: {e}"))
}

async fn info(conn: &mut MultiplexedConnection, section: Option<&str>) -> redis::RedisResult<String> {
    let mut cmd = redis::cmd("INFO");
    if let Some(s) = section {
        cmd.arg(s);
    }
    cmd.query_async(conn).await
}

/// Reads the counters and memory settings, before anything else disturbs them.
pub async fn collect(plan: &Plan) -> Slot<RedisEvidence> {
    let Some(target) = &plan.redis else {
        return Slot::unavailable("no [redis] url in the config");
    };
    let mut conn = match connect(target).await {
        Ok(c) => c,
        Err(e) => return Slot::failed(e),
    };
    let text = match info(&mut conn, None).await {
        Ok(t) => t,
        Err(e) => return Slot::failed(format!("INFO failed: {e}")),
    };
    let fields = info::fields(&text);
    let server_version = fields.get("redis_version").map_or("unknown", |v| v.trim()).to_string();
    let cluster = fields.get("cluster_enabled").is_some_and(|v| v.trim() == "1");
    let start = info::counters(&text);
    let memory = memory(&mut conn, &text).await;
    Slot::collected(RedisEvidence {
        server_version,
        cluster,
        key_pattern: target.key_pattern.clone(),
        start,
        end: Slot::unavailable("not read yet"),
        memory,
        phases: Slot::unavailable("no load phase ran"),
        sample: Slot::unavailable("not sampled"),
        stampede: Slot::unavailable("not probed"),
        negative: Slot::unavailable("not probed"),
    })
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

/// Snapshots `INFO stats` around every load phase, then finishes the evidence.
pub struct RedisObserver {
    conn: Mutex<MultiplexedConnection>,
    kinds: Vec<EndpointKind>,
    state: Mutex<Windows>,
}

impl RedisObserver {
    /// Opens the observing connection when the first read succeeded.
    pub async fn connect(plan: &Plan, evidence: &Slot<RedisEvidence>) -> Option<RedisObserver> {
        let (Some(target), Slot::Collected { .. }) = (&plan.redis, evidence) else { return None };
        let conn = connect(target).await.ok()?;
        Some(RedisObserver {
            conn: Mutex::new(conn),
            kinds: plan.endpoints.iter().map(|e| e.kind).collect(),
            state: Mutex::new(Windows { open: None, windows: Vec::new(), error: None }),
        })
    }

    async fn counters(&self) -> Result<RedisCounters, String> {
        let mut conn = self.conn.lock().await;
        info(&mut conn, Some("stats")).await.map(|t| info::counters(&t)).map_err(|e| format!("INFO stats failed: {e}"))
    }

    /// Reads the final counters, runs the active probes when enabled, samples keys last.
    pub async fn finish(self, plan: &Plan, evidence: Slot<RedisEvidence>) -> Slot<RedisEvidence> {
        let (Slot::Collected { data: mut evidence }, Some(target)) = (evidence, &plan.redis) else {
            return Slot::unavailable("no [redis] url in the config");
        };
        let state = self.state.into_inner();
        evidence.phases = match (state.windows.is_empty(), state.error) {
            (false, _) => Slot::collected(state.windows),
            (true, Some(e)) => Slot::failed(e),
            (true, None) => Slot::unavailable("no load phase ran"),
        };
        let mut conn = self.conn.into_inner();
        evidence.end = match info(&mut conn, None).await {
            Ok(text) => Slot::collected(info::counters(&text)),
            Err(e) => Slot::failed(format!("INFO failed: {e}")),
        };
        (evidence.stampede, evidence.negative) = probe(plan, target, &mut conn).await;
        let bounds = sample::Bounds {
            pattern: target.key_pattern.as_deref(),
            delimiter: &target.delimiter,
            max_keys: target.max_keys,
            budget: target.scan_budget,
        };
        evidence.sample = match sample::sample(&mut conn, &bounds).await {
            Ok(mut s) => {
                if evidence.cluster {
                    s.truncated = Some(format!(
                        "cluster mode: the keys of one node only{}",
                        s.truncated.map(|t| format!("; {t}")).unwrap_or_default()
                    ));
                }
                Slot::collected(s)
            }
            Err(e) => Slot::failed(format!("SCAN failed: {e}")),
        };
        Slot::collected(evidence)
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
        Some(hot) => active::stampede(&plan, conn, &counter, hot).await,
        None => Slot::unavailable("no hot key configured ([redis.stampede] path and key)"),
    };
    let negative = match &target.negative {
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
