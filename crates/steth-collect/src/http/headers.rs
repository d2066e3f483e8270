//! Samples the response headers of ordinary GET requests (evidence for 6.9).

use super::{ProbeClient, sample_paths};
use reqwest::Method;
use steth_core::config::Plan;
use steth_core::evidence::{HeaderSample, Slot};

/// At most this many read endpoints are sampled besides the base path.
pub(super) const MAX_ENDPOINTS: usize = 5;

/// GETs the base path and the first read endpoints and records their headers.
pub(super) async fn probe(client: &ProbeClient, plan: &Plan) -> Slot<Vec<HeaderSample>> {
    let mut samples = Vec::new();
    let mut errors = Vec::new();
    let credentials: Vec<String> = plan
        .identities
        .values()
        .flat_map(|i| i.headers.iter().map(|(n, _)| n.to_ascii_lowercase()))
        .chain(["authorization".to_string(), "cookie".to_string()])
        .collect();
    for (path, headers) in sample_paths(plan, MAX_ENDPOINTS) {
        let authenticated = headers.iter().any(|(n, _)| credentials.contains(&n.to_ascii_lowercase()));
        match client.send(Method::GET, &path, &headers).await {
            Ok(a) => samples.push(HeaderSample {
                request: format!("GET {path}"),
                status: a.status,
                headers: a.headers,
                authenticated,
            }),
            Err(e) => errors.push(format!("GET {path}: {e}")),
        }
    }
    if samples.is_empty() {
        return Slot::failed(errors.join("; "));
    }
    Slot::collected(samples)
}
