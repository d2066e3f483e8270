//! The engine against servers that do not answer properly: one that never answers, one that
//! drips its body a byte a second, one that redirects everything and one that refuses every
//! request. None of them may look fast or successful.

use std::sync::Arc;
use std::time::Duration;
use steth_load::{AbortRules, Control, Model, PhaseReport, PhaseSpec, RequestTemplate, StopReason, Target, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Timing tests run one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Clone, Copy)]
enum Hostile {
    /// Reads the request and never writes a byte.
    Silent,
    /// Sends a head announcing 1000 bytes, then one byte a second.
    Drip,
    /// Answers every request with a 302 to an https URL carrying a token.
    Redirect,
    /// Answers every request with a 401.
    Unauthorized,
}

async fn serve(kind: Hostile) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                loop {
                    // Requests here are heads only: one read per request is enough.
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let head = match kind {
                        Hostile::Silent => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            return;
                        }
                        Hostile::Drip => "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n",
                        Hostile::Redirect => {
                            "HTTP/1.1 302 Found\r\nlocation: https://sso.test/login?token=s3cret\r\ncontent-length: 0\r\n\r\n"
                        }
                        Hostile::Unauthorized => "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n",
                    };
                    if stream.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    if let Hostile::Drip = kind {
                        for _ in 0..1000 {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            if stream.write_all(b"x").await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    addr
}

async fn phase(kind: Hostile, duration: Duration, timeout: Duration) -> PhaseReport {
    let addr = serve(kind).await;
    let target = Target::new(&url::Url::parse(&format!("http://{addr}")).unwrap()).unwrap();
    let template = Arc::new(RequestTemplate::new("GET", "/x", vec![], &[], None).unwrap());
    let spec = PhaseSpec {
        name: "hostile".into(),
        model: Model::Open { rate: 20.0, max_connections: 64 },
        warmup: Duration::ZERO,
        duration: Some(duration),
        requests: None,
        request_timeout: timeout,
        abort: AbortRules::default(),
        keep_intervals: false,
    };
    run(&target, template, &spec, &Control::none()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_is_measured_at_the_timeout_not_as_fast() {
    let _serial = SERIAL.lock().await;
    let r = phase(Hostile::Silent, Duration::from_secs(2), Duration::from_millis(800)).await;
    assert_eq!(r.successes, 0, "{r:?}");
    assert_eq!(r.achieved_rate, 0.0, "failures are not throughput");
    assert!(r.errors.timeout > 0 && r.censored == r.errors.timeout, "{r:?}");
    assert!(r.latency.p99_ms >= 800.0, "a timeout counts at least its timeout: p99 {}", r.latency.p99_ms);
    assert!(r.latency.p50_ms >= 800.0, "every request timed out: p50 {}", r.latency.p50_ms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_body_is_a_timeout_at_its_censored_latency() {
    let _serial = SERIAL.lock().await;
    let r = phase(Hostile::Drip, Duration::from_secs(2), Duration::from_millis(800)).await;
    assert_eq!(r.successes, 0, "a body that never completes is no answer: {r:?}");
    assert!(r.errors.timeout > 0, "{r:?}");
    assert!(r.latency.p99_ms >= 800.0, "p99 {}", r.latency.p99_ms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_stop_the_phase_early_and_name_where_they_point() {
    let _serial = SERIAL.lock().await;
    let r = phase(Hostile::Redirect, Duration::from_secs(20), Duration::from_secs(2)).await;
    match &r.stop {
        StopReason::Aborted(why) => assert!(why.contains("first 20 answers") && why.contains("302"), "{why}"),
        other => panic!("expected an early stop, got {other:?}"),
    }
    assert!(r.measured_secs < 5.0, "stopped within seconds, not after 20: {}", r.measured_secs);
    assert_eq!(r.redirect.as_deref(), Some("https://sso.test/login"), "no query: it may hold a token");
    assert_eq!(r.successes, 0);
    assert_eq!(r.achieved_rate, 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_storm_stops_early() {
    let _serial = SERIAL.lock().await;
    let r = phase(Hostile::Unauthorized, Duration::from_secs(20), Duration::from_secs(2)).await;
    match &r.stop {
        StopReason::Aborted(why) => assert!(why.contains("401 ×"), "{why}"),
        other => panic!("expected an early stop, got {other:?}"),
    }
    assert_eq!(r.statuses.keys().copied().collect::<Vec<_>>(), vec![401]);
}
