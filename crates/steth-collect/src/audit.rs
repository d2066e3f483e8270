//! The orchestrator: the one place that decides which collectors run and in what order.
//! Collectors that do not depend on each other run concurrently.

use std::future::Future;
use std::time::{Duration, Instant};
use steth_core::config::Plan;
use steth_core::evidence::{Evidence, Slot};

/// Which evidence sources the selected checks need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// HTTP probes.
    pub http: bool,
    /// PostgreSQL.
    pub pg: bool,
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
    if !needed {
        return Slot::unavailable("no selected check needs it");
    }
    progress.started(name, &detail);
    let start = Instant::now();
    let slot = match tokio::time::timeout(COLLECTOR_BOUND, work).await {
        Ok(slot) => slot,
        Err(_) => Slot::failed(format!("{name} collector timed out after {} s", COLLECTOR_BOUND.as_secs())),
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
    let target = plan.target.as_ref().map(|t| t.base_url.to_string()).unwrap_or_default();
    let db = plan.postgres.as_ref().map(|p| p.url.redacted()).unwrap_or_default();
    let (http, pg) = tokio::join!(
        bounded("http", target, needs.http, progress, crate::http::collect(plan)),
        bounded("pg", db, needs.pg, progress, crate::pg::collect(plan)),
    );
    Evidence { http, pg }
}
