//! What a service exposes to anyone (evidence for the extended items): API documentation served
//! without credentials (X.5), and a login that tells an unknown account from a wrong password
//! (X.6).

use super::ProbeClient;
use reqwest::Method;
use serde_json::Value;
use steth_core::config::Plan;
use steth_core::evidence::{DocsAnswer, DocsProbe, EnumerationProbe, LoginAnswer, Slot};

/// The usual documentation paths of FastAPI, springdoc, Swashbuckle, ReDoc and GraphQL servers.
pub(super) const DOC_PATHS: [&str; 10] = [
    "/docs",
    "/redoc",
    "/swagger-ui/",
    "/swagger-ui.html",
    "/openapi.json",
    "/swagger.json",
    "/v3/api-docs",
    "/graphiql",
    "/playground",
    "/graphql",
];
/// What in a body shows it is API documentation.
const MARKERS: [&str; 8] = [
    "swagger-ui",
    "redoc",
    "\"openapi\"",
    "\"swagger\"",
    "graphiql",
    "graphql playground",
    "graphql-playground",
    "apollo sandbox",
];
/// Bytes read from each documentation answer.
const DOCS_CAP: u64 = 256 * 1024;
/// Bytes of a failed login's body kept for comparison.
const LOGIN_BODY: usize = 512;
/// Fields holding the account in a login body.
const ACCOUNT_FIELDS: [&str; 5] = ["email", "username", "login", "user", "name"];

/// Asks each documentation path without credentials, as a browser would.
pub(super) async fn probe_docs(client: &ProbeClient) -> Slot<DocsProbe> {
    let headers = [("accept".to_string(), "text/html,application/json".to_string())];
    // All at once: on a target that never answers, the probe costs one timeout, not ten.
    let headers = &headers;
    let answers = futures_util::future::join_all(DOC_PATHS.iter().map(|path| async move {
        let request = format!("GET {path}");
        match client.fetch(Method::GET, path, headers, None, DOCS_CAP).await {
            Ok(f) => {
                let body = String::from_utf8_lossy(&f.body).to_ascii_lowercase();
                let marker = MARKERS.iter().find(|m| body.contains(*m)).map(|m| m.trim_matches('"').to_string());
                DocsAnswer { request, status: Some(f.answer.status), marker, error: None }
            }
            Err(e) => DocsAnswer { request, status: None, marker: None, error: Some(e) },
        }
    }))
    .await;
    Slot::collected(DocsProbe { answers })
}

/// Replaces the account field of a login body with an address that cannot exist.
fn unknown_account(v: &mut Value) -> bool {
    match v {
        Value::Object(map) => {
            let mut found = false;
            for (k, v) in map.iter_mut() {
                if ACCOUNT_FIELDS.contains(&k.to_ascii_lowercase().as_str()) && v.is_string() {
                    *v = Value::String("stethoscope-no-such-user@invalid.example".into());
                    found = true;
                } else {
                    found |= unknown_account(v);
                }
            }
            found
        }
        _ => false,
    }
}

fn masked(body: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(body).chars().take(LOGIN_BODY).collect();
    text.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect()
}

/// Two failed logins at the first login endpoint: an unknown account, and the configured account
/// with a wrong password.
pub(super) async fn probe_enumeration(client: &ProbeClient, plan: &Plan) -> Slot<EnumerationProbe> {
    let Some(e) = plan.endpoints.iter().find(|e| e.login) else {
        return Slot::unavailable("no login endpoint is configured (`login = true`)");
    };
    let Some(configured) = e.body.as_ref().map(|b| b.expose().to_string()) else {
        return Slot::unavailable("the login endpoint has no configured body to vary");
    };
    let (wrong, what) = super::burst::failed_login(Some(&configured));
    let Some(mut unknown) = serde_json::from_str::<Value>(&wrong).ok().filter(|_| what.contains("password replaced"))
    else {
        return Slot::unavailable("the login body has no password field to replace");
    };
    if !unknown_account(&mut unknown) {
        return Slot::unavailable("the login body has no account field (email, username, login, user)");
    }
    let path = e.path_for(0);
    let method = Method::from_bytes(e.method.as_bytes()).unwrap_or(Method::POST);
    let mut headers = Plan::route_headers(e);
    headers.push(("content-type".into(), "application/json".into()));
    let mut answers = Vec::new();
    for body in [unknown.to_string(), wrong] {
        answers.push(match client.fetch(method.clone(), &path, &headers, Some(body.into()), 64 * 1024).await {
            Ok(f) => LoginAnswer { status: Some(f.answer.status), body: masked(&f.body) },
            Err(_) => LoginAnswer { status: None, body: String::new() },
        });
    }
    let wrong_password = answers.pop().expect("two answers");
    let unknown_user = answers.pop().expect("two answers");
    Slot::collected(EnumerationProbe { request: format!("{method} {path}"), unknown_user, wrong_password })
}
