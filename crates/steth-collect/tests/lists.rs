//! 8.7, 8.8 and the page-parameter part of 6.6 against list APIs on 127.0.0.1: one that
//! honours any `limit` over a small data set, one paginated by `limit`/`offset` with no next
//! field, and one that crashes on a negative offset.

use axum::Router;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};
use std::time::Duration;
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{Endpoint, Plan, Target};
use steth_core::evidence::{Evidence, Slot};

#[derive(Clone, Copy)]
struct Api {
    /// Items in the data set.
    total: i64,
    /// Whether the body says where the next page is (`next`, null on the last page).
    next_field: bool,
    /// Whether `offset=-1` answers 500 (a database error).
    crash_on_negative: bool,
}

fn answer(api: Api, query: Option<String>) -> (StatusCode, String) {
    let mut limit = 20i64;
    let mut offset = 0i64;
    for pair in query.unwrap_or_default().split('&') {
        match pair.split_once('=') {
            Some(("limit", v)) => limit = v.parse().unwrap_or(20),
            Some(("offset", v)) => offset = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    if offset < 0 && api.crash_on_negative {
        return (StatusCode::INTERNAL_SERVER_ERROR, "ERROR: OFFSET must not be negative".into());
    }
    if limit < 1 || offset < 0 {
        return (StatusCode::BAD_REQUEST, "{}".into());
    }
    let items: Vec<Value> = (offset..(offset + limit).min(api.total)).map(|i| json!({"id": i + 1})).collect();
    let more = offset + limit < api.total;
    let body = if api.next_field {
        json!({"items": items, "next": if more { json!(offset + limit) } else { Value::Null }})
    } else {
        json!({"items": items})
    };
    (StatusCode::OK, body.to_string())
}

async fn assess(api: Api) -> Vec<(Status, String, Vec<String>)> {
    let app = Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/things", get(move |RawQuery(q): RawQuery| async move { answer(api, q) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut list = Endpoint::new("GET", "/things");
    list.list = true;
    list.public = true;
    let plan = Plan {
        target: Some(Target {
            base_url: format!("http://{addr}").parse().unwrap(),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        endpoints: vec![list],
        ..Plan::default()
    };
    let Slot::Collected { data } = steth_collect::http::collect(&plan).await else { panic!("no HTTP evidence") };
    let evidence =
        Evidence { http: Slot::collected(data.with(steth_collect::http::Bursts::not_run())), ..Evidence::default() };
    ["8.7", "8.8", "6.6"]
        .iter()
        .map(|id| {
            let item = catalog::find(id).unwrap();
            let o = item.assess(&evidence, &item.default_threshold);
            (o.status, o.evidence, o.findings)
        })
        .collect()
}

#[tokio::test]
async fn a_small_data_set_returned_whole_for_a_huge_limit_is_no_cap() {
    let got = assess(Api { total: 31, next_field: true, crash_on_negative: false }).await;
    let (status, why, findings) = &got[1];
    assert_eq!(*status, Status::Fail, "8.8: {why}");
    assert!(findings[0].contains("all 31 items where the default page is 20"), "{findings:?}");
    assert_eq!(got[0].0, Status::Pass, "8.7: {}", got[0].1);
}

#[tokio::test]
async fn a_data_set_within_one_default_page_cannot_show_a_cap() {
    let got = assess(Api { total: 7, next_field: true, crash_on_negative: false }).await;
    let (status, why, _) = &got[1];
    assert_eq!(*status, Status::NotAssessed, "8.8: {why}");
    assert!(why.contains("cannot show a cap"), "{why}");
}

#[tokio::test]
async fn limit_offset_pagination_counts_and_a_crash_on_a_negative_offset_fails_6_6() {
    let got = assess(Api { total: 50, next_field: false, crash_on_negative: true }).await;
    let (status, why, _) = &got[0];
    assert_eq!(*status, Status::Pass, "8.7: {why}");
    assert!(why.contains("`offset` (offset=20 returns the next items)"), "{why}");
    let (status, why, findings) = &got[2];
    assert_eq!(*status, Status::Fail, "6.6: {why}");
    assert!(findings.iter().any(|f| f.contains("offset=-1 → 500")), "{findings:?}");
}
