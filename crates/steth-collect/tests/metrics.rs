//! The metrics collector against real servers on 127.0.0.1: an axum service whose query
//! histogram grows with each request it serves (and resets on `/restart`), and hostile ones
//! (an endless body, a 1 byte/s drip, garbage). Scrapes end bounded in bytes and time.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use steth_collect::load::Finish;
use steth_collect::metrics::{MAX_BODY, MetricsObserver, ScrapeError, Scraped, Scraper};
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{Endpoint, LoadPlan, MetricsTarget, Plan, Target};
use steth_core::evidence::{Evidence, Slot};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BOUNDS: [&str; 5] = ["0.01", "0.05", "0.1", "0.25", "+Inf"];

/// The service's books: per `query` label, observations per bucket (not cumulative) and sum.
#[derive(Default)]
struct Books {
    series: BTreeMap<&'static str, ([u64; 5], f64)>,
    requests: BTreeMap<&'static str, u64>,
    scrapes: u32,
}

type Shared = Arc<Mutex<Books>>;

impl Books {
    fn observe(&mut self, query: &'static str, secs: f64) {
        let slot = [0.01, 0.05, 0.1, 0.25].iter().position(|b| secs <= *b).unwrap_or(4);
        let (counts, sum) = self.series.entry(query).or_default();
        counts[slot] += 1;
        *sum += secs;
    }

    fn render(&self) -> String {
        let mut out = String::from("# HELP db_query_duration_seconds Statement time\n");
        out.push_str("# TYPE db_query_duration_seconds histogram\n");
        for (query, (counts, sum)) in &self.series {
            let mut cumulative = 0;
            for (le, n) in BOUNDS.iter().zip(counts) {
                cumulative += n;
                let _ = writeln!(out, "db_query_duration_seconds_bucket{{query=\"{query}\",le=\"{le}\"}} {cumulative}");
            }
            let _ = writeln!(out, "db_query_duration_seconds_sum{{query=\"{query}\"}} {sum}");
            let _ = writeln!(out, "db_query_duration_seconds_count{{query=\"{query}\"}} {cumulative}");
        }
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        out.push_str("http_request_duration_seconds_bucket{le=\"+Inf\"} 7\nhttp_request_duration_seconds_count 7\n");
        out
    }
}

/// A service whose `GET /fast` runs one 4 ms query, `GET /slow` one 4 ms and one 200 ms query
/// (observed, not slept), and `GET /restart` forgets every count, as a restarted process would.
async fn service() -> (String, Shared) {
    let books = Shared::default();
    let count = |path: &'static str, books: &Shared| {
        let mut b = books.lock().unwrap();
        *b.requests.entry(path).or_default() += 1;
    };
    let app = Router::new()
        .route(
            "/fast",
            get(move |State(b): State<Shared>| async move {
                count("/fast", &b);
                b.lock().unwrap().observe("select_product", 0.004);
            }),
        )
        .route(
            "/slow",
            get(move |State(b): State<Shared>| async move {
                count("/slow", &b);
                let mut books = b.lock().unwrap();
                books.observe("select_product", 0.004);
                books.observe("orders_summary", 0.2);
            }),
        )
        .route("/restart", get(|State(b): State<Shared>| async move { b.lock().unwrap().series.clear() }))
        .route("/metrics", get(|State(b): State<Shared>| async move { b.lock().unwrap().render() }))
        .route(
            "/metrics/flaky",
            get(|State(b): State<Shared>| async move {
                let mut books = b.lock().unwrap();
                books.scrapes += 1;
                match books.scrapes {
                    1 | 2 => Ok(books.render()),
                    _ => Err(axum::http::StatusCode::SERVICE_UNAVAILABLE),
                }
            }),
        )
        .route("/metrics/two", get(|| async { TWO_FAMILIES }))
        .route("/metrics/unitless", get(|| async { UNITLESS }))
        .with_state(books.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), books)
}

const TWO_FAMILIES: &str = "# TYPE db_query_duration_seconds histogram\n# TYPE cache_query_duration_ms histogram\n";
const UNITLESS: &str = "# TYPE db_query_duration histogram\ndb_query_duration_bucket{le=\"+Inf\"} 3\n";

fn endpoint(path: &str) -> Endpoint {
    Endpoint { public: true, ..Endpoint::new("GET", path) }
}

fn plan(base: &str, metrics_path: &str, paths: &[&str]) -> Plan {
    let url = |p: &str| url::Url::parse(&format!("{base}{p}")).expect("url");
    Plan {
        target: Some(Target { base_url: url("/"), serverless: false, timeout: Duration::from_secs(2), peak_rps: None }),
        endpoints: paths.iter().map(|p| endpoint(p)).collect(),
        metrics: Some(MetricsTarget::new(url(metrics_path))),
        load: LoadPlan {
            rate: 40.0,
            duration: Duration::from_secs(1),
            warmup: Duration::from_millis(100),
            baseline_rate: 10.0,
            baseline_duration: Duration::from_millis(300),
            ..LoadPlan::default()
        },
        ..Plan::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_phase_gets_its_histogram_delta_and_2_1_reads_it() {
    let (base, books) = service().await;
    let plan = plan(&base, "/metrics", &["/fast", "/slow", "/restart"]);
    let observer = MetricsObserver::connect(&plan).await.expect("[metrics] is set");
    let (_tx, stop) = tokio::sync::watch::channel(false);
    let load = steth_collect::load::run(&plan, &[&observer], None, stop).await;
    assert!(matches!(load, Slot::Collected { .. }), "{load:?}");
    let metrics = observer.finish().await;
    let Slot::Collected { data: Scraped { query_histogram: Slot::Collected { data: h }, .. } } = &metrics else {
        panic!("{metrics:?}")
    };
    assert_eq!((h.family.as_str(), h.unit.as_str(), h.configured), ("db_query_duration_seconds", "seconds", false));
    let phases: Vec<String> = h.windows.iter().map(|w| format!("{} {}", w.endpoint, w.phase)).collect();
    assert_eq!(phases.len(), 6, "{phases:?}");

    // Every request the service saw fell inside a window: the deltas add up exactly.
    let requests = books.lock().unwrap().requests.clone();
    let observed = |endpoint: &str| h.windows.iter().filter(|w| w.endpoint == endpoint).map(|w| w.count).sum::<u64>();
    assert_eq!(observed("GET /fast"), requests["/fast"]);
    assert_eq!(observed("GET /slow"), 2 * requests["/slow"]);
    let slow = h
        .windows
        .iter()
        .find(|w| w.endpoint == "GET /slow" && w.phase == steth_core::evidence::Phase::Normal)
        .expect("slow window");
    assert_eq!(slow.buckets.iter().map(|b| b.le_ms).collect::<Vec<_>>(), vec![10.0, 50.0, 100.0, 250.0]);
    assert_eq!(slow.buckets[2].count * 2, slow.count, "half the queries are 200 ms");
    assert!((slow.sum_ms - slow.count as f64 / 2.0 * 204.0).abs() < 1.0, "{}", slow.sum_ms);

    // The restart reset the counters inside GET /restart's first window.
    let restart = h
        .windows
        .iter()
        .find(|w| w.endpoint == "GET /restart" && w.phase == steth_core::evidence::Phase::Baseline)
        .expect("window");
    assert!(restart.incomplete.as_deref().is_some_and(|w| w.contains("went back")), "{restart:?}");

    let item = catalog::find("2.1").expect("2.1");
    let metrics = steth_collect::metrics::evidence(metrics, Slot::unavailable("no rule files"));
    let o = item.assess(&Evidence { metrics, ..Evidence::default() }, &item.default_threshold);
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert!(o.evidence.contains("GET /slow") && o.evidence.contains("method: service histogram"), "{o:?}");
    assert!(o.findings.iter().any(|f| f.starts_with("GET /fast: query p99 9.9 ms")), "{:?}", o.findings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failed_scrape_the_rest_are_skipped_not_retried() {
    let (base, books) = service().await;
    let plan = plan(&base, "/metrics/flaky", &["/fast", "/slow"]);
    let observer = MetricsObserver::connect(&plan).await.expect("[metrics] is set");
    let (_tx, stop) = tokio::sync::watch::channel(false);
    steth_collect::load::run(&plan, &[&observer], None, stop).await;
    // The connect scrape, the first phase's "before", and its failed "after": no more.
    assert_eq!(books.lock().unwrap().scrapes, 3);
    let Slot::Collected { data } = observer.finish().await else { panic!("the first scrape worked") };
    let Slot::Collected { data: h } = data.query_histogram else { panic!("{:?}", data.query_histogram) };
    let why: Vec<&str> = h.windows.iter().map(|w| w.incomplete.as_deref().unwrap_or("complete")).collect();
    assert_eq!(why.len(), 4, "{why:?}");
    assert!(why[0].ends_with("answered HTTP 503"), "{why:?}");
    assert!(why[1..].iter().all(|w| w.starts_with("not scraped after an earlier scrape failed")), "{why:?}");
}

#[tokio::test]
async fn the_family_is_detected_only_when_unambiguous_and_its_unit_never_guessed() {
    let (base, _) = service().await;
    let reason = |plan: Plan| async move {
        match MetricsObserver::connect(&plan).await.expect("[metrics] is set").finish().await {
            Slot::Collected { data } => match data.query_histogram {
                Slot::Unavailable { reason } => reason,
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    };
    let two = reason(plan(&base, "/metrics/two", &[])).await;
    assert!(two.contains("several query-duration histograms (`cache_query_duration_ms`, `db_query"), "{two}");
    assert!(two.contains("[metrics] query_histogram"), "{two}");
    let unitless = reason(plan(&base, "/metrics/unitless", &[])).await;
    assert!(unitless.contains("`db_query_duration` does not state its unit"), "{unitless}");
    let mut named = plan(&base, "/metrics/two", &[]);
    named.metrics.as_mut().expect("metrics").query_histogram = Some("cache_query_duration_ms".into());
    assert_eq!(reason(named).await, "no load phase ran, so no histogram window");
    let mut missing = plan(&base, "/metrics", &[]);
    missing.metrics.as_mut().expect("metrics").query_histogram = Some("sql_duration_seconds".into());
    assert!(reason(missing).await.contains("have no `sql_duration_seconds` histogram"));
}

/// How a hostile server answers after reading the request head.
#[derive(Clone, Copy)]
enum Hostility {
    /// 200 announcing 10 GB of metric lines, sent until the client leaves.
    EndlessBody,
    /// 200 announcing 1000 bytes, one per second.
    Drip,
    /// 200 with a body of bytes that are not exposition text.
    Garbage,
    /// 200 with a body that is not UTF-8.
    Binary,
    /// 404.
    NotFound,
}

async fn serve(mut stream: TcpStream, hostility: Hostility) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let (status, length, body): (&str, u64, &[u8]) = match hostility {
        Hostility::EndlessBody => ("200 OK", 10 << 30, b""),
        Hostility::Drip => ("200 OK", 1000, b""),
        Hostility::Garbage => ("200 OK", 23, b"up 1\n<<<%%% garbage >>>"),
        Hostility::Binary => ("200 OK", 6, b"up 1\n\xff"),
        Hostility::NotFound => ("404 Not Found", 0, b""),
    };
    let head = format!("HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {length}\r\n\r\n");
    if stream.write_all(head.as_bytes()).await.is_err() || stream.write_all(body).await.is_err() {
        return;
    }
    match hostility {
        Hostility::EndlessBody => {
            let chunk = "db_query_duration_seconds_bucket{le=\"+Inf\"} 1\n".repeat(1500);
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        }
        Hostility::Drip => {
            for _ in 0..1000 {
                if stream.write_all(b"#").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        _ => {}
    }
}

async fn hostile(hostility: Hostility) -> url::Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, hostility));
        }
    });
    url::Url::parse(&format!("http://{addr}/metrics")).expect("url")
}

async fn scrape(hostility: Hostility) -> (ScrapeError, Duration) {
    let scraper = Scraper::new(hostile(hostility).await, MAX_BODY, Duration::from_secs(1)).expect("client");
    let start = Instant::now();
    let error = scraper.scrape(|_| true).await.expect_err("a hostile scrape fails");
    (error, start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_body_stops_at_the_cap() {
    let (error, took) = scrape(Hostility::EndlessBody).await;
    assert!(matches!(error, ScrapeError::TooLarge { cap: MAX_BODY, .. }), "{error}");
    assert!(error.to_string().contains("more than 8388608 bytes"), "{error}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[tokio::test]
async fn a_drip_ends_at_the_deadline() {
    let (error, took) = scrape(Hostility::Drip).await;
    // The client's own timeout or the read deadline, whichever fires first: both at 1 s.
    assert!(error.to_string().contains("timed out"), "{error}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(3), "{took:?}");
    // The observer reports it as a failed source, once, and measures nothing more.
    let observer = MetricsObserver::with_scraper(
        "http://127.0.0.1/metrics".into(),
        Scraper::new(hostile(Hostility::Drip).await, MAX_BODY, Duration::from_millis(300)),
        None,
    )
    .await;
    match observer.finish().await {
        Slot::Failed { error } => assert!(error.contains("timed out"), "{error}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn garbage_non_text_and_errors_are_clear() {
    let (error, _) = scrape(Hostility::Garbage).await;
    assert!(error.to_string().contains("sent invalid Prometheus text: line 2: invalid metric name"), "{error}");
    let (error, _) = scrape(Hostility::Binary).await;
    assert!(error.to_string().contains("not UTF-8 text (invalid byte at offset 5)"), "{error}");
    let (error, _) = scrape(Hostility::NotFound).await;
    assert!(error.to_string().ends_with("answered HTTP 404"), "{error}");
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("addr");
    let url = url::Url::parse(&format!("http://{closed}/metrics")).expect("url");
    let error = Scraper::new(url, MAX_BODY, Duration::from_secs(1)).expect("client").scrape(|_| true).await;
    assert!(error.expect_err("nobody listens").to_string().contains("connection failed"));
}

/// A service counting its requests in `http_requests_total{method,route,status}`: `GET /a` and
/// `GET /b` by their route, `GET /raw` by a raw path (`/raw/7`), with a duration histogram, pool
/// gauges and cache counters. Returns its base URL and its own count per route.
async fn red_service() -> (String, Arc<Mutex<BTreeMap<String, u64>>>) {
    type Counts = Arc<Mutex<BTreeMap<String, u64>>>;
    let counts = Counts::default();
    let count = |route: &'static str| {
        move |State(c): State<Counts>| async move {
            *c.lock().unwrap().entry(route.to_string()).or_default() += 1;
        }
    };
    let render = |State(c): State<Counts>| async move {
        let mut out = String::from("# HELP http_requests_total Requests\n# TYPE http_requests_total counter\n");
        for (route, n) in c.lock().unwrap().iter() {
            let _ = writeln!(out, "http_requests_total{{method=\"GET\",route=\"{route}\",status=\"200\"}} {n}");
        }
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        out.push_str("http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"+Inf\"} 1\n");
        out.push_str("http_request_duration_seconds_count{method=\"GET\",route=\"/a\"} 1\n");
        out.push_str("# TYPE db_pool_connections gauge\n");
        for state in ["active", "idle", "waiting"] {
            let _ = writeln!(out, "db_pool_connections{{state=\"{state}\"}} 1");
        }
        out.push_str("# TYPE cache_requests_total counter\ncache_requests_total{result=\"hit\"} 0\n");
        out
    };
    let app = Router::new()
        .route("/a", get(count("/a")))
        .route("/b", get(count("/b")))
        .route("/raw", get(count("/raw/7")))
        .route("/metrics", get(render))
        .with_state(counts.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), counts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn families_are_listed_and_each_phase_gets_its_request_counter_growth() {
    let (base, counts) = red_service().await;
    let plan = plan(&base, "/metrics", &["/a", "/b", "/raw"]);
    let observer = MetricsObserver::connect(&plan).await.expect("[metrics] is set");
    let (_tx, stop) = tokio::sync::watch::channel(false);
    let load = steth_collect::load::run(&plan, &[&observer], None, stop).await;
    assert!(matches!(load, Slot::Collected { .. }), "{load:?}");
    let metrics = observer.finish().await;
    let Slot::Collected { data: m } = &metrics else { panic!("{metrics:?}") };

    // The first scrape had no request series yet; later ones fill in the counter's labels.
    let families = m.families.get().expect("families");
    let names: Vec<&str> = families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["cache_requests_total", "db_pool_connections", "http_request_duration_seconds", "http_requests_total"]
    );
    let counter = &families[3];
    assert_eq!((counter.kind.as_str(), counter.series), ("counter", 3));
    assert_eq!(counter.labels, ["method", "route", "status"]);
    assert_eq!(counter.values["route"], ["/a", "/b", "/raw/7"]);
    assert_eq!(families[1].values["state"], ["active", "idle", "waiting"]);
    assert_eq!(families[2].kind, "histogram");

    // Every request the service counted fell inside its endpoint's windows, and each window's
    // estimate of what was sent (warm-up included) is within one request of it.
    let requests = m.requests.get().expect("request windows");
    assert_eq!(requests.family, "http_requests_total");
    assert_eq!(requests.windows.len(), 6, "{:?}", requests.windows);
    let served = counts.lock().unwrap().clone();
    for (endpoint, route) in [("GET /a", "/a"), ("GET /b", "/b")] {
        let windows: Vec<_> = requests.windows.iter().filter(|w| w.endpoint == endpoint).collect();
        let counted: f64 = windows.iter().map(|w| w.counted).sum();
        assert_eq!(counted, served[route] as f64, "{windows:?}");
        for w in windows {
            assert!(w.incomplete.is_none() && (w.counted - w.sent as f64).abs() <= 1.0, "{w:?}");
        }
    }
    // GET /raw's requests grew a series under another route: counted nowhere, named.
    let raw: Vec<_> = requests.windows.iter().filter(|w| w.endpoint == "GET /raw").collect();
    assert!(raw.iter().all(|w| w.counted == 0.0 && w.elsewhere > 0.0), "{raw:?}");
    let named = raw[1].largest_elsewhere.as_deref();
    assert_eq!(named, Some("method=\"GET\", route=\"/raw/7\", status=\"200\""));

    let metrics = steth_collect::metrics::evidence(metrics, Slot::unavailable("no rule files"));
    let evidence = Evidence { metrics, ..Evidence::default() };
    let assess = |id: &str| {
        let item = catalog::find(id).expect("item");
        item.assess(&evidence, &item.default_threshold)
    };
    let red = assess("5.2");
    assert_eq!(red.status, Status::Fail, "{red:?}");
    assert!(red.evidence.starts_with("GET /raw ("), "{red:?}");
    assert_eq!(assess("4.7").status, Status::Pass);
    assert_eq!(assess("5.7").status, Status::Fail);
    assert_eq!(assess("5.8").measured.as_deref(), Some("missing: misses"));
}
