//! 6.6 against a service on 127.0.0.1 with an enveloped body (`{"user": {...}}`): one that
//! stores whatever parses fails on a missing required inner field once the OpenAPI schema is
//! known (and never passes without it); one that validates the inner fields passes.

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::Value;
use std::time::Duration;
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{Endpoint, Plan, Secret, Target};
use steth_core::evidence::{Evidence, Slot};

const OPENAPI: &str = r##"{
  "openapi": "3.0.3",
  "paths": {"/users": {"post": {"requestBody": {"content": {"application/json": {"schema": {
    "type": "object", "required": ["user"],
    "properties": {"user": {"$ref": "#/components/schemas/User"}}}}}}}}},
  "components": {"schemas": {"User": {"type": "object", "required": ["username", "email"], "properties": {
    "username": {"type": "string", "minLength": 1},
    "email": {"type": "string", "format": "email"}}}}}
}"##;

fn valid(body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else { return false };
    let user = &v["user"];
    let username = user["username"].as_str().is_some_and(|u| !u.is_empty() && u.len() <= 50);
    let email = user["email"].as_str().is_some_and(|e| e.contains('@') && e.len() <= 100);
    username && email && user.as_object().is_some_and(|m| m.len() == 2)
}

async fn serve(validates: bool) -> String {
    let app = Router::new().route("/", get(|| async { "ok" })).route(
        "/users",
        post(move |body: Bytes| async move {
            match (serde_json::from_slice::<Value>(&body).is_ok(), validates, valid(&body)) {
                (false, _, _) => StatusCode::BAD_REQUEST,
                (true, true, false) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CREATED,
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn assess(validates: bool, openapi: bool) -> (Status, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("openapi.json");
    std::fs::write(&spec, OPENAPI).unwrap();
    let url = serve(validates).await;
    let mut create = Endpoint::new("POST", "/users");
    create.public = true;
    create.body = Some(Secret::new(r#"{"user": {"username": "ann", "email": "ann@example.com"}}"#));
    let plan = Plan {
        target: Some(Target {
            base_url: url.parse().unwrap(),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        endpoints: vec![create],
        openapi: openapi.then_some(spec),
        ..Plan::default()
    };
    let Slot::Collected { data } = steth_collect::http::collect(&plan).await else { panic!("no HTTP evidence") };
    let item = catalog::find("6.6").unwrap();
    let o = item.assess(
        &Evidence { http: Slot::collected(data.with(steth_collect::http::Bursts::not_run())), ..Evidence::default() },
        &item.default_threshold,
    );
    (o.status, o.evidence, o.findings)
}

#[tokio::test]
async fn an_enveloped_body_missing_a_required_inner_field_fails_with_the_schema() {
    let (status, why, findings) = assess(false, true).await;
    assert_eq!(status, Status::Fail, "{why}");
    assert!(findings.iter().any(|f| f.contains("missing required /user/email → 201")), "{findings:?}");
    assert!(findings.iter().any(|f| f.contains("a malformed email at /user/email → 201")), "{findings:?}");
}

#[tokio::test]
async fn without_the_schema_accepting_bad_inner_fields_never_passes() {
    let (status, why, findings) = assess(false, false).await;
    assert_eq!(status, Status::Warn, "{why}");
    assert!(findings.iter().any(|f| f.contains("/user/username empty → 201")), "{findings:?}");
}

#[tokio::test]
async fn a_service_validating_its_inner_fields_passes() {
    let (status, why, findings) = assess(true, true).await;
    assert_eq!(status, Status::Pass, "{why} {findings:?}");
}
