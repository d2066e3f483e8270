//! The repository collector: runs steth-source's blocking reader (files and `git`) on a
//! blocking thread, bounded in time like every collector.

use std::time::{Duration, Instant};
use steth_core::config::Plan;
use steth_core::evidence::{Slot, SourceEvidence};

/// Reads the configured repository; `bound` is passed on so `git` is killed when it passes.
pub async fn collect(plan: &Plan, bound: Duration) -> Slot<SourceEvidence> {
    let Some(source) = plan.source.clone() else {
        return Slot::unavailable("no [source] path in the config: add [source] path = \".\" or pass --source PATH");
    };
    let deadline = Instant::now() + bound;
    tokio::task::spawn_blocking(move || steth_source::collect(&source, deadline))
        .await
        .unwrap_or_else(|e| Slot::failed(format!("the source collector stopped: {e}")))
}
