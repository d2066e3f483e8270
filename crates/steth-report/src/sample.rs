//! The one sample report every renderer test draws, covering every outcome kind.

use steth_core::catalog;
use steth_core::evidence::SlotState;
use steth_core::evidence::{EndpointLoad, Evidence, LoadEvidence, LoadSettings, Percentiles, PhaseResult, Slot};
use steth_core::outcome::{EndpointVerdict, Outcome, Status};
use steth_core::policy::Assessed;
use steth_core::report::{Report, Run, SourceState};

fn assessed(id: &str, outcome: Outcome) -> Assessed {
    let item = catalog::find(id).expect("sample ids exist");
    Assessed { item, threshold: item.default_threshold.clone(), outcome }
}

/// A report with pass, fail, warn, not assessed, error, attested and n/a items.
pub fn sample() -> Report {
    let items = vec![
        assessed(
            "1.1",
            Outcome::pass("p99 143 ms (GET /products)", "3 read endpoints at 50 req/s").with_endpoints(vec![
                EndpointVerdict {
                    endpoint: "GET /products".into(),
                    status: Status::Pass,
                    target_ms: 200.0,
                    cause: None,
                    long_running: false,
                },
            ]),
        ),
        assessed("1.4", Outcome::warn("p99/p50 3.7× (GET /orders)", "within 10 % of the threshold")),
        assessed(
            "2.2",
            Outcome::fail("4/5 foreign keys indexed", "1 foreign key(s) without a supporting index, e.g. public.order_items(product_id)")
                .with_findings(["public.order_items (product_id) → public.products: CREATE INDEX CONCURRENTLY order_items_product_id_idx ON public.order_items (product_id);".to_string()])
                .with_excess(1.2),
        ),
        assessed("2.5", Outcome::fail("statement_timeout = 0 (disabled)", "queries may run forever for role shop in database shop (set at the server level)")),
        assessed("2.6", Outcome::pass("log_min_duration_statement = 100 ms", "statements slower than 100 ms are logged in database shop (set at the database level)")),
        assessed("3.1", Outcome::not_assessed("no collector yet")),
        assessed("4.10", Outcome::not_applicable("declared n/a: not serverless")),
        assessed("6.8", Outcome::error("connection failed: Connection refused (os error 111)")),
        assessed("7.6", Outcome::attested("attested: blue/green via Argo Rollouts, runbook §3")),
        assessed(
            "6.9",
            Outcome::fail("2 missing or weak header(s)", "2 responses checked; HSTS not assessed: target is not HTTPS")
                .with_findings(["GET /: Content-Security-Policy missing".to_string(), "GET /products: Content-Security-Policy missing".to_string()])
                .with_excess(2.0),
        ),
    ];
    let run = Run {
        started_at: "2026-11-25T10:00:00Z".into(),
        duration_ms: 4210,
        target: Some("http://127.0.0.1:8080/".into()),
        config: Some("stethoscope.toml".into()),
        selection: Some("--only 1.1,1.4,2.2,2.5,2.6,3.1,4.10,6.8,6.9,7.6".into()),
        sources: vec![
            SourceState { name: "http".into(), state: SlotState::Collected, detail: "http://127.0.0.1:8080/".into() },
            SourceState {
                name: "pg".into(),
                state: SlotState::Collected,
                detail: "postgresql://shop:***@127.0.0.1:5432/shop".into(),
            },
        ],
    };
    let extended = vec![
        assessed(
            "X.1",
            Outcome::fail("uncompressed", "20000 bytes sent uncompressed although gzip and br were offered"),
        ),
        assessed(
            "X.4",
            Outcome::pass(
                "fewest 100.0 requests per connection (GET /products)",
                "2 endpoint(s) keep connections alive",
            ),
        ),
    ];
    Report::build(run, &items, Some(load_evidence())).with_extended(&extended)
}

fn phase(p50: f64, p95: f64, p99: f64, failures: u64) -> PhaseResult {
    PhaseResult {
        phase: steth_core::evidence::Phase::Normal,
        model: "open".into(),
        target_rate: Some(20.0),
        achieved_rate: 20.0,
        behind_schedule: false,
        measured_secs: 10.0,
        requests: 200,
        failures,
        statuses: [(200, 200 - failures)].into_iter().collect(),
        errors: Default::default(),
        latency: Percentiles {
            p50_ms: p50,
            p75_ms: p50,
            p90_ms: p95,
            p95_ms: p95,
            p99_ms: p99,
            p999_ms: p99,
            max_ms: p99,
            mean_ms: p50,
        },
        censored: 0,
        generator_stall_p99_ms: None,
        redirect: None,
        connect_mean_ms: 0.2,
        tls_mean_ms: None,
        ttfb_mean_ms: p50 - 0.1,
        transfer_mean_ms: 0.1,
        server_timing: [("db".to_string(), 1.5)].into_iter().collect(),
        requests_per_connection: 100.0,
        http_version: "HTTP/1.1".into(),
        stopped: None,
    }
}

fn load_evidence() -> Evidence {
    let endpoint = |name: &str, kind: &str, p: PhaseResult| EndpointLoad {
        name: name.into(),
        method: name.split(' ').next().unwrap_or_default().into(),
        path: name.split(' ').nth(1).unwrap_or_default().into(),
        kind: steth_core::evidence::EndpointKind::parse(kind).expect("an endpoint kind"),
        identity: None,
        identity_logs_in: false,
        phases: vec![p],
    };
    let load = LoadEvidence {
        settings: LoadSettings {
            rate: 20.0,
            duration_secs: 10.0,
            warmup_secs: 1.0,
            baseline_rate: 2.0,
            stress_factor: None,
            soak_secs: None,
            abort_bounds: "abort when more than 50 % of at least 20 requests fail within 10 s".into(),
        },
        endpoints: vec![
            endpoint("GET /products", "read", phase(2.1, 4.0, 143.0, 0)),
            endpoint("POST /orders", "write", phase(12.0, 40.0, 480.0, 2)),
        ],
        ..LoadEvidence::default()
    };
    Evidence { load: Slot::collected(load), ..Evidence::default() }
}
