//! Cross-origin requests from a foreign origin (evidence for 6.8).

use super::{ProbeClient, sample_paths};
use reqwest::Method;
use steth_core::config::Plan;
use steth_core::evidence::{CorsExchange, CorsProbe, Slot};

/// At most this many read endpoints are probed besides the base path.
pub(super) const MAX_ENDPOINTS: usize = 3;

/// Sends a preflight and a simple GET with a foreign Origin to each sampled path.
pub(super) async fn probe(client: &ProbeClient, plan: &Plan) -> Slot<CorsProbe> {
    let origin = plan.cors_origin.clone();
    let mut exchanges = Vec::new();
    let mut errors = Vec::new();
    for (path, headers) in sample_paths(plan, MAX_ENDPOINTS) {
        let preflight = [
            ("origin".to_string(), origin.clone()),
            ("access-control-request-method".to_string(), "GET".to_string()),
            ("access-control-request-headers".to_string(), "authorization, content-type".to_string()),
        ];
        let mut simple = vec![("origin".to_string(), origin.clone())];
        simple.extend(headers);
        for (method, label, headers) in
            [(Method::OPTIONS, "preflight", &preflight[..]), (Method::GET, "simple", &simple[..])]
        {
            let request = format!("{method} {path} ({label})");
            match client.send(method.clone(), &path, headers).await {
                Ok(a) => {
                    let find = |name: &str| a.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                    exchanges.push(CorsExchange {
                        request,
                        status: a.status,
                        allow_origin: find("access-control-allow-origin"),
                        allow_credentials: find("access-control-allow-credentials"),
                    });
                }
                Err(e) => errors.push(format!("{request}: {e}")),
            }
        }
    }
    if exchanges.is_empty() {
        return Slot::failed(errors.join("; "));
    }
    Slot::collected(CorsProbe { origin, exchanges })
}
