//! Authentication and authorization probes: non-public endpoints called without valid
//! credentials (evidence for 6.1), and one identity reaching for another's resource (6.2).

use super::ProbeClient;
use reqwest::Method;
use steth_core::config::Plan;
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

/// Calls each non-public endpoint without credentials and with a malformed token.
pub(super) async fn probe_authentication(client: &ProbeClient, plan: &Plan) -> Slot<AuthProbe> {
    let mut exchanges = Vec::new();
    for e in plan.endpoints.iter().filter(|e| !e.public && !e.login).take(MAX_ENDPOINTS) {
        let path = e.path_for(0);
        for (case, mut headers) in
            [("no credentials", Vec::new()), ("a malformed token", malformed(plan, e.identity.as_deref()))]
        {
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
    body: bool,
) -> (Option<u16>, Option<String>) {
    let mut headers = headers.to_vec();
    let body = body.then(|| {
        headers.push(("content-type".into(), "application/json".into()));
        reqwest::Body::from("{}")
    });
    match client.call(method, path, &headers, body).await {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(e) => (None, Some(e)),
    }
}

/// For each identity owning a resource, every other identity reads it and tries to change it.
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
    let owners: Vec<(&String, &String)> =
        plan.identities.iter().filter_map(|(name, i)| i.owns.as_ref().map(|o| (name, o))).collect();
    if owners.is_empty() {
        notes.push("no identity names a resource it `owns`".into());
    }
    let mut attempts = Vec::new();
    let pairs = owners
        .iter()
        .flat_map(|(owner, path)| plan.identities.keys().filter(move |a| a != owner).map(move |a| (a, *owner, *path)))
        .take(MAX_PAIRS);
    for (actor, owner, path) in pairs {
        let owner_headers = ProbeClient::credentials(plan, Some(owner));
        let (control_status, _) = status(client, Method::GET, path, &owner_headers, false).await;
        let actor_headers = ProbeClient::credentials(plan, Some(actor));
        for (m, change) in [(Method::GET, false), (Method::PATCH, true)] {
            let (got, error) = status(client, m.clone(), path, &actor_headers, change).await;
            attempts.push(AuthzAttempt {
                actor: actor.clone(),
                owner: owner.clone(),
                request: format!("{m} {path}"),
                change,
                control_status,
                status: got,
                error,
            });
        }
    }
    Slot::collected(AuthzProbe { attempts, notes })
}
