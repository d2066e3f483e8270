//! 6.2 against a blog-like API on 127.0.0.1: an article public to read and owner-only to
//! change, offering `PUT` (not `PATCH`), discovered from `OPTIONS`. The healthy server passes,
//! one that lets anyone `PUT` fails, and no `DELETE` is ever sent.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{Identity, Owned, Plan, Secret, Target};
use steth_core::evidence::{Evidence, Slot};

const ARTICLE: &str = r#"{"post":{"id":42,"title":"Hello","author":"alice"}}"#;

#[derive(Default)]
struct Seen {
    requests: Mutex<Vec<(String, String, Vec<u8>)>>,
}

fn caller(headers: &HeaderMap) -> Option<&'static str> {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some("Token alice-secret") => Some("alice"),
        Some("Token bob-secret") => Some("bob"),
        _ => None,
    }
}

/// Serves `/posts/42`: anyone authenticated reads it, only alice changes it (anyone, with
/// `idor`), through `PUT`; every other method gets axum's 405 with its `Allow` header.
async fn serve(idor: bool) -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let (on_get, on_put, on_delete) = (seen.clone(), seen.clone(), seen.clone());
    let app = Router::new()
        .route(
            "/posts/42",
            get(move |headers: HeaderMap| {
                let seen = on_get.clone();
                async move {
                    let who = caller(&headers).unwrap_or("nobody").to_string();
                    seen.requests.lock().unwrap().push(("GET".into(), who.clone(), Vec::new()));
                    if who == "nobody" {
                        (StatusCode::UNAUTHORIZED, String::new())
                    } else {
                        (StatusCode::OK, ARTICLE.into())
                    }
                }
            })
            .put(move |headers: HeaderMap, body: Bytes| {
                let seen = on_put.clone();
                async move {
                    let who = caller(&headers).unwrap_or("nobody").to_string();
                    seen.requests.lock().unwrap().push(("PUT".into(), who.clone(), body.to_vec()));
                    match who.as_str() {
                        "alice" => StatusCode::OK,
                        "bob" if idor => StatusCode::OK,
                        "bob" => StatusCode::FORBIDDEN,
                        _ => StatusCode::UNAUTHORIZED,
                    }
                }
            })
            .delete(move |headers: HeaderMap| {
                let seen = on_delete.clone();
                async move {
                    let who = caller(&headers).unwrap_or("nobody").to_string();
                    seen.requests.lock().unwrap().push(("DELETE".into(), who, Vec::new()));
                    StatusCode::NO_CONTENT
                }
            }),
        )
        .route("/", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

fn identity(token: &str, owns: Vec<Owned>) -> Identity {
    Identity { headers: vec![("Authorization".into(), Secret::new(format!("Token {token}")))], owns, login: None }
}

fn plan(base_url: &str, owned: Owned) -> Plan {
    let mut plan = Plan {
        target: Some(Target {
            base_url: base_url.parse().unwrap(),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        ..Plan::default()
    };
    plan.identities.insert("alice".into(), identity("alice-secret", vec![owned]));
    plan.identities.insert("bob".into(), identity("bob-secret", Vec::new()));
    plan
}

async fn assess(plan: &Plan) -> (Status, String, Vec<String>) {
    let Slot::Collected { data } = steth_collect::http::collect(plan).await else { panic!("no HTTP evidence") };
    let item = catalog::find("6.2").unwrap();
    let o = item.assess(
        &Evidence { http: Slot::collected(data.with(steth_collect::http::Bursts::not_run())), ..Evidence::default() },
        &item.default_threshold,
    );
    (o.status, o.evidence, o.findings)
}

fn public_post() -> Owned {
    Owned { path: "/posts/42".into(), public_read: true, destructive: false }
}

#[tokio::test]
async fn a_public_read_owner_write_resource_passes() {
    let (url, seen) = serve(false).await;
    let (status, why, findings) = assess(&plan(&url, public_post())).await;
    assert_eq!(status, Status::Pass, "{why} {findings:?}");
    let requests = seen.requests.lock().unwrap().clone();
    let bob_put =
        requests.iter().find(|(m, who, _)| m == "PUT" && who == "bob").expect("bob tried the real write method");
    assert_eq!(bob_put.2, ARTICLE.as_bytes(), "the change sent is alice's own representation");
    assert!(!requests.iter().any(|(m, _, _)| m == "DELETE"), "DELETE is never sent unless destructive");
    assert!(!requests.iter().any(|(m, who, _)| m == "GET" && who == "bob"), "a public read is not probed");
}

#[tokio::test]
async fn a_real_idor_on_the_write_fails() {
    let (url, _) = serve(true).await;
    let (status, why, findings) = assess(&plan(&url, public_post())).await;
    assert_eq!(status, Status::Fail, "{why}");
    assert!(findings.iter().any(|f| f.starts_with("PUT /posts/42 as bob (owned by alice) → 200")), "{findings:?}");
}

#[tokio::test]
async fn a_private_resource_another_identity_reads_fails() {
    let (url, _) = serve(false).await;
    let (status, why, findings) = assess(&plan(&url, Owned::private("/posts/42"))).await;
    assert_eq!(status, Status::Fail, "{why}");
    assert!(findings.iter().any(|f| f.starts_with("GET /posts/42 as bob")), "{findings:?}");
}

#[tokio::test]
async fn delete_is_tried_only_on_destructive_resources() {
    let (url, seen) = serve(false).await;
    let owned = Owned { destructive: true, ..public_post() };
    let (status, why, _) = assess(&plan(&url, owned)).await;
    assert_eq!(status, Status::Fail, "bob's DELETE got a 204: {why}");
    assert!(seen.requests.lock().unwrap().iter().any(|(m, who, _)| m == "DELETE" && who == "bob"));
}

/// A service that trusts any three-part token without checking its signature.
#[tokio::test]
async fn a_token_re_signed_with_alg_none_that_is_accepted_fails_6_1() {
    let app = Router::new().route("/", get(|| async { "ok" })).route(
        "/me",
        get(|headers: HeaderMap| async move {
            let token = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
            let parts = token.strip_prefix("Bearer ").map(|t| t.split('.').count()).unwrap_or(0);
            if parts == 3 { StatusCode::OK } else { StatusCode::UNAUTHORIZED }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut plan = Plan {
        target: Some(Target {
            base_url: format!("http://{addr}").parse().unwrap(),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        ..Plan::default()
    };
    let jwt = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLWFsaWNl";
    let alice = Identity { headers: vec![("Authorization".into(), Secret::new(jwt))], owns: Vec::new(), login: None };
    plan.identities.insert("alice".into(), alice);
    let mut me = steth_core::config::Endpoint::new("GET", "/me");
    me.identity = Some("alice".into());
    plan.endpoints.push(me);
    let Slot::Collected { data } = steth_collect::http::collect(&plan).await else { panic!("no HTTP evidence") };
    let item = catalog::find("6.1").unwrap();
    let o = item.assess(
        &Evidence { http: Slot::collected(data.with(steth_collect::http::Bursts::not_run())), ..Evidence::default() },
        &item.default_threshold,
    );
    assert_eq!(o.status, Status::Fail, "{}", o.evidence);
    assert!(o.findings.iter().any(|f| f.contains("alg none → 200")), "{:?}", o.findings);
}
