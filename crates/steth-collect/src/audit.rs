//! The orchestrator: the one place that decides which collectors run and in what order.
//! Collectors that do not depend on each other run concurrently.

use crate::load::{Finish, PhaseObserver, PhaseProgress};
use std::future::Future;
use std::time::{Duration, Instant};
use steth_core::catalog::Source;
use steth_core::config::Plan;
use steth_core::evidence::{AnySlot, Evidence, Slot, SlotState};
pub use steth_core::policy::Needs;
use tokio::sync::watch;

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
    /// A collector finished, with how long it took and what it gathered.
    fn finished(&self, source: &str, state: SlotState, took: Duration);
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {
    fn started(&self, _: &str, _: &str) {}
    fn finished(&self, _: &str, _: SlotState, _: Duration) {}
}

/// The hard time bound of one collector.
const COLLECTOR_BOUND: Duration = Duration::from_secs(120);

/// Why a collector step has no evidence after Ctrl-C.
pub const INTERRUPTED: &str = "interrupted (Ctrl-C) before it finished";

/// Resolves once the stop signal turns true; never, when nothing can send it.
async fn stopped(stop: &watch::Receiver<bool>) {
    let mut stop = stop.clone();
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs `work` unless the audit was stopped; a stop while it runs drops it at once, so no
/// further request goes out.
async fn unless_stopped<T>(stop: &watch::Receiver<bool>, work: impl Future<Output = Slot<T>>) -> Slot<T> {
    if *stop.borrow() {
        return Slot::unavailable(INTERRUPTED);
    }
    tokio::select! {
        slot = work => slot,
        () = stopped(stop) => Slot::unavailable(INTERRUPTED),
    }
}

async fn bounded<T>(
    name: &str,
    detail: String,
    needed: bool,
    progress: &dyn Progress,
    stop: &watch::Receiver<bool>,
    work: impl Future<Output = Slot<T>>,
) -> Slot<T> {
    bounded_for(name, detail, needed, progress, COLLECTOR_BOUND, unless_stopped(stop, work)).await
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
    progress.finished(name, slot.state(), start.elapsed());
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
    // Every collector's future is boxed: their states together overflowed a 2 MiB thread stack
    // (a test thread, a runtime worker) when this future lived on it.
    let at = |source: Source| plan.location(source).unwrap_or_default();
    let wants = |source: Source| needs.contains(source);
    let stop = &session.stop;
    let (http, pg, redis, source) = tokio::join!(
        bounded("http", at(Source::Http), wants(Source::Http), progress, stop, Box::pin(crate::http::collect(plan))),
        bounded("pg", at(Source::Pg), wants(Source::Pg), progress, stop, Box::pin(crate::pg::collect(plan))),
        bounded(
            "redis",
            at(Source::Redis),
            wants(Source::Redis),
            progress,
            stop,
            Box::pin(crate::redis::collect(plan))
        ),
        // The repository needs no target: it is read while the probes and catalog reads run.
        bounded(
            "source",
            at(Source::Source),
            wants(Source::Source),
            progress,
            stop,
            Box::pin(crate::source::collect(plan, COLLECTOR_BOUND))
        ),
    );
    let redis_observer = crate::redis::RedisObserver::connect(plan, &redis).await;
    let scrape = wants(Source::Metrics) && !*stop.borrow();
    let metrics_observer = match scrape {
        true => tokio::select! {
            observer = crate::metrics::MetricsObserver::connect(plan) => observer,
            () = stopped(stop) => None,
        },
        false => None,
    };
    let pg_observer = match &pg {
        Slot::Collected { .. } => crate::pg::PgObserver::connect(plan).await,
        _ => None,
    };
    let replica_observer = match &pg {
        Slot::Collected { data } => crate::pg::ReplicaObserver::connect(plan, &data.app_role).await,
        _ => None,
    };
    let observers: Vec<&dyn PhaseObserver> = session
        .observers
        .iter()
        .copied()
        .chain(pg_observer.as_ref().map(|o| o as &dyn PhaseObserver))
        .chain(replica_observer.as_ref().map(|o| o as &dyn PhaseObserver))
        .chain(redis_observer.as_ref().map(|o| o as &dyn PhaseObserver))
        .chain(metrics_observer.as_ref().map(|o| o as &dyn PhaseObserver))
        .collect();
    let load = bounded_for(
        "load",
        crate::load::describe(plan),
        wants(Source::Load),
        progress,
        load_bound(plan),
        Box::pin(crate::load::run(plan, &observers, session.load_progress.clone(), session.stop.clone())),
    )
    .await;
    drop(observers);
    // Each observer hands over its own slots once; each source's evidence is assembled once
    // from its collector's first read and its observer's findings.
    let pg_found = match pg_observer {
        Some(observer) => Box::pin(observer.finish()).await,
        None => crate::pg::PgFindings::missing(&Slot::unavailable("no observing session")),
    };
    let replica_found = match replica_observer {
        Some(observer) => observer.finish().await,
        None => crate::pg::ReplicaFindings::default(),
    };
    let pg = pg.map(|catalog| catalog.with(pg_found, replica_found));
    // Redis last before the bursts: final counters, then the active probes, then the key
    // sample, whose TTL and TYPE calls would count as keyspace hits.
    let redis_found = match redis_observer {
        Some(observer) => {
            let work = Box::pin(async { Slot::collected(observer.finish().await) });
            bounded("redis keys", at(Source::Redis), true, progress, stop, work).await
        }
        None => Slot::unavailable("the observing connection to Redis could not be opened"),
    };
    let redis = redis.map(|start| match redis_found {
        Slot::Collected { data } => start.with(data),
        missing => start.with(crate::redis::RedisFindings::missing(&missing.absence().unwrap_or_default())),
    });
    let http = match http {
        Slot::Collected { data } => Slot::collected(data.with(Box::pin(run_bursts(plan, progress, stop)).await)),
        Slot::Unavailable { reason } => Slot::unavailable(reason),
        Slot::Failed { error } => Slot::failed(error),
    };
    let scraped = match metrics_observer {
        Some(observer) => observer.finish().await,
        None if !wants(Source::Metrics) => Slot::unavailable("no selected check needs it"),
        None if *stop.borrow() => Slot::unavailable(INTERRUPTED),
        None => Slot::unavailable("no [metrics] url in the config: add [metrics] url = \"http://…/metrics\""),
    };
    let metrics = match wants(Source::Metrics) {
        true => crate::metrics::evidence(scraped, crate::metrics::collect_rules(plan.metrics.as_ref()).await),
        false => Slot::unavailable("no selected check needs it"),
    };
    // The config's declarations are read, not collected: no I/O, no bound.
    let config = match wants(Source::Config) {
        true => Slot::collected(plan.declared()),
        false => Slot::unavailable("no selected check needs it"),
    };
    Evidence { http, pg, load, redis, metrics, source, config }
}

/// The rate-limit bursts (6.3, 6.4) trip the target's limiter for stethoscope's address, so
/// they run after every other collector; their evidence joins the single probes'.
async fn run_bursts(plan: &Plan, progress: &dyn Progress, stop: &watch::Receiver<bool>) -> crate::http::Bursts {
    let target = plan.location(Source::Http).unwrap_or_default();
    let work = Box::pin(async { Slot::collected(crate::http::collect_bursts(plan).await) });
    match bounded("http bursts", target, true, progress, stop, work).await {
        Slot::Collected { data } => data,
        missing => crate::http::Bursts::missing(&missing.absence().unwrap_or_default()),
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
