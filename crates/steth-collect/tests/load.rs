//! The audit's load phases against a local server: every endpoint gets a baseline and a
//! normal phase, and observers see "before" and "after" around each, in order.

use futures_util::future::BoxFuture;
use std::sync::Mutex;
use std::time::Duration;
use steth_collect::load::{PhaseInfo, PhaseObserver};
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{Endpoint, LoadPlan, ParamValues, Plan, Target};
use steth_core::evidence::{Evidence, PhaseResult, Slot};
use steth_core::policy::Assessed;
use steth_core::report::Report;
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
    let normal = data.endpoints[0].phase(steth_core::evidence::Phase::Normal).unwrap();
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

/// How a hostile load target answers each request it has read.
#[derive(Clone, Copy, Debug)]
enum Hostile {
    /// Never writes a byte.
    Silent,
    /// Announces 1000 bytes and sends one a second.
    Drip,
    /// Announces 10 GB and streams it.
    EndlessBody,
    /// 302 to an https address.
    Redirect,
    /// 401 to every request (a wrong auth prefix).
    Unauthorized,
    /// 422 to every request (a body the API rejects).
    Unprocessable,
}

async fn hostile(kind: Hostile) -> std::net::SocketAddr {
    use tokio::io::AsyncReadExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                let mut line = String::new();
                let mut length = 0usize;
                loop {
                    line.clear();
                    match r.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if line != "\r\n" {
                        continue;
                    }
                    let mut body = vec![0u8; std::mem::take(&mut length)];
                    if r.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let head: &[u8] = match kind {
                        Hostile::Silent => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            return;
                        }
                        Hostile::Drip => b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n",
                        Hostile::EndlessBody => b"HTTP/1.1 200 OK\r\ncontent-length: 10000000000\r\n\r\n",
                        Hostile::Redirect => {
                            b"HTTP/1.1 302 Found\r\nlocation: https://sso.test/login\r\ncontent-length: 0\r\n\r\n"
                        }
                        Hostile::Unauthorized => b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n",
                        Hostile::Unprocessable => b"HTTP/1.1 422 Unprocessable Entity\r\ncontent-length: 0\r\n\r\n",
                    };
                    if w.write_all(head).await.is_err() {
                        return;
                    }
                    match kind {
                        Hostile::Drip => loop {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            if w.write_all(b"x").await.is_err() {
                                return;
                            }
                        },
                        Hostile::EndlessBody => loop {
                            if w.write_all(&[b'x'; 64 * 1024]).await.is_err() {
                                return;
                            }
                        },
                        _ => {}
                    }
                }
            });
        }
    });
    addr
}

/// Loads one endpoint of a hostile target and assesses the latency items on what it measured.
async fn hostile_audit(kind: Hostile, endpoint: Endpoint) -> (Vec<(String, Status, String)>, Report) {
    let addr = hostile(kind).await;
    let mut plan = Plan {
        target: Some(Target {
            base_url: url::Url::parse(&format!("http://{addr}")).unwrap(),
            serverless: false,
            timeout: Duration::from_secs(1),
            peak_rps: None,
        }),
        endpoints: vec![endpoint],
        load: LoadPlan {
            rate: 30.0,
            duration: Duration::from_secs(1),
            warmup: Duration::from_millis(100),
            baseline_rate: 10.0,
            baseline_duration: Duration::from_millis(500),
            timeout: Duration::from_millis(700),
            ..LoadPlan::default()
        },
        ..Plan::default()
    };
    plan.identities.insert(
        "alice".into(),
        steth_core::config::Identity {
            headers: vec![("Authorization".into(), steth_core::config::Secret::new("Token abc"))],
            owns: Vec::new(),
            login: None,
        },
    );
    let (_tx, stop) = tokio::sync::watch::channel(false);
    let slot = tokio::time::timeout(Duration::from_secs(30), steth_collect::load::run(&plan, &[], None, stop))
        .await
        .expect("hostile load phases end within 30 s");
    let evidence = Evidence { load: slot, ..Evidence::default() };
    let assessed: Vec<Assessed> = ["1.1", "1.2", "1.3", "1.4"]
        .iter()
        .map(|id| {
            let item = catalog::find(id).unwrap();
            Assessed {
                item,
                threshold: item.default_threshold.clone(),
                outcome: item.assess(&evidence, &item.default_threshold),
            }
        })
        .collect();
    let verdicts =
        assessed.iter().map(|a| (a.item.id.to_string(), a.outcome.status, a.outcome.evidence.clone())).collect();
    let run = steth_core::report::Run {
        started_at: String::new(),
        duration_ms: 0,
        target: None,
        config: None,
        selection: None,
        sources: Vec::new(),
    };
    (verdicts, Report::build(run, &assessed, Some(evidence)))
}

/// None of the latency items may pass on a target that does not answer properly; those that
/// apply are `error` naming the cause, and the endpoint's table row fails with its counts.
async fn never_fast(kind: Hostile, endpoint: Endpoint, cause: &str) {
    let (verdicts, report) = hostile_audit(kind, endpoint).await;
    for (id, status, why) in &verdicts {
        assert_ne!(*status, Status::Pass, "{kind:?}: {id} passed: {why}");
        if *status != Status::NotAssessed {
            assert_eq!(*status, Status::Error, "{kind:?}: {id}: {why}");
            assert!(why.contains(cause), "{kind:?}: {id}: `{why}` should name `{cause}`");
        }
    }
    let row = &report.load.as_ref().expect("a load table").endpoints[0];
    assert_eq!(row.status, Status::Fail, "{kind:?}: {row:?}");
    assert!(row.cause.as_deref().is_some_and(|c| c.contains(cause)), "{row:?}");
    assert_eq!(row.classes.success, 0, "{row:?}");
    assert_eq!(row.achieved_rate, 0.0, "failures are not throughput: {row:?}");
    assert!(report.load.as_ref().unwrap().slowest.is_empty(), "an unmeasured row is not among the slowest");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_passes_no_latency_item() {
    never_fast(Hostile::Silent, endpoint("/a", false), "no complete answer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_server_passes_no_latency_item() {
    never_fast(Hostile::Drip, endpoint("/a", false), "no complete answer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_passes_no_latency_item() {
    never_fast(Hostile::EndlessBody, endpoint("/a", false), "no complete answer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirecting_server_passes_no_latency_item() {
    never_fast(Hostile::Redirect, endpoint("/a", false), "302 redirects to https://sso.test/login").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_storm_names_the_identity() {
    let e = Endpoint { identity: Some("alice".into()), public: false, ..endpoint("/a", false) };
    never_fast(Hostile::Unauthorized, e, "were 401: check the headers of `[identities.alice]`").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_body_is_not_a_write_latency() {
    let e = Endpoint {
        body: Some(steth_core::config::Secret::new("{\"quantity\": \"one\"}")),
        public: true,
        // Loading a write endpoint is opt-in.
        writes: Some(true),
        ..Endpoint::new("POST", "/orders")
    };
    never_fast(Hostile::Unprocessable, e, "were 422: the service rejects the configured `body`").await;
}

#[test]
fn probes_and_the_load_engine_encode_a_value_identically() {
    for value in ["a b/c", "caf\u{e9}", "50%", "x?y#z", "../admin", "1;DROP"] {
        let mut e = Endpoint::new("GET", "/items/{id}");
        e.params.insert("id".into(), ParamValues::List(vec![value.into()]));
        let template = steth_load::RequestTemplate::new(
            "GET",
            "/items/{id}",
            vec![("id".into(), steth_load::Values::List(vec![value.into()]))],
            &[],
            None,
        )
        .unwrap();
        assert_eq!(e.path_for(0), template.path_for(0), "{value}");
    }
}

#[test]
fn the_progress_line_counts_the_phases_that_really_run() {
    let plan = Plan { endpoints: vec![endpoint("/a", false), endpoint("/login", true)], ..Plan::default() };
    let text = steth_collect::load::describe(&plan);
    assert!(text.starts_with("1 endpoint(s) × 2 phase(s) (baseline, normal)"), "{text}");
    assert!(text.contains("1 login endpoint(s) not loaded"), "{text}");
}
