//! What the section's latency checks share: each endpoint's normal-load phase, and how its
//! latencies are printed.

use crate::evidence::{EndpointKind, EndpointLoad, Evidence, Phase, PhaseResult};
use crate::outcome::Outcome;

/// The normal-load phases of the endpoints of a kind (all kinds with `None`), or the outcome
/// to report without them.
pub(super) fn normal_phases(
    evidence: &Evidence,
    kind: Option<EndpointKind>,
) -> Result<Vec<(&EndpointLoad, &PhaseResult)>, Outcome> {
    let load = evidence.load.get()?;
    let endpoints: Vec<&EndpointLoad> = load.endpoints.iter().filter(|e| kind.is_none_or(|k| e.kind == k)).collect();
    if endpoints.is_empty() {
        let what = kind.map_or("no endpoint".to_string(), |k| format!("no {k} endpoint"));
        return Err(Outcome::not_assessed(format!("{what} among the configured [[endpoints]]")));
    }
    let mut rows = Vec::new();
    for e in endpoints {
        match e.phase(Phase::Normal) {
            Some(p) if p.stopped.is_none() => rows.push((e, p)),
            Some(p) => {
                let why = p.stopped.as_deref().unwrap_or_default();
                return Err(Outcome::error(format!("the normal-load phase of {} stopped: {why}", e.name)));
            }
            None => {
                let why = e.phases.iter().find_map(|p| p.stopped.as_deref()).unwrap_or("it did not run");
                return Err(Outcome::error(format!("no normal-load phase for {}: {why}", e.name)));
            }
        }
    }
    Ok(rows)
}

/// Milliseconds as reports print them.
pub(super) fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.1} ms")
    }
}

/// The seeds' row: endpoint, p50, p95, p99 and the target.
pub(super) fn row(e: &EndpointLoad, p: &PhaseResult, target: &str, verdict: &str) -> String {
    let failures = if p.failures > 0 { format!(", {} of {} failed", p.failures, p.requests) } else { String::new() };
    format!(
        "{}: p50 {} · p95 {} · p99 {} (target {target}) {verdict}{failures}",
        e.name,
        ms(p.latency.p50_ms),
        ms(p.latency.p95_ms),
        ms(p.latency.p99_ms)
    )
}
