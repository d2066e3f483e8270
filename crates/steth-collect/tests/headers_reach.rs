//! An endpoint's configured headers (a tenant header that picks the route) and its identity's
//! token from a login reach every probe, not only the load phases: a multi-tenant API on
//! 127.0.0.1 answers 404 without the tenant and 401 without the token.

use axum::Router;
use axum::body::Bytes;
use axum::extract::OriginalUri;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::{get, post};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use steth_core::config::{Endpoint, Identity, IdentityLogin, Plan, ProbeSettings, Secret, Target};
use steth_core::evidence::Slot;

type Seen = Arc<Mutex<Vec<(String, Option<String>, Option<String>)>>>;

async fn serve() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let orders = move |method: Method, uri: OriginalUri, headers: HeaderMap, body: Bytes| {
        let seen = record.clone();
        async move {
            let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(String::from);
            let (tenant, auth) = (get("x-tenant"), get("authorization"));
            seen.lock().unwrap().push((format!("{method} {}", uri.0.path()), tenant.clone(), auth.clone()));
            if tenant.as_deref() != Some("acme") {
                return StatusCode::NOT_FOUND;
            }
            if auth.as_deref() != Some("Bearer t-123") {
                return StatusCode::UNAUTHORIZED;
            }
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(v) if v["quantity"].is_u64() => StatusCode::CREATED,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            }
        }
    };
    let app = Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/login", post(|| async { axum::Json(serde_json::json!({ "token": "t-123" })) }))
        .route("/orders", post(orders));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn tenant_headers_and_login_tokens_reach_the_body_limit_and_validation_probes() {
    let (url, seen) = serve().await;
    let mut plan = Plan {
        target: Some(Target {
            base_url: url.parse().unwrap(),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        probes: ProbeSettings { body_size: 4 * 1024 * 1024, ..ProbeSettings::default() },
        ..Plan::default()
    };
    let login = IdentityLogin {
        path: "/login".into(),
        body: Secret::new(r#"{"user":"alice"}"#),
        token_pointer: "/token".into(),
        header: "Authorization".into(),
        prefix: "Bearer ".into(),
    };
    plan.identities.insert("alice".into(), Identity { headers: Vec::new(), owns: Vec::new(), login: Some(login) });
    let mut create = Endpoint::new("POST", "/orders");
    create.identity = Some("alice".into());
    create.body = Some(Secret::new(r#"{"quantity": 1}"#));
    create.headers = vec![("X-Tenant".into(), Secret::new("acme"))];
    plan.endpoints.push(create);

    let Slot::Collected { data } = steth_collect::http::collect(&plan).await else { panic!("no HTTP evidence") };
    let requests = seen.lock().unwrap().clone();
    assert!(!requests.is_empty());
    for (request, tenant, _) in &requests {
        assert_eq!(tenant.as_deref(), Some("acme"), "{request} went out without the tenant header");
    }
    let with_token = requests.iter().filter(|(_, _, auth)| auth.as_deref() == Some("Bearer t-123")).count();
    assert!(with_token >= 4, "6.6's bad bodies and 1.6's big body carry the login token: {requests:?}");

    let Slot::Collected { data: input } = &data.input_validation else { panic!("{:?}", data.input_validation) };
    assert!(
        input.exchanges.iter().all(|x| x.status == Some(422)),
        "every bad body reached validation, not 401/404: {:?}",
        input.exchanges
    );
    let Slot::Collected { data: limit } = &data.body_limit else { panic!("{:?}", data.body_limit) };
    assert!(limit.attempts.iter().all(|a| a.status != Some(401) && a.status != Some(404)), "{:?}", limit.attempts);
}

#[tokio::test]
async fn compression_is_judged_on_an_answer_worth_compressing() {
    let app = Router::new()
        .route("/", get(|| async { "tiny" }))
        .route("/small", get(|| async { "{\"id\":1}" }))
        .route("/big", get(|| async { "x".repeat(5000) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let plan = Plan {
        target: Some(Target {
            base_url: format!("http://{addr}").parse().unwrap(),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        endpoints: vec![Endpoint::new("GET", "/small"), Endpoint::new("GET", "/big")],
        ..Plan::default()
    };
    let Slot::Collected { data } = steth_collect::http::collect(&plan).await else { panic!("no HTTP evidence") };
    let Slot::Collected { data: probe } = &data.compression else { panic!("{:?}", data.compression) };
    assert_eq!((probe.request.as_str(), probe.bytes), ("GET /big", 5000), "{probe:?}");
    let item = steth_core::catalog::find("X.1").unwrap();
    let evidence = steth_core::evidence::Evidence {
        http: Slot::collected(data.with(steth_collect::http::Bursts::not_run())),
        ..Default::default()
    };
    assert_eq!(item.assess(&evidence, &item.default_threshold).status, steth_core::Status::Fail);
}
