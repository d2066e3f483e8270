//! Authentication and authorization probes: non-public endpoints called without valid
//! credentials (evidence for 6.1), and one identity reaching for another's resource (6.2).

use super::ProbeClient;
use reqwest::Method;
use steth_core::config::{Owned, Plan};
use steth_core::evidence::{AuthProbe, AuthzAttempt, AuthzProbe, Exchange, LoginAttempt, Slot};

/// At most this many non-public endpoints are called.
pub(super) const MAX_ENDPOINTS: usize = 10;
/// At most this many (actor, owner) pairs are tried.
pub(super) const MAX_PAIRS: usize = 4;
const MALFORMED: &str = "stethoscope-malformed-token";

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap_or(Method::GET)
}

/// The identity's credential headers with their values replaced by a malformed token; an
/// `Authorization: Bearer` one when the endpoint has no identity.
fn malformed(plan: &Plan, identity: Option<&str>) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = ProbeClient::credentials(plan, identity)
        .into_iter()
        .map(|(name, value)| {
            let value = match value.split_once(' ') {
                Some((scheme, _)) if name.eq_ignore_ascii_case("authorization") => format!("{scheme} {MALFORMED}"),
                _ => MALFORMED.to_string(),
            };
            (name, value)
        })
        .collect();
    if headers.is_empty() {
        headers.push(("authorization".into(), format!("Bearer {MALFORMED}")));
    }
    headers
}

/// `{"alg":"none","typ":"JWT"}`, base64url without padding.
const ALG_NONE_HEADER: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";

/// The identity's credentials with each JWT (three dot-separated parts, possibly after a
/// scheme like `Bearer `) replaced by the same claims under an `alg: none` header and no
/// signature; None when the identity sends no JWT. A service that accepts it verifies nothing.
fn alg_none(plan: &Plan, identity: Option<&str>) -> Option<Vec<(String, String)>> {
    let mut changed = false;
    let headers = ProbeClient::credentials(plan, identity)
        .into_iter()
        .map(|(name, value)| {
            let (scheme, token) = match value.rsplit_once(' ') {
                Some((scheme, token)) => (format!("{scheme} "), token.to_string()),
                None => (String::new(), value.clone()),
            };
            let parts: Vec<&str> = token.split('.').collect();
            let jwt = parts.len() == 3 && parts[..2].iter().all(|p| p.len() > 4 && p.starts_with("ey"));
            if !jwt {
                return (name, value);
            }
            changed = true;
            (name, format!("{scheme}{ALG_NONE_HEADER}.{}.", parts[1]))
        })
        .collect();
    changed.then_some(headers)
}

/// Calls each non-public endpoint without credentials, with a malformed token and, when the
/// identity sends a JWT, with that token re-signed with `alg: none`.
pub(super) async fn probe_authentication(client: &ProbeClient, plan: &Plan) -> Slot<AuthProbe> {
    let mut exchanges = Vec::new();
    for e in plan.endpoints.iter().filter(|e| !e.public && !e.login).take(MAX_ENDPOINTS) {
        let path = e.path_for(0);
        // The endpoint's own headers (a tenant header) go with every case: only the
        // credentials differ, so the request reaches the same route.
        let route = Plan::route_headers(e);
        let mut bad = route.clone();
        bad.extend(malformed(plan, e.identity.as_deref()));
        let mut cases = vec![("no credentials", route.clone()), ("a malformed token", bad)];
        if let Some(unsigned) = alg_none(plan, e.identity.as_deref()) {
            let mut headers = route;
            headers.extend(unsigned);
            cases.push(("the identity's token re-signed with alg none", headers));
        }
        for (case, mut headers) in cases {
            let body = crate::load::probe_body(plan, e).map(|b| {
                headers.push(("content-type".into(), "application/json".into()));
                reqwest::Body::from(b)
            });
            let (status, error) = match client.call(method(&e.method), &path, &headers, body).await {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(err) => (None, Some(err)),
            };
            exchanges.push(Exchange { endpoint: e.name.clone(), case: case.into(), status, error });
        }
    }
    Slot::collected(AuthProbe { exchanges })
}

async fn status(
    client: &ProbeClient,
    method: Method,
    path: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
) -> (Option<u16>, Option<String>) {
    let mut headers = headers.to_vec();
    let body = body.map(|b| {
        headers.push(("content-type".into(), "application/json".into()));
        reqwest::Body::from(b.to_vec())
    });
    match client.call(method, path, &headers, body).await {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(e) => (None, Some(e)),
    }
}

/// Whether a configured path template (`/posts/{id}`) names this concrete path.
fn template_matches(template: &str, path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}')))
}

/// The write methods the API offers on a path, and where that came from: the configured
/// endpoints whose template matches it, else the `Allow` header of an `OPTIONS` (axum and
/// others send it with a 405 too). `DELETE` only when the resource is `destructive`.
async fn write_methods(
    client: &ProbeClient,
    plan: &Plan,
    owned: &Owned,
    headers: &[(String, String)],
) -> (Vec<Method>, String) {
    let allowed = |m: &Method| *m == Method::PUT || *m == Method::PATCH || (owned.destructive && *m == Method::DELETE);
    let mut from_config: Vec<Method> = Vec::new();
    for e in plan.endpoints.iter().filter(|e| template_matches(&e.path, &owned.path)) {
        let m = method(&e.method);
        if allowed(&m) && !from_config.contains(&m) {
            from_config.push(m);
        }
    }
    if !from_config.is_empty() {
        return (from_config, "the configured endpoints".into());
    }
    let allow = match client.call(Method::OPTIONS, &owned.path, headers, None).await {
        Ok(r) => r.headers().get("allow").and_then(|v| v.to_str().ok()).map(String::from),
        Err(_) => None,
    };
    let Some(allow) = allow else {
        return (Vec::new(), "no configured endpoint matches it and OPTIONS gave no `Allow` header".into());
    };
    let methods: Vec<Method> =
        allow.split(',').filter_map(|m| Method::from_bytes(m.trim().as_bytes()).ok()).filter(allowed).collect();
    (methods, format!("OPTIONS `Allow: {allow}`"))
}

/// For each owned resource, every other identity reads it (unless it is public to read) and
/// tries each write method the path offers with the owner's own current representation, read
/// just before: a change that changes nothing even when wrongly accepted.
pub(super) async fn probe_authorization(
    client: &ProbeClient,
    plan: &Plan,
    logins: &[LoginAttempt],
) -> Slot<AuthzProbe> {
    let mut notes: Vec<String> = logins
        .iter()
        .filter_map(|l| l.error.as_ref().map(|e| format!("identity {} could not log in: {e}", l.identity)))
        .collect();
    if plan.identities.len() < 2 {
        notes.push(format!("needs two [identities], {} configured", plan.identities.len()));
        return Slot::collected(AuthzProbe { attempts: Vec::new(), notes });
    }
    let owned: Vec<(&String, &Owned)> =
        plan.identities.iter().flat_map(|(name, i)| i.owns.iter().map(move |o| (name, o))).collect();
    if owned.is_empty() {
        notes.push("no identity names a resource it `owns`".into());
    }
    let mut attempts = Vec::new();
    let pairs = owned
        .iter()
        .flat_map(|(owner, o)| plan.identities.keys().filter(move |a| a != owner).map(move |a| (a, *owner, *o)))
        .take(MAX_PAIRS);
    for (actor, owner, owned) in pairs {
        let path = owned.path.as_str();
        // The headers of a configured endpoint on this path (a tenant header) go with every
        // request, so the probe reaches the route the service really serves.
        let route = plan
            .endpoints
            .iter()
            .find(|e| template_matches(&e.path, path))
            .map(Plan::route_headers)
            .unwrap_or_default();
        let with_route = |mut credentials: Vec<(String, String)>| {
            let mut headers = route.clone();
            headers.append(&mut credentials);
            headers
        };
        let owner_headers = with_route(ProbeClient::credentials(plan, Some(owner)));
        let (control_status, representation) =
            match client.fetch(Method::GET, path, &owner_headers, None, plan.probes.max_response).await {
                Ok(f) => {
                    let json = !f.truncated && serde_json::from_slice::<serde_json::Value>(&f.body).is_ok();
                    (Some(f.answer.status), json.then_some(f.body))
                }
                Err(_) => (None, None),
            };
        let actor_headers = with_route(ProbeClient::credentials(plan, Some(actor)));
        let attempt = |request: String, change: bool, sent: Option<String>, (status, error)| AuthzAttempt {
            actor: actor.clone(),
            owner: owner.clone(),
            request,
            change,
            sent,
            control_status,
            status,
            error,
        };
        if owned.public_read {
            notes.push(format!("{path} is public to read by config: only changes were tried"));
        } else {
            let got = status(client, Method::GET, path, &actor_headers, None).await;
            attempts.push(attempt(format!("GET {path}"), false, None, got));
        }
        let (methods, source) = write_methods(client, plan, owned, &owner_headers).await;
        if methods.is_empty() {
            notes.push(format!("no write method offered on {path} ({source}): no change was tried"));
        }
        for m in methods {
            let (body, sent) = match (&m, &representation) {
                (&Method::DELETE, _) => (None, "no body (`destructive = true`)".to_string()),
                (_, Some(r)) => (Some(r.as_slice()), format!("the owner's representation ({} bytes)", r.len())),
                (&Method::PATCH, None) => (Some(&b"{}"[..]), "`{}` (the owner's read gave no JSON)".to_string()),
                _ => {
                    notes.push(format!("{m} {path} not tried: the owner's read gave no JSON to send back unchanged"));
                    continue;
                }
            };
            let got = status(client, m.clone(), path, &actor_headers, body).await;
            attempts.push(attempt(format!("{m} {path}"), true, Some(format!("{sent}, methods from {source}")), got));
        }
    }
    Slot::collected(AuthzProbe { attempts, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use steth_core::config::{Identity, Secret};

    #[test]
    fn a_jwt_is_re_signed_with_alg_none_and_other_tokens_are_left_alone() {
        let mut plan = Plan::default();
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl";
        let identity = |token: &str| Identity {
            headers: vec![("Authorization".into(), Secret::new(format!("Bearer {token}")))],
            owns: Vec::new(),
            login: None,
        };
        plan.identities.insert("alice".into(), identity(jwt));
        plan.identities.insert("bob".into(), identity("opaque-token-123"));
        let headers = alg_none(&plan, Some("alice")).expect("alice sends a JWT");
        assert_eq!(headers[0].1, format!("Bearer {ALG_NONE_HEADER}.eyJzdWIiOiIxMjMifQ."));
        assert_eq!(alg_none(&plan, Some("bob")), None);
    }
}
