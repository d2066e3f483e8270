//! The audit's load phases against a local server: every endpoint gets a baseline and a
//! normal phase, and observers see "before" and "after" around each, in order.

use futures_util::future::BoxFuture;
use std::sync::Mutex;
use std::time::Duration;
use steth_collect::load::{PhaseInfo, PhaseObserver};
use steth_core::config::{Endpoint, LoadPlan, ParamValues, Plan, Target};
use steth_core::evidence::{PhaseResult, Slot};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Answers every request with 200 after 2 ms; counts requests per path prefix.
async fn server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                let mut line = String::new();
                loop {
                    line.clear();
                    match r.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) if line == "\r\n" => {
                            tokio::time::sleep(Duration::from_millis(2)).await;
                            if w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await.is_err() {
                                return;
                            }
                        }
                        Ok(_) => {}
                    }
                }
            });
        }
    });
    addr
}

#[derive(Default)]
struct Recording {
    calls: Mutex<Vec<String>>,
}

impl PhaseObserver for Recording {
    fn before(&self, info: &PhaseInfo) -> BoxFuture<'_, ()> {
        let line = format!("before {} {}", info.endpoint, info.phase);
        Box::pin(async move { self.calls.lock().unwrap().push(line) })
    }
    fn after<'a>(&'a self, info: &'a PhaseInfo, result: &'a PhaseResult) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.calls.lock().unwrap().push(format!("after {} {} {}", info.endpoint, info.phase, result.requests > 0))
        })
    }
}

fn endpoint(path: &str, login: bool) -> Endpoint {
    let mut e = Endpoint { public: true, login, ..Endpoint::new("GET", path) };
    if path.contains("{id}") {
        e.params.insert("id".to_string(), ParamValues::Range { start: 1, end: 9 });
    }
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observers_see_every_phase_of_every_endpoint_in_order() {
    let addr = server().await;
    let plan = Plan {
        target: Some(Target {
            base_url: url::Url::parse(&format!("http://{addr}")).unwrap(),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        endpoints: vec![endpoint("/a", false), endpoint("/login", true), endpoint("/b/{id}", false)],
        load: LoadPlan {
            rate: 50.0,
            duration: Duration::from_secs(1),
            warmup: Duration::from_millis(100),
            baseline_rate: 10.0,
            baseline_duration: Duration::from_millis(500),
            ..LoadPlan::default()
        },
        ..Plan::default()
    };
    let recording = Recording::default();
    let (_tx, stop) = tokio::sync::watch::channel(false);
    let slot = steth_collect::load::run(&plan, &[&recording], None, stop).await;
    let calls = recording.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![
            "before GET /a baseline",
            "after GET /a baseline true",
            "before GET /a normal",
            "after GET /a normal true",
            "before GET /b/{id} baseline",
            "after GET /b/{id} baseline true",
            "before GET /b/{id} normal",
            "after GET /b/{id} normal true",
        ],
        "login endpoints are never loaded"
    );
    let Slot::Collected { data } = slot else { panic!("load evidence: {slot:?}") };
    assert_eq!(data.endpoints.len(), 2);
    let normal = data.endpoints[0].phase("normal").unwrap();
    assert!((40..=60).contains(&normal.requests), "{} requests at 50 req/s for 1 s", normal.requests);
    assert!(normal.latency.p50_ms >= 2.0 && normal.latency.p50_ms < 20.0, "{:?}", normal.latency);
    assert_eq!(normal.model, "open");
}

#[tokio::test]
async fn without_endpoints_or_with_load_off_nothing_is_measured() {
    let (_tx, stop) = tokio::sync::watch::channel(false);
    let plan = Plan::default();
    assert!(matches!(steth_collect::load::run(&plan, &[], None, stop.clone()).await, Slot::Unavailable { .. }));
    let mut off = Plan { endpoints: vec![endpoint("/a", false)], ..Plan::default() };
    off.load.enabled = false;
    match steth_collect::load::run(&off, &[], None, stop).await {
        Slot::Unavailable { reason } => assert!(reason.contains("switched off"), "{reason}"),
        other => panic!("{other:?}"),
    }
}
