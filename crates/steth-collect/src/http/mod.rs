//! HTTP probes: single targeted requests, each bounded in count, bytes and time.

mod client;
mod cors;
mod headers;
mod health;

pub use client::{ProbeClient, user_agent};

use steth_core::config::Plan;
use steth_core::evidence::{HttpEvidence, Slot};

/// Runs every HTTP probe the plan allows.
pub async fn collect(plan: &Plan) -> Slot<HttpEvidence> {
    let Some(target) = &plan.target else {
        return Slot::unavailable("no [target] base_url in the config");
    };
    let client = match ProbeClient::new(target) {
        Ok(c) => c,
        Err(e) => return Slot::failed(format!("cannot build the HTTP client: {e}")),
    };
    // One request first: an unreachable target fails the whole source with one clear reason
    // instead of a dozen identical probe errors.
    if let Err(e) = client.send(reqwest::Method::GET, "/", &[]).await {
        return Slot::failed(format!("cannot reach {}: {e}", target.base_url));
    }
    let (headers, cors, health) =
        tokio::join!(headers::probe(&client, plan), cors::probe(&client, plan), health::probe(&client, plan));
    Slot::collected(HttpEvidence {
        base_url: target.base_url.to_string(),
        https: target.base_url.scheme() == "https",
        headers,
        cors,
        health,
    })
}

/// Paths sampled by the header and CORS probes: the base path and the first read endpoints.
fn sample_paths(plan: &Plan, max: usize) -> Vec<(String, Option<&str>)> {
    let mut paths = vec![("/".to_string(), None)];
    for e in plan.endpoints.iter().filter(|e| e.method == "GET").take(max) {
        let path = e.path_for(0);
        if !paths.iter().any(|(p, _)| *p == path) {
            paths.push((path, e.identity.as_deref()));
        }
    }
    paths
}
