//! The one evidence builder and assertion helper the item tests share.

use super::Item;
use crate::evidence::{Evidence, HttpEvidence, PgEvidence, PgSchema, PgSettings, PgWorkload, PhaseWindow, Slot};
use crate::outcome::{Outcome, Status};
use crate::threshold::Threshold;

/// HTTP evidence with every probe unavailable; tests fill the probe they exercise.
pub fn http(https: bool) -> HttpEvidence {
    HttpEvidence {
        base_url: if https { "https://api.test".into() } else { "http://api.test".into() },
        https,
        headers: Slot::unavailable("not probed"),
        cors: Slot::unavailable("not probed"),
        health: Slot::unavailable("not probed"),
        logins: Vec::new(),
        body_limit: Slot::unavailable("not probed"),
        authentication: Slot::unavailable("not probed"),
        authorization: Slot::unavailable("not probed"),
        rate_limit: Slot::unavailable("not probed"),
        login_rate_limit: Slot::unavailable("not probed"),
        input_validation: Slot::unavailable("not probed"),
        tracing: Slot::unavailable("not probed"),
        request_ids: Slot::unavailable("not probed"),
        pagination: Slot::unavailable("not probed"),
        huge_pages: Slot::unavailable("not probed"),
        compression: Slot::unavailable("not probed"),
        conditional: Slot::unavailable("not probed"),
        idempotency: Slot::unavailable("not probed"),
    }
}

/// PostgreSQL evidence with an empty schema and default settings.
pub fn pg() -> PgEvidence {
    PgEvidence {
        server_version: "15.19".into(),
        database: "shop".into(),
        app_role: "shop".into(),
        app_role_assumed: false,
        schema: Slot::collected(PgSchema::default()),
        settings: Slot::collected(PgSettings::default()),
        workload: Slot::unavailable("no load phases ran"),
        activity: Slot::unavailable("not sampled"),
        index_bloat: Slot::unavailable("not read"),
        plans: Slot::unavailable("no load phases ran"),
        cores: None,
        serverless: false,
        pooler: Slot::unavailable("not serverless"),
        scan_totals: Slot::unavailable("not read"),
        bloat_estimate: Slot::unavailable("not read"),
        statement_totals: Slot::unavailable("not read"),
        peak_rps: None,
    }
}

/// A window of one endpoint's phase with `requests` sent and empty counters.
pub fn window(endpoint: &str, phase: &str, requests: u64) -> PhaseWindow {
    PhaseWindow {
        endpoint: endpoint.into(),
        phase: phase.into(),
        requests,
        secs: 2.0,
        statements: Slot::collected(Default::default()),
        tables: Slot::collected(Vec::new()),
        new_sessions: Slot::collected(0),
    }
}

/// A session of the service in `state` for `state_secs`.
pub fn session(state: &str, state_secs: f64) -> crate::evidence::AppSession {
    crate::evidence::AppSession {
        pid: 4242,
        application_name: "shop".into(),
        state: state.into(),
        age_secs: state_secs + 1.0,
        state_secs,
        query: "SELECT 1".into(),
        current: false,
    }
}

/// Evidence holding PostgreSQL evidence whose workload is the given windows.
pub fn with_windows(windows: Vec<PhaseWindow>) -> Evidence {
    let mut p = pg();
    p.workload = Slot::collected(PgWorkload { windows });
    with_pg(p)
}

/// Evidence holding only the given HTTP evidence.
pub fn with_http(http: HttpEvidence) -> Evidence {
    Evidence { http: Slot::collected(http), ..Evidence::default() }
}

/// Evidence holding only the given PostgreSQL evidence.
pub fn with_pg(pg: PgEvidence) -> Evidence {
    Evidence { pg: Slot::collected(pg), ..Evidence::default() }
}

/// A normal-load window of the service's query histogram: `(le ms, cumulative count)` pairs,
/// `count` observations in all, each 10 ms on average.
pub fn histogram_window(endpoint: &str, buckets: &[(f64, u64)], count: u64) -> crate::evidence::HistogramWindow {
    crate::evidence::HistogramWindow {
        endpoint: endpoint.into(),
        phase: "normal".into(),
        buckets: buckets.iter().map(|&(le_ms, count)| crate::evidence::Bucket { le_ms, count }).collect(),
        count,
        sum_ms: count as f64 * 10.0,
        incomplete: None,
    }
}

/// `evidence` with the service's `db_query_duration_seconds` histogram windows added.
pub fn with_histogram(mut evidence: Evidence, windows: Vec<crate::evidence::HistogramWindow>) -> Evidence {
    use crate::evidence::{MetricsEvidence, QueryHistogram};
    let family = "db_query_duration_seconds".into();
    let histogram = QueryHistogram { family, unit: "seconds".into(), configured: false, windows };
    let query_histogram = Slot::collected(histogram);
    let metrics = MetricsEvidence { url: "http://api.test/metrics".into(), query_histogram, ..Default::default() };
    evidence.metrics = Slot::collected(metrics);
    evidence
}

/// Assesses the item with its default threshold and asserts the status.
#[track_caller]
pub fn expect(item: &Item, evidence: &Evidence, status: Status) -> Outcome {
    expect_with(item, evidence, &item.default_threshold, status)
}

/// Assesses the item with the given threshold and asserts the status.
#[track_caller]
pub fn expect_with(item: &Item, evidence: &Evidence, threshold: &Threshold, status: Status) -> Outcome {
    let outcome = item.assess(evidence, threshold);
    assert_eq!(outcome.status, status, "{} gave {:?}", item.id, outcome);
    outcome
}

/// One probe exchange: `status` None means no answer came.
pub fn exchange(endpoint: &str, case: &str, status: Option<u16>) -> crate::evidence::Exchange {
    crate::evidence::Exchange {
        endpoint: endpoint.into(),
        case: case.into(),
        status,
        error: status.is_none().then(|| "timed out".into()),
    }
}

/// Load evidence with one normal phase per `(name, kind, p50 ms, p99 ms)`.
pub fn with_load(endpoints: &[(&str, &str, f64, f64)]) -> Evidence {
    use crate::evidence::{EndpointLoad, LoadEvidence, Percentiles, PhaseResult};
    let endpoints = endpoints
        .iter()
        .map(|(name, kind, p50, p99)| EndpointLoad {
            name: name.to_string(),
            method: name.split(' ').next().unwrap_or("GET").to_string(),
            path: name.split(' ').nth(1).unwrap_or("/").to_string(),
            kind: kind.to_string(),
            p99_budget_ms: None,
            phases: vec![PhaseResult {
                phase: "normal".into(),
                model: "open".into(),
                target_rate: Some(20.0),
                achieved_rate: 20.0,
                behind_schedule: false,
                measured_secs: 10.0,
                requests: 200,
                failures: 0,
                statuses: [(200, 200)].into_iter().collect(),
                errors: Default::default(),
                latency: Percentiles {
                    p50_ms: *p50,
                    p75_ms: *p50,
                    p90_ms: *p50,
                    p95_ms: *p99,
                    p99_ms: *p99,
                    p999_ms: *p99,
                    max_ms: *p99,
                    mean_ms: *p50,
                },
                connect_mean_ms: 0.1,
                tls_mean_ms: None,
                ttfb_mean_ms: *p50,
                transfer_mean_ms: 0.01,
                server_timing: Default::default(),
                requests_per_connection: 100.0,
                http_version: "HTTP/1.1".into(),
                stopped: None,
            }],
        })
        .collect();
    Evidence { load: Slot::collected(LoadEvidence { endpoints, ..LoadEvidence::default() }), ..Evidence::default() }
}

/// Redis evidence of a healthy cache: 100 keys all with a TTL, allkeys-lru under 256 MiB, no
/// evictions, nothing sampled or probed; tests change what they exercise.
pub fn redis() -> crate::evidence::RedisEvidence {
    use crate::evidence::{KeySample, RedisCounters, RedisEvidence, RedisMemory};
    let counters = RedisCounters {
        keyspace_hits: 900,
        keyspace_misses: 100,
        uptime_secs: 3600,
        keys: 100,
        expires: 100,
        ..RedisCounters::default()
    };
    RedisEvidence {
        server_version: "7.0.15".into(),
        cluster: false,
        key_pattern: None,
        start: counters,
        end: Slot::collected(RedisCounters { uptime_secs: 3660, ..counters }),
        memory: Slot::collected(RedisMemory {
            maxmemory: 256 << 20,
            policy: "allkeys-lru".into(),
            source: "CONFIG GET".into(),
        }),
        phases: Slot::unavailable("no load phase ran"),
        sample: Slot::collected(KeySample { delimiter: ":".into(), ..KeySample::default() }),
        stampede: Slot::unavailable("active tests are off"),
        negative: Slot::unavailable("active tests are off"),
    }
}

/// Evidence holding only the given Redis evidence.
pub fn with_redis(redis: crate::evidence::RedisEvidence) -> Evidence {
    Evidence { redis: Slot::collected(redis), ..Evidence::default() }
}

/// A burst of `sent` requests that met its first 429 after `first_429_after` (with a
/// `Retry-After`), `errors` of them without an answer.
pub fn burst(request: &str, sent: u32, first_429_after: Option<u32>, errors: u32) -> crate::evidence::BurstProbe {
    crate::evidence::BurstProbe {
        request: request.into(),
        max_requests: 200,
        window_ms: 10_000,
        sent,
        first_429_after,
        elapsed_ms: 800,
        statuses: vec![(200, sent - errors - u32::from(first_429_after.is_some()))],
        errors,
        last_error: (errors > 0).then(|| "connection refused".into()),
        limit_headers: if first_429_after.is_some() { vec![("retry-after".into(), "1".into())] } else { vec![] },
    }
}

/// PostgreSQL evidence whose activity samples saw these sessions over `observed_secs`.
pub fn with_activity(sessions: Vec<crate::evidence::AppSession>, observed_secs: f64) -> Evidence {
    let mut p = pg();
    let mut pids: Vec<i32> = sessions.iter().map(|s| s.pid).collect();
    pids.sort_unstable();
    pids.dedup();
    let peak_sessions = pids.len() as u32;
    p.activity = Slot::collected(crate::evidence::PgActivity {
        sessions,
        observed_secs,
        samples: 30,
        peak_sessions,
        peak_at: "after normal GET /a".into(),
        watched_after_secs: 0.0,
        watch_bound_secs: 60.0,
    });
    with_pg(p)
}

/// A metric family: `(label, values)` pairs, one series per value of the first label.
pub fn family(name: &str, kind: &str, labels: &[(&str, &[&str])]) -> crate::evidence::MetricFamily {
    crate::evidence::MetricFamily {
        name: name.into(),
        kind: kind.into(),
        labels: labels.iter().map(|(l, _)| l.to_string()).collect(),
        values: labels
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(l, v)| (l.to_string(), v.iter().map(|v| v.to_string()).collect()))
            .collect(),
        series: labels.first().map_or(1, |(_, v)| v.len().max(1) as u64),
    }
}

/// Evidence whose metrics scrape exposed `families` and, when given, the request counter's
/// windows.
pub fn with_families(
    families: Vec<crate::evidence::MetricFamily>,
    requests: Option<Vec<crate::evidence::RequestWindow>>,
) -> Evidence {
    use crate::evidence::{MetricsEvidence, RequestCounting};
    let requests = match requests {
        Some(windows) => Slot::collected(RequestCounting { family: "http_requests_total".into(), windows }),
        None => Slot::unavailable("no load phase ran, so the request counter was not watched"),
    };
    let metrics = MetricsEvidence {
        url: "http://api.test/metrics".into(),
        query_histogram: Slot::unavailable("not read"),
        families: Slot::collected(families),
        requests,
    };
    Evidence { metrics: Slot::collected(metrics), ..Evidence::default() }
}

/// A request-counter window: `sent` requests, `counted` of them by the endpoint's series.
pub fn request_window(endpoint: &str, sent: u64, counted: f64) -> crate::evidence::RequestWindow {
    let (method, route) = endpoint.split_once(' ').unwrap_or(("GET", endpoint));
    crate::evidence::RequestWindow {
        endpoint: endpoint.into(),
        phase: "normal".into(),
        method: method.into(),
        route: route.into(),
        sent,
        counted,
        elsewhere: 0.0,
        largest_elsewhere: None,
        incomplete: None,
    }
}
