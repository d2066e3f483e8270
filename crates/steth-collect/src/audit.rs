//! The orchestrator: the one place that decides which collectors run and in what order.
//! Collectors that do not depend on each other run concurrently.

use crate::load::{PhaseObserver, PhaseProgress};
use std::future::Future;
use std::time::{Duration, Instant};
use steth_core::config::Plan;
use steth_core::evidence::{Evidence, HttpEvidence, Slot};
use tokio::sync::watch;

/// Which evidence sources the selected checks need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// HTTP probes.
    pub http: bool,
    /// PostgreSQL.
    pub pg: bool,
    /// Load phases.
    pub load: bool,
    /// Redis.
    pub redis: bool,
    /// The service's Prometheus metrics, scraped around the load phases.
    pub metrics: bool,
}

/// What the caller adds to an audit's run: observers around load phases, live load progress,
/// and a stop signal (Ctrl-C).
pub struct Session<'a> {
    /// Collectors that snapshot counters around each load phase.
    pub observers: Vec<&'a dyn PhaseObserver>,
    /// Receives the engine's snapshots during each phase.
    pub load_progress: Option<PhaseProgress>,
    /// Turns true to stop the audit's load phases early.
    pub stop: watch::Receiver<bool>,
}

impl Default for Session<'_> {
    fn default() -> Self {
        let (tx, stop) = watch::channel(false);
        // The sender lives as long as the process: nothing ever stops this session early.
        std::mem::forget(tx);
        Session { observers: Vec::new(), load_progress: None, stop }
    }
}

/// Receives progress of a long audit (the binary prints it; tests ignore it).
pub trait Progress: Sync {
    /// A collector started.
    fn started(&self, source: &str, detail: &str);
    /// A collector finished, with how long it took and a one-word state.
    fn finished(&self, source: &str, state: &str, took: Duration);
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {
    fn started(&self, _: &str, _: &str) {}
    fn finished(&self, _: &str, _: &str, _: Duration) {}
}

/// The hard time bound of one collector.
const COLLECTOR_BOUND: Duration = Duration::from_secs(120);

async fn bounded<T>(
    name: &str,
    detail: String,
    needed: bool,
    progress: &dyn Progress,
    work: impl Future<Output = Slot<T>>,
) -> Slot<T> {
    bounded_for(name, detail, needed, progress, COLLECTOR_BOUND, work).await
}

async fn bounded_for<T>(
    name: &str,
    detail: String,
    needed: bool,
    progress: &dyn Progress,
    bound: Duration,
    work: impl Future<Output = Slot<T>>,
) -> Slot<T> {
    if !needed {
        return Slot::unavailable("no selected check needs it");
    }
    progress.started(name, &detail);
    let start = Instant::now();
    let slot = match tokio::time::timeout(bound, work).await {
        Ok(slot) => slot,
        Err(_) => Slot::failed(format!("{name} collector timed out after {} s", bound.as_secs())),
    };
    let state = match &slot {
        Slot::Collected { .. } => "collected",
        Slot::Unavailable { .. } => "unavailable",
        Slot::Failed { .. } => "failed",
    };
    progress.finished(name, state, start.elapsed());
    slot
}

/// Gathers every piece of evidence the selected checks need.
pub async fn collect(plan: &Plan, needs: Needs, progress: &dyn Progress) -> Evidence {
    collect_with(plan, needs, progress, Session::default()).await
}

/// Gathers the evidence in three steps: single probes and catalog reads (concurrently), then
/// each endpoint's load phases with the observers' snapshots around them, so nothing else
/// disturbs the measurements or the counters.
pub async fn collect_with(plan: &Plan, needs: Needs, progress: &dyn Progress, session: Session<'_>) -> Evidence {
    let target = plan.target.as_ref().map(|t| t.base_url.to_string()).unwrap_or_default();
    let db = plan.postgres.as_ref().map(|p| p.url.redacted()).unwrap_or_default();
    let cache = plan.redis.as_ref().map(|r| r.url.redacted()).unwrap_or_default();
    let (http, pg, redis) = tokio::join!(
        bounded("http", target.clone(), needs.http, progress, crate::http::collect(plan)),
        bounded("pg", db, needs.pg, progress, crate::pg::collect(plan)),
        bounded("redis", cache.clone(), needs.redis, progress, crate::redis::collect(plan)),
    );
    let redis_observer = crate::redis::RedisObserver::connect(plan, &redis).await;
    let metrics_observer = match needs.metrics {
        true => crate::metrics::MetricsObserver::connect(plan).await,
        false => None,
    };
    let mut pg = pg;
    let pg_observer = match &pg {
        Slot::Collected { .. } => crate::pg::PgObserver::connect(plan).await,
        _ => None,
    };
    let observers: Vec<&dyn PhaseObserver> = session
        .observers
        .iter()
        .copied()
        .chain(pg_observer.as_ref().map(|o| o as &dyn PhaseObserver))
        .chain(redis_observer.as_ref().map(|o| o as &dyn PhaseObserver))
        .chain(metrics_observer.as_ref().map(|o| o as &dyn PhaseObserver))
        .collect();
    let detail = format!("{} endpoint(s) at {} req/s", plan.endpoints.len(), plan.load.rate);
    let load = bounded_for(
        "load",
        detail,
        needs.load,
        progress,
        load_bound(plan),
        crate::load::run(plan, &observers, session.load_progress.clone(), session.stop.clone()),
    )
    .await;
    drop(observers);
    if let (Some(observer), Slot::Collected { data }) = (pg_observer, &mut pg) {
        let found = observer.finish().await;
        (data.workload, data.activity, data.plans, data.statement_totals) =
            (found.workload, found.activity, found.plans, found.totals);
    }
    // Redis last before the bursts: final counters, then the active probes, then the key
    // sample, whose TTL and TYPE calls would count as keyspace hits.
    let redis = match redis_observer {
        Some(observer) => bounded("redis keys", cache, true, progress, observer.finish(plan, redis)).await,
        None => redis,
    };
    let mut http = http;
    run_bursts(plan, progress, &mut http).await;
    let metrics = match metrics_observer {
        Some(observer) => observer.finish(),
        None if !needs.metrics => Slot::unavailable("no selected check needs it"),
        None => Slot::unavailable("no [metrics] url in the config: add [metrics] url = \"http://…/metrics\""),
    };
    Evidence { http, pg, load, redis, metrics }
}

/// The rate-limit bursts (6.3, 6.4) trip the target's limiter for stethoscope's address, so
/// they run after every other collector; their evidence joins the HTTP evidence.
async fn run_bursts(plan: &Plan, progress: &dyn Progress, http: &mut Slot<HttpEvidence>) {
    let Slot::Collected { data } = http else { return };
    let target = plan.target.as_ref().map(|t| t.base_url.to_string()).unwrap_or_default();
    let work = async { Slot::collected(crate::http::collect_bursts(plan).await) };
    match bounded("http bursts", target, true, progress, work).await {
        Slot::Collected { data: bursts } => {
            data.rate_limit = bursts.public;
            data.login_rate_limit = bursts.login;
        }
        Slot::Unavailable { reason } => {
            data.rate_limit = Slot::unavailable(reason.clone());
            data.login_rate_limit = Slot::unavailable(reason);
        }
        Slot::Failed { error } => {
            data.rate_limit = Slot::failed(error.clone());
            data.login_rate_limit = Slot::failed(error);
        }
    }
}

/// The hard bound of all load phases together: each phase's own limit, times the phases.
fn load_bound(plan: &Plan) -> Duration {
    let phases = 2 + plan.load.stress.is_some() as u32 + plan.load.soak.is_some() as u32;
    let per_phase = plan.load.phase_limit.min(
        plan.load.duration.max(plan.load.baseline_duration).max(plan.load.soak.unwrap_or_default())
            + plan.load.warmup
            + plan.load.timeout
            + Duration::from_secs(5),
    );
    per_phase * phases * (plan.endpoints.len().max(1) as u32)
}
