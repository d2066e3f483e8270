//! Alert rules read from a Prometheus server's `/api/v1/rules` on 127.0.0.1 (real Prometheus
//! JSON, recording rules included) and from rule files next to it, then judged by 5.5 and 5.6;
//! a server that never answers ends the read within its bound.

use axum::Router;
use axum::routing::get;
use std::time::{Duration, Instant};
use steth_collect::metrics::collect_rules;
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::MetricsTarget;
use steth_core::evidence::{Evidence, MetricsEvidence, Slot};
use tokio::net::TcpListener;

/// A `/api/v1/rules` answer as Prometheus 2.x/3.x sends it.
const RULES_JSON: &str = r#"{"status":"success","data":{"groups":[{"name":"api-availability",
"file":"/etc/prometheus/rules/api.yml","rules":[
{"name":"job:http_errors:ratio_rate5m","query":"sum(rate(http_requests_total{status=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))","labels":{},"health":"ok","evaluationTime":0.000412,"lastEvaluation":"2026-11-29T10:00:00.000Z","type":"recording"},
{"state":"inactive","name":"HighErrorRatio","query":"job:http_errors:ratio_rate5m > 0.01","duration":300,"keepFiringFor":0,"labels":{"severity":"page"},"annotations":{"summary":"More than 1% of requests fail"},"alerts":[],"health":"ok","evaluationTime":0.00031,"lastEvaluation":"2026-11-29T10:00:00.000Z","type":"alerting"},
{"state":"inactive","name":"HighP99Latency","query":"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5","duration":600,"keepFiringFor":0,"labels":{"severity":"page"},"annotations":{},"alerts":[],"health":"ok","evaluationTime":0.0002,"lastEvaluation":"2026-11-29T10:00:00.000Z","type":"alerting"}
],"interval":30,"limit":0,"evaluationTime":0.001,"lastEvaluation":"2026-11-29T10:00:00.000Z"}]}}"#;

async fn prometheus(router: Router) -> url::Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    url::Url::parse(&format!("http://{addr}/")).unwrap()
}

fn target(prometheus: Option<url::Url>, rule_files: Vec<std::path::PathBuf>) -> MetricsTarget {
    MetricsTarget { url: None, rule_files, prometheus, query_histogram: None }
}

fn assess(rules: Slot<steth_core::evidence::AlertRules>) -> (Status, Status) {
    let metrics = MetricsEvidence { rules, ..Default::default() };
    let evidence = Evidence { metrics: Slot::collected(metrics), ..Evidence::default() };
    let status = |id: &str| {
        let item = catalog::find(id).unwrap();
        item.assess(&evidence, &item.default_threshold).status
    };
    (status("5.5"), status("5.6"))
}

#[tokio::test]
async fn the_servers_rules_are_read_and_judged() {
    let url = prometheus(Router::new().route("/api/v1/rules", get(|| async { RULES_JSON }))).await;
    let rules = collect_rules(Some(&target(Some(url), Vec::new()))).await;
    let data = rules.data().expect("collected");
    assert_eq!(data.alerts.len(), 2, "{data:?}");
    assert_eq!(data.alerts[0].watches, ["http_requests_total"]);
    assert!(data.alerts[0].location.contains("api-availability"), "{:?}", data.alerts[0]);
    assert_eq!(assess(rules), (Status::Pass, Status::Pass));
}

#[tokio::test]
async fn rule_files_join_the_servers_rules_and_alone_fail_on_their_own() {
    let url = prometheus(Router::new().route("/api/v1/rules", get(|| async { RULES_JSON }))).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latency.yml");
    let rule = "groups:\n  - name: l\n    rules:\n      - alert: SlowP99\n        expr: histogram_quantile(0.99, sum by (le) (rate(request_latency_ms_bucket[5m]))) > 2000\n";
    std::fs::write(&file, rule).unwrap();
    let rules = collect_rules(Some(&target(Some(url), vec![file]))).await;
    let data = rules.data().expect("collected");
    assert!(data.problems.is_empty(), "{:?}", data.problems);
    assert_eq!(data.alerts.len(), 3);
    // The server's p99 rule at 0.5 s counts; with only the file's 2 s rule (in ms), 5.6 fails.
    assert_eq!(assess(rules), (Status::Pass, Status::Pass));
    let alone = collect_rules(Some(&target(None, vec![dir.path().join("*.yml")]))).await;
    assert_eq!(assess(alone), (Status::Fail, Status::Fail));
}

#[tokio::test]
async fn a_server_answering_garbage_or_never_fails_the_rules_within_the_bound() {
    let garbage = prometheus(Router::new().route("/api/v1/rules", get(|| async { "<html>login</html>" }))).await;
    let rules = collect_rules(Some(&target(Some(garbage), Vec::new()))).await;
    assert!(matches!(&rules, Slot::Failed { error } if error.contains("Prometheus rules JSON")), "{rules:?}");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let started = Instant::now();
    let rules = collect_rules(Some(&target(Some(silent), Vec::new()))).await;
    assert!(matches!(rules, Slot::Failed { .. }), "{rules:?}");
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
}
