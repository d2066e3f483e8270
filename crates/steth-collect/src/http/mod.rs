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
pub(crate) mod traffic;

pub use burst::{Bursts, collect_bursts};
pub(crate) use client::describe;
pub use client::{Answer, Fetched, ProbeClient, fetch_url, http_client, install_crypto, read_body, user_agent};

use steth_core::config::{Endpoint, Plan, redact_url};
use steth_core::evidence::{HttpEvidence, Slot};

/// The plan with every identity that logs in by itself logged in (its token in its headers),
/// for collectors that send authenticated requests outside the probes (the load phases).
pub async fn resolve_identities(plan: &Plan) -> Result<Plan, String> {
    if plan.identities.values().all(|i| i.login.is_none()) {
        return Ok(plan.clone());
    }
    let target = plan.target.as_ref().ok_or("no [target] base_url in the config")?;
    let client = ProbeClient::new(target)?;
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
        Err(e) => return Slot::failed(e),
    };
    // One request first: an unreachable target fails the whole source with one clear reason
    // instead of a dozen identical probe errors.
    if let Err(e) = client.send(reqwest::Method::GET, "/", &[]).await {
        return Slot::failed(format!("cannot reach {}: {e}", redact_url(target.base_url.as_str())));
    }
    let (resolved, logins) = login::log_in(&client, plan).await;
    let plan = &resolved;
    // Each probe runs only when an item that needs it is selected (`gated`).
    let (headers, cors, health, body_limit, authentication, authorization, mut input_validation) = tokio::join!(
        gated(plan, &["6.9"], headers::probe(&client, plan)),
        gated(plan, &["6.8"], cors::probe(&client, plan)),
        gated(plan, &["7.5"], health::probe(&client, plan)),
        gated(plan, &["1.6"], body_limit::probe(&client, plan)),
        gated(plan, &["6.1"], auth::probe_authentication(&client, plan)),
        gated(plan, &["6.2"], auth::probe_authorization(&client, plan, &logins)),
        gated(plan, &["6.6"], input::probe(&client, plan)),
    );
    let lists = async {
        match plan.policy.wants(&["8.7", "8.8"]) {
            true => lists::probe(&client, plan).await,
            false => (Slot::unavailable(NOT_SELECTED), Slot::unavailable(NOT_SELECTED), Vec::new()),
        }
    };
    let (tracing, request_ids, (pagination, huge_pages, edges), compression, conditional, idempotency) = tokio::join!(
        gated(plan, &["5.1"], correlation::probe_tracing(&client, plan)),
        gated(plan, &["5.4"], correlation::probe_request_ids(&client, plan)),
        lists,
        gated(plan, &["X.1"], extended::probe_compression(&client, plan)),
        gated(plan, &["X.2"], extended::probe_conditional(&client, plan)),
        gated(plan, &["X.3"], extended::probe_idempotency(&client, plan)),
    );
    let (api_docs, login_enumeration) = tokio::join!(
        gated(plan, &["X.5"], exposure::probe_docs(&client)),
        gated(plan, &["X.6"], exposure::probe_enumeration(&client, plan)),
    );
    // `limit=0`, `limit=-1`, `offset=-1` are bad input too: a 5xx there is a 6.6 finding.
    if let Slot::Collected { data } = &mut input_validation {
        data.pagination_edges = edges;
    }
    let later = || Slot::unavailable("the bursts run after every other collector");
    let writes = writes_sent(plan, &body_limit, &authentication, &authorization, &input_validation, &idempotency);
    Slot::collected(HttpEvidence {
        base_url: redact_url(target.base_url.as_str()),
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
        writes,
        api_docs,
        login_enumeration,
    })
}

/// The probes' requests that may change data, per endpoint: answers by status class.
fn writes_sent(
    plan: &Plan,
    body_limit: &Slot<steth_core::evidence::BodyLimitProbe>,
    authentication: &Slot<steth_core::evidence::AuthProbe>,
    authorization: &Slot<steth_core::evidence::AuthzProbe>,
    input: &Slot<steth_core::evidence::InputProbe>,
    idempotency: &Slot<steth_core::evidence::IdempotencyProbe>,
) -> Vec<steth_core::evidence::WritesMade> {
    let writes: Vec<&str> = plan.endpoints.iter().filter(|e| e.changes_data()).map(|e| e.name.as_str()).collect();
    let mut sent: Vec<(String, Option<u16>)> = Vec::new();
    if let Some(b) = body_limit.data() {
        sent.extend(b.attempts.iter().map(|a| (format!("{} (1.6 oversized body)", a.request), a.status)));
    }
    for (probe, item) in
        [(authentication.data().map(|a| &a.exchanges), "6.1"), (input.data().map(|i| &i.exchanges), "6.6")]
    {
        for x in probe.into_iter().flatten().filter(|x| writes.contains(&x.endpoint.as_str())) {
            sent.push((format!("{} ({item} {})", x.endpoint, x.case), x.status));
        }
    }
    if let Some(a) = authorization.data() {
        sent.extend(
            a.attempts.iter().filter(|a| a.change).map(|a| (format!("{} (6.2 as {})", a.request, a.actor), a.status)),
        );
    }
    if let Some(i) = idempotency.data() {
        let request = format!("{} (X.3 idempotency key)", i.request);
        sent.push((request.clone(), Some(i.first_status)));
        sent.push((request, Some(i.second_status)));
    }
    let mut out: Vec<steth_core::evidence::WritesMade> = Vec::new();
    for (endpoint, status) in sent {
        let class = status.map_or("no answer".to_string(), |s| format!("{}xx", s / 100));
        let row = match out.iter_mut().position(|w| w.endpoint == endpoint) {
            Some(i) => &mut out[i],
            None => {
                out.push(steth_core::evidence::WritesMade { endpoint, ..Default::default() });
                out.last_mut().expect("just pushed")
            }
        };
        row.requests += 1;
        match row.statuses.iter_mut().find(|(c, _)| *c == class) {
            Some((_, n)) => *n += 1,
            None => row.statuses.push((class, 1)),
        }
    }
    out
}

/// Why a probe sent nothing.
pub const NOT_SELECTED: &str = "not selected: no selected item needs this probe";

/// Runs a probe only when one of the items that need its evidence is selected and applies; an
/// unselected probe sends nothing.
pub async fn gated<T>(plan: &Plan, ids: &[&str], probe: impl Future<Output = Slot<T>>) -> Slot<T> {
    if plan.policy.wants(ids) { probe.await } else { Slot::unavailable(NOT_SELECTED) }
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
