//! The rate-limit bursts against services on 127.0.0.1: the login attempts send a wrong
//! password derived from the configured (valid) body, so they really fail; a burst answered
//! only with 500s is an error, never "no rate limit".

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{Endpoint, Plan, ProbeSettings, Secret, Target};
use steth_core::evidence::{Evidence, HttpEvidence, Slot};

async fn serve(passwords: Arc<Mutex<Vec<String>>>) -> String {
    let app = Router::new().route("/broken", get(|| async { StatusCode::INTERNAL_SERVER_ERROR })).route(
        "/login",
        post(move |body: Bytes| {
            let seen = passwords.clone();
            async move {
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let password = v["credentials"]["password"].as_str().unwrap_or_default().to_string();
                seen.lock().unwrap().push(password.clone());
                if password == "correct horse" { StatusCode::OK } else { StatusCode::UNAUTHORIZED }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn login_attempts_fail_for_real_and_a_500_burst_is_an_error() {
    let passwords = Arc::new(Mutex::new(Vec::new()));
    let url = serve(passwords.clone()).await;
    let mut login = Endpoint::new("POST", "/login");
    login.login = true;
    login.public = true;
    login.body = Some(Secret::new(r#"{"credentials": {"user": "ann", "password": "correct horse"}}"#));
    let mut broken = Endpoint::new("GET", "/broken");
    broken.public = true;
    let plan = Plan {
        target: Some(Target {
            base_url: url.parse().unwrap(),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        endpoints: vec![broken, login],
        probes: ProbeSettings { burst_requests: 30, login_attempts: 12, ..ProbeSettings::default() },
        ..Plan::default()
    };
    let bursts = steth_collect::http::collect_bursts(&plan).await;
    let seen = passwords.lock().unwrap().clone();
    assert_eq!(seen.len(), 12, "{seen:?}");
    assert!(seen.iter().all(|p| p != "correct horse"), "the valid password is never replayed: {seen:?}");

    let http: HttpEvidence = match steth_collect::http::collect(&Plan { endpoints: Vec::new(), ..plan.clone() }).await {
        Slot::Collected { data } => data.with(bursts),
        other => panic!("{other:?}"),
    };
    let evidence = Evidence { http: Slot::collected(http), ..Evidence::default() };
    let assess = |id: &str| {
        let item = catalog::find(id).unwrap();
        item.assess(&evidence, &item.default_threshold)
    };
    let o = assess("6.4");
    assert_eq!(o.status, Status::Fail, "12 real failed logins and no 429: {}", o.evidence);
    assert!(o.evidence.contains("password replaced by a wrong one"), "{}", o.evidence);
    let o = assess("6.3");
    assert_eq!(o.status, Status::Error, "{}", o.evidence);
    assert!(o.evidence.contains("were 5xx"), "{}", o.evidence);
}
