//! The one evidence builder and assertion helper the item tests share.

use super::Item;
use crate::evidence::Phase;
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
        writes: Vec::new(),
        api_docs: Slot::unavailable("not probed"),
        login_enumeration: Slot::unavailable("not probed"),
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
        pooler: Slot::unavailable("not serverless"),
        scan_totals: Slot::unavailable("not read"),
        bloat_estimate: Slot::unavailable("not read"),
        replication: Slot::unavailable("not read"),
        statement_totals: Slot::unavailable("not read"),
    }
}

/// A window of one endpoint's phase with `requests` sent and empty counters.
pub fn window(endpoint: &str, phase: &str, requests: u64) -> PhaseWindow {
    PhaseWindow {
        endpoint: endpoint.into(),
        phase: crate::evidence::Phase::parse(phase).expect("a phase word"),
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

/// `evidence` with the config declaring `facts`.
pub fn with_declared(mut evidence: Evidence, facts: crate::evidence::Declared) -> Evidence {
    evidence.config = Slot::collected(facts);
    evidence
}

/// `evidence` with the config declaring a p99 budget of `ms` on `endpoint` (other facts unset).
pub fn with_budget(evidence: Evidence, endpoint: &str, ms: f64) -> Evidence {
    let endpoints = vec![crate::evidence::DeclaredEndpoint { name: endpoint.into(), p99_budget_ms: Some(ms) }];
    with_declared(evidence, crate::evidence::Declared { endpoints, ..Default::default() })
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
        phase: Phase::Normal,
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

/// Evidence holding alert rules read from rule files, and the service's scraped families
/// when `families` is given.
pub fn with_alerts(
    alerts: Vec<crate::evidence::AlertRule>,
    problems: Vec<crate::evidence::RuleProblem>,
    families: Option<&[&str]>,
) -> Evidence {
    use crate::evidence::{AlertRules, MetricFamily, MetricsEvidence};
    let rules = AlertRules { read: vec!["ops/alerts.yml".into()], alerts, problems };
    let families = match families {
        Some(names) => Slot::collected(
            names
                .iter()
                .map(|n| MetricFamily {
                    name: n.to_string(),
                    kind: "counter".into(),
                    labels: Vec::new(),
                    values: Default::default(),
                    series: 1,
                })
                .collect(),
        ),
        None => Slot::unavailable("no [metrics] url"),
    };
    let metrics = MetricsEvidence { families, rules: Slot::collected(rules), ..Default::default() };
    Evidence { metrics: Slot::collected(metrics), ..Evidence::default() }
}

/// One numeric item's override case: evidence whose verdict is `default` under the item's
/// default threshold and `overridden` under `value`, an override as the config writes it.
pub struct OverrideCase {
    /// The item.
    pub item: &'static Item,
    /// Evidence whose verdict the override moves.
    pub evidence: Evidence,
    /// The override, as `[thresholds]` writes it (`"100ms"`, `"90%"`, `"1"`).
    pub value: &'static str,
    /// The verdict under the default threshold.
    pub default: Status,
    /// The verdict under the override.
    pub overridden: Status,
}

impl OverrideCase {
    /// A case: `evidence` gives `default`, and `overridden` once `value` is configured.
    pub fn new(
        item: &'static Item,
        evidence: Evidence,
        value: &'static str,
        default: Status,
        overridden: Status,
    ) -> Self {
        OverrideCase { item, evidence, value, default, overridden }
    }

    /// Asserts both verdicts (each through `expect_with`, so the blanked-sources and strictest
    /// threshold checks run too) and that they differ.
    #[track_caller]
    pub fn check(&self) {
        assert_ne!(self.default, self.overridden, "{}: an override case must move the verdict", self.item.id);
        expect_with(self.item, &self.evidence, &self.item.default_threshold, self.default);
        let t = self.item.default_threshold.with_override(self.value).expect("a valid override");
        expect_with(self.item, &self.evidence, &t, self.overridden);
    }
}

/// Items that may pass without their threshold deciding, and why. Every other numeric item is
/// checked on each passing test: under its strictest threshold it must not pass.
const THRESHOLD_FREE_PASSES: &[(&str, &str)] = &[
    ("1.4", "a tail whose p99 stays under 50 ms is immaterial whatever the ratio"),
    ("1.6", "the threshold sizes the probe's body; an early refusal passes"),
    ("2.6", "a limit of 0 logs every statement, which meets any limit"),
    ("2.8", "indexes under 1 MiB are not judged"),
    ("3.6", "zero statements for the burst meets any count"),
    ("8.8", "a refused oversized page passes whatever the cap"),
];

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
    // An item sees only the sources it declares: with every other slot blanked, the verdict
    // must not move, or `--only` would not collect what the item reads.
    let declared = item.assess(&evidence.only(item.sources), threshold);
    assert_eq!(declared, outcome, "{} reads evidence of a source it does not declare ({:?})", item.id, item.sources);
    // A pass must come from comparing the measurement with the threshold used: under the
    // strictest threshold of the same kind, which no real measurement meets, it cannot pass.
    if outcome.status == Status::Pass
        && !THRESHOLD_FREE_PASSES.iter().any(|(id, _)| *id == item.id)
        && let Some(strict) = threshold.strictest()
    {
        let strict_outcome = item.assess(evidence, &strict);
        assert_ne!(
            strict_outcome.status,
            Status::Pass,
            "{} still passes under threshold {strict}: it ignores its configured limit ({strict_outcome:?})",
            item.id
        );
    }
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
            kind: crate::evidence::EndpointKind::parse(kind).expect("an endpoint kind"),
            identity: None,
            identity_logs_in: false,
            phases: vec![PhaseResult {
                phase: Phase::Normal,
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
                censored: 0,
                generator_stall_p99_ms: None,
                redirect: None,
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

/// The same evidence with every load phase having seen the load generator's own timer wake
/// `stall_ms` late at its p99 (an overloaded host).
pub fn with_stall(mut evidence: Evidence, stall_ms: f64) -> Evidence {
    if let Slot::Collected { data } = &mut evidence.load {
        for p in data.endpoints.iter_mut().flat_map(|e| e.phases.iter_mut()) {
            p.generator_stall_p99_ms = Some(stall_ms);
        }
    }
    evidence
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
        sent_body: None,
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
        rules: Slot::unavailable("no rule files"),
    };
    Evidence { metrics: Slot::collected(metrics), ..Evidence::default() }
}

/// A request-counter window: `sent` requests, `counted` of them by the endpoint's series.
pub fn request_window(endpoint: &str, sent: u64, counted: f64) -> crate::evidence::RequestWindow {
    let (method, route) = endpoint.split_once(' ').unwrap_or(("GET", endpoint));
    crate::evidence::RequestWindow {
        endpoint: endpoint.into(),
        phase: Phase::Normal,
        method: method.into(),
        route: route.into(),
        sent,
        counted,
        elsewhere: 0.0,
        largest_elsewhere: None,
        incomplete: None,
    }
}

/// A sighting of `what` at `file:line`.
pub fn sighting(what: &str, file: &str, line: u32) -> crate::evidence::Sighting {
    crate::evidence::Sighting { what: what.into(), at: crate::evidence::Location { file: file.into(), line } }
}

/// A practice seen at the given sightings, having searched `searched`.
pub fn practice(found: Vec<crate::evidence::Sighting>, searched: &[&str]) -> crate::evidence::PracticeEvidence {
    crate::evidence::PracticeEvidence {
        found,
        searched: searched.iter().map(|s| s.to_string()).collect(),
        partial: Vec::new(),
    }
}

/// A migration lint finding of `rule` at `file:line`.
pub fn migration_finding(rule: &str, file: &str, line: u32) -> crate::evidence::MigrationFinding {
    crate::evidence::MigrationFinding {
        rule: rule.into(),
        message: format!("{rule} message"),
        statement: "ALTER TABLE users …;".into(),
        at: crate::evidence::Location { file: file.into(), line },
    }
}

/// Repository evidence of a healthy repository: a scanner in CI, clean migrations linted by
/// squawk in CI, a flag SDK, EXPLAIN in the PR template, k6 in CI, budgets on every endpoint;
/// tests break the part they exercise.
pub fn repo() -> crate::evidence::RepoEvidence {
    use crate::evidence::{BudgetEvidence, DependencyEvidence, EndpointBudget, Location, Lockfile, MigrationEvidence};
    let ci = ".github/workflows/ci.yml";
    let migrations = MigrationEvidence {
        directories: vec!["migrations".into()],
        total: 2,
        baseline: "the newest 20 migrations by version".into(),
        linted: vec!["migrations/0001_init.sql".into(), "migrations/0002_orders.sql".into()],
        breaking: Vec::new(),
        lock_risks: Vec::new(),
        linters: practice(vec![sighting("squawk in CI", ci, 30)], &[ci]),
    };
    crate::evidence::RepoEvidence {
        ci_files: vec![ci.into()],
        dependencies: DependencyEvidence {
            scanners: practice(vec![sighting("cargo-audit in CI", ci, 12)], &[ci]),
            lockfiles: vec![Lockfile { file: "Cargo.lock".into(), ecosystem: "crates.io".into(), packages: 40 }],
            advisories: Slot::unavailable("no advisory database configured"),
        },
        migrations: Slot::collected(migrations),
        flags: practice(vec![sighting("OpenFeature SDK", "package.json", 9)], &["package.json"]),
        explain: practice(
            vec![sighting("EXPLAIN requirement", ".github/pull_request_template.md", 4)],
            &[".github/pull_request_template.md", ci],
        ),
        load_tests: practice(vec![sighting("k6 in CI", ci, 40)], &[ci]),
        budgets: BudgetEvidence {
            endpoints: vec![EndpointBudget {
                endpoint: "GET /products".into(),
                p99_budget: Some("150ms".into()),
                at: Location { file: "stethoscope.toml".into(), line: 5 },
            }],
            documented: practice(Vec::new(), &["stethoscope.toml"]),
        },
    }
}

/// Evidence holding only the given repository evidence.
pub fn with_repo(repo: crate::evidence::RepoEvidence) -> Evidence {
    let source =
        crate::evidence::SourceEvidence { repo: Slot::collected(repo), ..crate::evidence::SourceEvidence::default() };
    Evidence { source: Slot::collected(source), ..Evidence::default() }
}

/// The cases every repository-practice item shares: the healthy repository passes with
/// `sight` as its finding; no sign fails with what was searched, the `[attest]` hint, and is
/// attestable; no repository read is not assessed.
#[track_caller]
pub fn practice_item_cases(
    item: &Item,
    practice_of: impl Fn(&mut crate::evidence::RepoEvidence) -> &mut crate::evidence::PracticeEvidence,
    sight: &str,
) {
    let o = expect(item, &with_repo(repo()), Status::Pass);
    assert_eq!(o.findings, [sight]);
    let mut r = repo();
    *practice_of(&mut r) = practice(Vec::new(), &["README.md"]);
    let o = expect(item, &with_repo(r), Status::Fail);
    assert!(o.evidence.contains(&format!("[attest], e.g. \"{}\"", item.id)), "{}", o.evidence);
    assert_eq!(o.findings, ["searched README.md"]);
    assert!(o.attestable);
    expect(item, &Evidence::default(), Status::NotAssessed);
}
