//! The engine against local servers with planted delays: percentiles, coordinated omission,
//! rate accuracy, stop conditions and safety bounds.

mod support;

use std::sync::Arc;
use std::time::Duration;
use steth_load::{AbortRules, Control, Model, PhaseReport, PhaseSpec, RequestTemplate, StopReason, Target, run};
use support::{Behaviour, serve};

/// Timing tests run one at a time: on a two-core machine, parallel load phases would
/// measure each other.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn spec(model: Model, duration: Option<Duration>, requests: Option<u64>) -> PhaseSpec {
    PhaseSpec {
        name: "test".into(),
        model,
        warmup: Duration::ZERO,
        duration,
        requests,
        request_timeout: Duration::from_secs(5),
        abort: AbortRules::default(),
        keep_intervals: true,
    }
}

async fn phase(behaviour: Behaviour, spec: &PhaseSpec) -> PhaseReport {
    let addr = serve(behaviour).await;
    let target = Target::new(&url::Url::parse(&format!("http://{addr}")).unwrap()).unwrap();
    let template = Arc::new(RequestTemplate::new("GET", "/x", vec![], &[], None).unwrap());
    run(&target, template, spec, &Control::none()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percentiles_match_a_planted_ten_percent_100ms_tail() {
    let _serial = SERIAL.lock().await;
    let b: Behaviour = Arc::new(|n, _| (200, if n % 10 == 9 { Duration::from_millis(100) } else { Duration::ZERO }));
    let (addr, realized) = support::serve_recording(b).await;
    let target = Target::new(&url::Url::parse(&format!("http://{addr}")).unwrap()).unwrap();
    let template = Arc::new(RequestTemplate::new("GET", "/x", vec![], &[], None).unwrap());
    let r = run(
        &target,
        template,
        &spec(Model::Closed { connections: 8 }, Some(Duration::from_secs(3)), None),
        &Control::none(),
    )
    .await;
    assert_eq!(r.stop, StopReason::Completed);
    assert!(r.requests > 500, "{r:?}");
    let planted = realized.lock().unwrap().clone();
    assert!(r.latency.p50_ms < 2.0, "p50 {} should be the fast 90 %", r.latency.p50_ms);
    for (name, q, p) in [("p95", 0.95, r.latency.p95_ms), ("p99", 0.99, r.latency.p99_ms)] {
        let want = planted.value_at_quantile(q) as f64 / 1000.0;
        assert!((99.9..=105.0).contains(&want), "the server planted {want} ms at {name}");
        let tolerance = want * 0.001 + 2.0;
        assert!(
            p >= want - want * 0.001 && p <= want + tolerance,
            "{name} {p} ms vs planted {want} ms (HDR precision + 2 ms)"
        );
    }
    assert_eq!(r.errors.total(), 0);
    assert!(r.server_timing.iter().any(|t| t.name == "db" && (t.mean_ms - 1.5).abs() < 1e-9));
    assert!(r.requests_per_connection() > 50.0, "keep-alive reuses connections: {}", r.requests_per_connection());
}

/// The server stalls every request for one second, two seconds into the run.
fn stall() -> Behaviour {
    Arc::new(|_, since| {
        let (from, to) = (Duration::from_secs(2), Duration::from_secs(3));
        (200, if since >= from && since < to { to - since } else { Duration::ZERO })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_reports_a_stall_in_p99_while_closed_model_shows_it_only_in_max() {
    let _serial = SERIAL.lock().await;
    let open =
        phase(stall(), &spec(Model::Open { rate: 200.0, max_connections: 512 }, Some(Duration::from_secs(6)), None))
            .await;
    assert!(
        (0.85..=1.15).contains(&(open.latency.p99_ms / 1000.0)),
        "open p99 {} ms should be ≈ 1 s",
        open.latency.p99_ms
    );
    let closed = phase(stall(), &spec(Model::Closed { connections: 4 }, Some(Duration::from_secs(6)), None)).await;
    assert!(closed.latency.max_ms >= 900.0, "closed max {} ms should show the stall", closed.latency.max_ms);
    assert!(
        closed.latency.p99_ms < 50.0,
        "closed p99 {} ms hides the stall (coordinated omission)",
        closed.latency.p99_ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_achieves_500_per_second_within_1_percent() {
    let _serial = SERIAL.lock().await;
    let b: Behaviour = Arc::new(|_, _| (200, Duration::ZERO));
    let r =
        phase(b, &spec(Model::Open { rate: 500.0, max_connections: 64 }, Some(Duration::from_secs(10)), None)).await;
    let off = (r.achieved_rate - 500.0).abs() / 500.0;
    assert!(off < 0.01, "achieved {} req/s", r.achieved_rate);
    assert!(!r.behind_schedule);
    assert_eq!(r.target_rate, Some(500.0));
    // The schedule itself adds almost nothing: latency from the intended send time stays
    // close to the time to first byte measured from the actual send.
    assert!(r.latency.p50_ms - r.ttfb.p50_ms < 0.5, "latency p50 {} vs ttfb p50 {}", r.latency.p50_ms, r.ttfb.p50_ms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_count_bounds_the_phase() {
    let _serial = SERIAL.lock().await;
    let b: Behaviour = Arc::new(|_, _| (200, Duration::ZERO));
    let r = phase(b, &spec(Model::Closed { connections: 3 }, None, Some(250))).await;
    assert_eq!(r.requests, 250);
    assert_eq!(r.statuses.get(&200), Some(&250));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_target_aborts_the_phase() {
    let _serial = SERIAL.lock().await;
    let b: Behaviour = Arc::new(|_, _| (500, Duration::ZERO));
    let r = phase(b, &spec(Model::Closed { connections: 2 }, Some(Duration::from_secs(30)), None)).await;
    match &r.stop {
        StopReason::Aborted(why) => assert!(why.contains("500 ×20"), "{why}"),
        other => panic!("expected an abort, got {other:?}"),
    }
    assert!(r.measured_secs < 5.0, "aborted within seconds, not after 30: {}", r.measured_secs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_gives_connect_errors_and_an_abort() {
    let _serial = SERIAL.lock().await;
    let target = Target::new(&url::Url::parse("http://127.0.0.1:9").unwrap()).unwrap();
    let template = Arc::new(RequestTemplate::new("GET", "/", vec![], &[], None).unwrap());
    let r = run(
        &target,
        template,
        &spec(Model::Closed { connections: 2 }, Some(Duration::from_secs(30)), None),
        &Control::none(),
    )
    .await;
    assert!(r.errors.connect > 0);
    assert!(matches!(r.stop, StopReason::Aborted(_)), "{:?}", r.stop);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warmup_is_excluded_and_interruption_keeps_what_was_measured() {
    let _serial = SERIAL.lock().await;
    let b: Behaviour = Arc::new(|_, _| (200, Duration::from_millis(1)));
    let addr = serve(b).await;
    let target = Target::new(&url::Url::parse(&format!("http://{addr}")).unwrap()).unwrap();
    let template = Arc::new(RequestTemplate::new("GET", "/", vec![], &[], None).unwrap());
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut s = spec(Model::Open { rate: 100.0, max_connections: 8 }, Some(Duration::from_secs(60)), None);
    s.warmup = Duration::from_secs(1);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let _ = tx.send(true);
    });
    let r = run(&target, template, &s, &Control::new(rx, None)).await;
    assert_eq!(r.stop, StopReason::Interrupted);
    // 1.5 s measured at 100 req/s: the warm-up second is not in the count.
    assert!((100..=200).contains(&r.requests), "{} requests", r.requests);
    assert!(!r.intervals.is_empty());
}
