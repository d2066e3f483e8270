//! X.5 and X.6 against services on 127.0.0.1: one that serves Swagger UI and tells unknown
//! accounts apart at login fails both; one that does neither passes both.

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use std::time::Duration;
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{Endpoint, Plan, Secret, Target};
use steth_core::evidence::{Evidence, Slot};

async fn assess(leaky: bool) -> (Status, Status, String) {
    let mut app = Router::new().route("/", get(|| async { "ok" })).route(
        "/login",
        post(move |body: Bytes| async move {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let known = v["email"] == "ann@example.com";
            match (known, leaky) {
                (false, true) => (StatusCode::NOT_FOUND, "{\"error\":\"no such user\"}"),
                _ => (StatusCode::UNAUTHORIZED, "{\"error\":\"invalid e-mail or password\"}"),
            }
        }),
    );
    if leaky {
        app = app
            .route("/docs", get(|| async { "<html><div id=\"swagger-ui\"></div></html>" }))
            .route("/openapi.json", get(|| async { "{\"openapi\":\"3.1.0\",\"paths\":{}}" }));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut login = Endpoint::new("POST", "/login");
    login.login = true;
    login.public = true;
    login.body = Some(Secret::new(r#"{"email": "ann@example.com", "password": "s3cret"}"#));
    let plan = Plan {
        target: Some(Target {
            base_url: format!("http://{addr}").parse().unwrap(),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        endpoints: vec![login],
        ..Plan::default()
    };
    let Slot::Collected { data } = steth_collect::http::collect(&plan).await else { panic!("no HTTP evidence") };
    let evidence =
        Evidence { http: Slot::collected(data.with(steth_collect::http::Bursts::not_run())), ..Evidence::default() };
    let assess = |id: &str| {
        let item = catalog::find(id).unwrap();
        item.assess(&evidence, &item.default_threshold)
    };
    let (docs, enumeration) = (assess("X.5"), assess("X.6"));
    (docs.status, enumeration.status, format!("{} | {}", docs.evidence, enumeration.evidence))
}

#[tokio::test]
async fn public_docs_and_login_enumeration_fail() {
    let (docs, enumeration, why) = assess(true).await;
    assert_eq!((docs, enumeration), (Status::Fail, Status::Fail), "{why}");
    assert!(why.contains("GET /docs → 200 (swagger-ui)"), "{why}");
}

#[tokio::test]
async fn hidden_docs_and_uniform_login_failures_pass() {
    let (docs, enumeration, why) = assess(false).await;
    assert_eq!((docs, enumeration), (Status::Pass, Status::Pass), "{why}");
}
