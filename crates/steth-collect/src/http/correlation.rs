//! Trace context and request ids: requests carrying a W3C `traceparent` (evidence for 5.1) and
//! an `X-Request-ID`, or none (5.4), and what the answers carry back.

use super::{ProbeClient, sample_paths};
use reqwest::Method;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use steth_core::config::Plan;
use steth_core::evidence::{RequestIdExchange, RequestIdProbe, Slot, TraceExchange, TracingProbe};

/// At most this many read endpoints are asked besides the base path.
pub(super) const MAX_ENDPOINTS: usize = 2;
/// Response headers that carry a request id, in order of preference.
const ID_HEADERS: [&str; 3] = ["x-request-id", "request-id", "x-correlation-id"];

/// A random-enough u64 for ids no one needs to guess: std's per-instance hasher keys.
pub(super) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    RandomState::new().hash_one((nanos, COUNTER.fetch_add(1, Ordering::Relaxed)))
}

/// Sends a `traceparent` with a fresh trace id to the sampled paths.
pub(super) async fn probe_tracing(client: &ProbeClient, plan: &Plan) -> Slot<TracingProbe> {
    let trace_id = format!("{:016x}{:016x}", random_u64(), random_u64());
    let mut exchanges = Vec::new();
    let mut errors = Vec::new();
    for (path, mut headers) in sample_paths(plan, MAX_ENDPOINTS) {
        headers.push(("traceparent".into(), format!("00-{trace_id}-{:016x}-01", random_u64() | 1)));
        match client.call(Method::GET, &path, &headers, None).await {
            Ok(response) => {
                let answer = super::client::answer_of(&response);
                let get = |name: &str| answer.header(name).map(String::from);
                exchanges.push(TraceExchange {
                    request: format!("GET {path}"),
                    status: answer.status,
                    traceresponse: get("traceresponse"),
                    traceparent: get("traceparent"),
                    server_timing: get("server-timing"),
                });
            }
            Err(e) => errors.push(format!("GET {path}: {e}")),
        }
    }
    if exchanges.is_empty() {
        return Slot::failed(errors.join("; "));
    }
    Slot::collected(TracingProbe { trace_id, exchanges })
}

/// Sends an `X-Request-ID` to each sampled path, and one request without any.
pub(super) async fn probe_request_ids(client: &ProbeClient, plan: &Plan) -> Slot<RequestIdProbe> {
    let mut exchanges = Vec::new();
    let mut errors = Vec::new();
    let paths = sample_paths(plan, MAX_ENDPOINTS);
    let without = paths.last().cloned().map(|(path, headers)| (path, headers, None));
    let with = paths.iter().map(|(p, h)| (p.clone(), h.clone(), Some(format!("stethoscope-{:016x}", random_u64()))));
    for (path, mut headers, sent) in with.chain(without) {
        if let Some(id) = &sent {
            headers.push(("x-request-id".into(), id.clone()));
        }
        match client.call(Method::GET, &path, &headers, None).await {
            Ok(response) => {
                let answer = super::client::answer_of(&response);
                let returned = ID_HEADERS.iter().find_map(|h| answer.header(h)).map(String::from);
                exchanges.push(RequestIdExchange {
                    request: format!("GET {path}"),
                    status: answer.status,
                    sent,
                    returned,
                });
            }
            Err(e) => errors.push(format!("GET {path}: {e}")),
        }
    }
    if exchanges.is_empty() {
        return Slot::failed(errors.join("; "));
    }
    Slot::collected(RequestIdProbe { exchanges })
}
