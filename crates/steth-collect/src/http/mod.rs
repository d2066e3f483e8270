//! HTTP probes: single targeted requests, each bounded in count, bytes and time.

mod auth;
mod body_limit;
mod burst;
mod client;
mod correlation;
mod cors;
mod exposure;
mod extended;
mod headers;
mod health;
mod input;
mod lists;
mod login;
mod request_schema;

pub use burst::{Bursts, collect_bursts};
pub use client::{Answer, Fetched, ProbeClient, read_body, user_agent};
pub(crate) use client::{describe, install_crypto};

use steth_core::config::{Endpoint, Plan};
use steth_core::evidence::{HttpEvidence, Slot};

/// The plan with every identity that logs in by itself logged in (its token in its headers),
/// for collectors that send authenticated requests outside the probes (the load phases).
pub async fn resolve_identities(plan: &Plan) -> Result<Plan, String> {
    if plan.identities.values().all(|i| i.login.is_none()) {
        return Ok(plan.clone());
    }
    let target = plan.target.as_ref().ok_or("no [target] base_url in the config")?;
    let client = ProbeClient::new(target).map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let (resolved, attempts) = login::log_in(&client, plan).await;
    match attempts.iter().find(|a| a.error.is_some()) {
        Some(a) => {
            Err(format!("identity `{}` could not log in: {}", a.identity, a.error.as_deref().unwrap_or_default()))
        }
        None => Ok(resolved),
    }
}

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
    let (resolved, logins) = login::log_in(&client, plan).await;
    let plan = &resolved;
    let (headers, cors, health, body_limit, authentication, authorization, mut input_validation) = tokio::join!(
        headers::probe(&client, plan),
        cors::probe(&client, plan),
        health::probe(&client, plan),
        body_limit::probe(&client, plan),
        auth::probe_authentication(&client, plan),
        auth::probe_authorization(&client, plan, &logins),
        input::probe(&client, plan),
    );
    let (tracing, request_ids, (pagination, huge_pages, edges), compression, conditional, idempotency) = tokio::join!(
        correlation::probe_tracing(&client, plan),
        correlation::probe_request_ids(&client, plan),
        lists::probe(&client, plan),
        extended::probe_compression(&client, plan),
        extended::probe_conditional(&client, plan),
        extended::probe_idempotency(&client, plan),
    );
    let (api_docs, login_enumeration) =
        tokio::join!(exposure::probe_docs(&client), exposure::probe_enumeration(&client, plan));
    // `limit=0`, `limit=-1`, `offset=-1` are bad input too: a 5xx there is a 6.6 finding.
    if let Slot::Collected { data } = &mut input_validation {
        data.pagination_edges = edges;
    }
    let later = || Slot::unavailable("the bursts run after every other collector");
    Slot::collected(HttpEvidence {
        base_url: target.base_url.to_string(),
        https: target.base_url.scheme() == "https",
        headers,
        cors,
        health,
        logins,
        body_limit,
        authentication,
        authorization,
        rate_limit: later(),
        login_rate_limit: later(),
        input_validation,
        tracing,
        request_ids,
        pagination,
        huge_pages,
        compression,
        conditional,
        idempotency,
        api_docs,
        login_enumeration,
    })
}

/// Endpoints that take a body (POST, PUT, PATCH), in config order. Login endpoints are left
/// out: every request to them counts against their strict rate limit, which belongs to the
/// identities' logins and to the login burst (6.4), whose count would otherwise be skewed.
fn write_endpoints(plan: &Plan) -> impl Iterator<Item = &Endpoint> {
    plan.endpoints.iter().filter(|e| !e.login && matches!(e.method.as_str(), "POST" | "PUT" | "PATCH"))
}

/// Paths sampled by the header, CORS and correlation probes: the base path and the first read
/// endpoints, each with the headers a request to it carries (`Plan::headers_for`).
fn sample_paths(plan: &Plan, max: usize) -> Vec<(String, Vec<(String, String)>)> {
    let mut paths: Vec<(String, Vec<(String, String)>)> = vec![("/".to_string(), Vec::new())];
    for e in plan.endpoints.iter().filter(|e| e.method == "GET").take(max) {
        let path = e.path_for(0);
        if !paths.iter().any(|(p, _)| *p == path) {
            paths.push((path, plan.headers_for(e)));
        }
    }
    paths
}
