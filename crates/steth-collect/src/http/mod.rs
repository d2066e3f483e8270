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
use steth_core::evidence::{
    AuthProbe, AuthzProbe, BodyLimitProbe, CompressionProbe, ConditionalProbe, CorsProbe, DocsProbe, EnumerationProbe,
    HeaderSample, HealthProbe, HttpEvidence, IdempotencyProbe, InputProbe, ListProbe, LoginAttempt, RequestIdProbe,
    Slot, TracingProbe, WritesMade,
};

/// What the single probes found: the HTTP evidence but the rate-limit bursts, which run after
/// every other collector (they trip the target's limiter). The evidence is assembled once from
/// both ([`HttpProbes::with`]).
#[derive(Debug, Clone)]
pub struct HttpProbes {
    /// The base URL probed.
    pub base_url: String,
    /// Whether the target speaks HTTPS.
    pub https: bool,
    /// Response headers of ordinary GET requests (6.9).
    pub headers: Slot<Vec<HeaderSample>>,
    /// Cross-origin requests from a foreign origin (6.8).
    pub cors: Slot<CorsProbe>,
    /// Liveness and readiness paths tried (7.5).
    pub health: Slot<HealthProbe>,
    /// Identities that logged in before the probes.
    pub logins: Vec<LoginAttempt>,
    /// Oversized bodies streamed to write endpoints (1.6).
    pub body_limit: Slot<BodyLimitProbe>,
    /// Non-public endpoints called without valid credentials (6.1).
    pub authentication: Slot<AuthProbe>,
    /// One identity reaching for another's resource (6.2).
    pub authorization: Slot<AuthzProbe>,
    /// Bad input sent to write endpoints (6.6).
    pub input_validation: Slot<InputProbe>,
    /// Requests carrying a W3C traceparent (5.1).
    pub tracing: Slot<TracingProbe>,
    /// Requests with and without an X-Request-ID (5.4).
    pub request_ids: Slot<RequestIdProbe>,
    /// The first page of each list endpoint (8.7).
    pub pagination: Slot<ListProbe>,
    /// Each list endpoint asked for a huge page size (8.8).
    pub huge_pages: Slot<ListProbe>,
    /// A compressed answer asked for (X.1).
    pub compression: Slot<CompressionProbe>,
    /// ETag and a conditional repeat (X.2).
    pub conditional: Slot<ConditionalProbe>,
    /// A POST repeated with the same Idempotency-Key (X.3).
    pub idempotency: Slot<IdempotencyProbe>,
    /// The probes' requests that may change data, per endpoint.
    pub writes: Vec<WritesMade>,
    /// API documentation paths asked without credentials (X.5).
    pub api_docs: Slot<DocsProbe>,
    /// Failed logins for an unknown user and a wrong password (X.6).
    pub login_enumeration: Slot<EnumerationProbe>,
}

impl HttpProbes {
    /// The HTTP evidence: the single probes and the bursts (6.3, 6.4).
    pub fn with(self, bursts: Bursts) -> HttpEvidence {
        HttpEvidence {
            base_url: self.base_url,
            https: self.https,
            headers: self.headers,
            cors: self.cors,
            health: self.health,
            logins: self.logins,
            body_limit: self.body_limit,
            authentication: self.authentication,
            authorization: self.authorization,
            rate_limit: bursts.public,
            login_rate_limit: bursts.login,
            input_validation: self.input_validation,
            tracing: self.tracing,
            request_ids: self.request_ids,
            pagination: self.pagination,
            huge_pages: self.huge_pages,
            compression: self.compression,
            conditional: self.conditional,
            idempotency: self.idempotency,
            writes: self.writes,
            api_docs: self.api_docs,
            login_enumeration: self.login_enumeration,
        }
    }
}

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

/// Runs every HTTP probe the plan allows but the bursts ([`collect_bursts`]).
pub async fn collect(plan: &Plan) -> Slot<HttpProbes> {
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
    let writes = writes_sent(plan, &body_limit, &authentication, &authorization, &input_validation, &idempotency);
    Slot::collected(HttpProbes {
        base_url: redact_url(target.base_url.as_str()),
        https: target.base_url.scheme() == "https",
        headers,
        cors,
        health,
        logins,
        body_limit,
        authentication,
        authorization,
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
    body_limit: &Slot<BodyLimitProbe>,
    authentication: &Slot<AuthProbe>,
    authorization: &Slot<AuthzProbe>,
    input: &Slot<InputProbe>,
    idempotency: &Slot<IdempotencyProbe>,
) -> Vec<WritesMade> {
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
