//! Load phases in an audit: for each hot endpoint in turn, a baseline phase and a
//! normal-load phase (and optional stress and soak phases), with "before phase / after phase"
//! points where other collectors snapshot their counters. Adapts the engine's reports into
//! evidence; never decides a verdict.

use futures_util::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use steth_core::config::{Cleanup, Endpoint, LoadPlan, ParamValues, Plan};
use steth_core::evidence::{
    CleanupDone, EndpointLoad, LoadEvidence, LoadSettings, Percentiles, Phase, PhaseResult, Slot, WritesMade,
};
use steth_load::{
    AbortRules, Capture, Control, Model, PhaseReport, PhaseSpec, RequestTemplate, Snapshot, StopReason, Target, Values,
};
use tokio::sync::watch;

/// Which phase is about to run or has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseInfo {
    /// Position of the endpoint in the plan.
    pub index: usize,
    /// The endpoint's display name.
    pub endpoint: String,
    /// baseline, normal, stress or soak.
    pub phase: Phase,
}

/// A collector that snapshots its counters around each load phase (PostgreSQL statement
/// counts, Redis keyspace hits) so their deltas can be attributed to the endpoint.
pub trait PhaseObserver: Send + Sync {
    /// Called right before the phase's first request.
    fn before(&self, info: &PhaseInfo) -> BoxFuture<'_, ()>;
    /// Called right after the phase's last answer, with what the phase measured.
    fn after<'a>(&'a self, info: &'a PhaseInfo, result: &'a PhaseResult) -> BoxFuture<'a, ()>;
}

/// How every observer ends: once the load phases are done, it takes its last readings and hands
/// over its own part of the evidence, produced once. The observer stores no evidence of another
/// collector and the orchestrator overwrites nothing: it assembles each source's evidence from
/// its collector's first read and its observer's findings (`PgCatalog::with`,
/// `RedisStart::with`, `metrics::evidence`).
pub trait Finish: PhaseObserver + Sized {
    /// The observer's own slots.
    type Found: Send;
    /// The last readings, and the observer's part of the evidence.
    fn finish(self) -> impl std::future::Future<Output = Self::Found> + Send;
}

/// A slot of an observer's findings missing for the reason `why` gives (an observer that could
/// not run, a finish cut short by its bound or by Ctrl-C).
pub(crate) fn missing_as<U>(why: &Slot<()>) -> Slot<U> {
    why.absence().unwrap_or_else(|| Slot::unavailable("not observed"))
}

/// Receives the engine's snapshots while a phase runs.
pub type PhaseProgress = Arc<dyn Fn(&Snapshot) + Send + Sync>;

/// An endpoint's body as one probe request sends it: placeholders filled as the load phases
/// fill them (`{seq}`, `{uuid}`, `{rand:A-B}`, parameters), the configured text otherwise.
pub(crate) fn probe_body(plan: &Plan, endpoint: &Endpoint) -> Option<String> {
    let configured = endpoint.body.as_ref()?.expose().to_string();
    match template(plan, endpoint) {
        Ok(t) => Some(String::from_utf8_lossy(&t.body_for(0)).into_owned()),
        Err(_) => Some(configured),
    }
}

fn template(plan: &Plan, endpoint: &Endpoint) -> Result<RequestTemplate, String> {
    let params = endpoint
        .params
        .iter()
        .map(|(name, values)| {
            let v = match values {
                ParamValues::List(list) => Values::List(list.clone()),
                ParamValues::Range { start, end } => Values::Range(*start, *end),
            };
            (name.clone(), v)
        })
        .collect();
    let headers = plan.headers_for(endpoint);
    let body = endpoint.body.as_ref().map(|b| b.expose().as_bytes().to_vec());
    RequestTemplate::new(&endpoint.method, &endpoint.path, params, &headers, body).map_err(|e| e.to_string())
}

fn spec(load: &LoadPlan, name: String, rate: f64, duration: Duration) -> PhaseSpec {
    PhaseSpec {
        name,
        model: Model::Open { rate, max_connections: load.max_connections },
        warmup: load.warmup,
        duration: Some(duration),
        requests: None,
        request_timeout: load.timeout,
        abort: AbortRules {
            error_ratio: load.abort_error_ratio,
            window: load.abort_window,
            min_requests: load.abort_min_requests,
            max_latency: load.abort_latency,
            max_backlog: ((rate * 30.0) as u64).max(1_000),
            hard_limit: load.phase_limit,
            first_failures: AbortRules::default().first_failures,
        },
        keep_intervals: false,
    }
}

fn percentiles(l: &steth_load::LatencySummary) -> Percentiles {
    Percentiles {
        p50_ms: l.p50_ms,
        p75_ms: l.p75_ms,
        p90_ms: l.p90_ms,
        p95_ms: l.p95_ms,
        p99_ms: l.p99_ms,
        p999_ms: l.p999_ms,
        max_ms: l.max_ms,
        mean_ms: l.mean_ms,
    }
}

/// The engine's report as evidence.
pub fn result(phase: Phase, r: &PhaseReport) -> PhaseResult {
    let mut errors = BTreeMap::new();
    for (name, n) in [
        ("connect", r.errors.connect),
        ("timeout", r.errors.timeout),
        ("reset", r.errors.reset),
        ("protocol", r.errors.protocol),
    ] {
        if n > 0 {
            errors.insert(name.to_string(), n);
        }
    }
    PhaseResult {
        phase,
        model: r.model.clone(),
        target_rate: r.target_rate,
        achieved_rate: r.achieved_rate,
        behind_schedule: r.behind_schedule,
        measured_secs: r.measured_secs,
        requests: r.requests,
        failures: r.failures(),
        statuses: r.statuses.clone(),
        errors,
        latency: percentiles(&r.latency),
        censored: r.censored,
        generator_stall_p99_ms: (r.generator_stall.count > 0).then_some(r.generator_stall.p99_ms),
        redirect: r.redirect.clone(),
        connect_mean_ms: r.connect.mean_ms,
        tls_mean_ms: (r.tls.count > 0).then_some(r.tls.mean_ms),
        ttfb_mean_ms: r.ttfb.mean_ms,
        transfer_mean_ms: r.transfer.mean_ms,
        server_timing: r.server_timing.iter().map(|t| (t.name.clone(), t.mean_ms)).collect(),
        requests_per_connection: r.requests_per_connection(),
        http_version: r.http_version.clone(),
        stopped: match &r.stop {
            StopReason::Completed => None,
            StopReason::Aborted(why) => Some(format!("aborted: {why}")),
            StopReason::Interrupted => Some("interrupted".to_string()),
        },
    }
}

/// The phases each endpoint goes through, with their rates and durations.
fn phases(load: &LoadPlan) -> Vec<(Phase, f64, Duration)> {
    let mut out =
        vec![(Phase::Baseline, load.baseline_rate, load.baseline_duration), (Phase::Normal, load.rate, load.duration)];
    if let Some(factor) = load.stress {
        out.push((Phase::Stress, load.rate * factor, load.duration));
    }
    if let Some(soak) = load.soak {
        out.push((Phase::Soak, load.rate, soak));
    }
    out
}

/// What the load phases will run, in words for the progress line and the report: the endpoints
/// really loaded, the phases each gets, and why login endpoints are left out.
pub fn describe(plan: &Plan) -> String {
    let loaded = plan.endpoints.iter().filter(|e| !e.login).count();
    let logins = plan.endpoints.len() - loaded;
    let names: Vec<&str> = phases(&plan.load).iter().map(|(phase, _, _)| phase.word()).collect();
    let mut text =
        format!("{loaded} endpoint(s) × {} phase(s) ({}) at {} req/s", names.len(), names.join(", "), plan.load.rate);
    if logins > 0 {
        text.push_str(&format!(
            "; {logins} login endpoint(s) not loaded (hammering a login proves nothing and locks accounts out)"
        ));
    }
    text
}

/// Runs every endpoint's phases in turn. `stop` ends the current phase and skips the rest
/// (Ctrl-C); what ran is still reported.
pub async fn run(
    plan: &Plan,
    observers: &[&dyn PhaseObserver],
    progress: Option<PhaseProgress>,
    stop: watch::Receiver<bool>,
) -> Slot<LoadEvidence> {
    let load = &plan.load;
    if !load.enabled {
        return Slot::unavailable("load phases are switched off ([load] enabled = false or --no-load)");
    }
    let Some(base) = &plan.target else {
        return Slot::unavailable("no [target] base_url in the config");
    };
    // Login endpoints are not loaded: hammering them proves nothing and locks accounts out.
    // Endpoints that change data are loaded only when the config allows it.
    let loaded: Vec<(usize, &Endpoint)> =
        plan.endpoints.iter().enumerate().filter(|(_, e)| !e.login && load.loads(e)).collect();
    let skipped_writes: Vec<String> =
        plan.endpoints.iter().filter(|e| !e.login && !load.loads(e)).map(|e| e.name.clone()).collect();
    if loaded.is_empty() {
        return Slot::unavailable(match skipped_writes.is_empty() {
            true => "no [[endpoints]] to load (login endpoints are never loaded)".to_string(),
            false => format!("{}; no read endpoint to load", writes_not_allowed(&skipped_writes)),
        });
    }
    let resolved;
    let plan = if loaded.iter().any(|(_, e)| e.identity.is_some()) {
        match crate::http::resolve_identities(plan).await {
            Ok(p) => {
                resolved = p;
                &resolved
            }
            Err(e) => return Slot::failed(format!("cannot authenticate the load phases: {e}")),
        }
    } else {
        plan
    };
    let target = match Target::new(&base.base_url) {
        Ok(t) => t,
        Err(e) => return Slot::failed(e.to_string()),
    };
    let settings = LoadSettings {
        rate: load.rate,
        duration_secs: load.duration.as_secs_f64(),
        warmup_secs: load.warmup.as_secs_f64(),
        baseline_rate: load.baseline_rate,
        stress_factor: load.stress,
        soak_secs: load.soak.map(|d| d.as_secs_f64()),
        abort_bounds: load.bounds(),
    };
    let control = Control::new(stop.clone(), progress);
    let mut endpoints = Vec::new();
    let mut cleanups: Vec<(String, CleanupDone)> = Vec::new();
    for (index, endpoint) in loaded {
        let template = match template(plan, endpoint) {
            Ok(t) => Arc::new(match &endpoint.cleanup {
                Some(Cleanup::Location) => t.with_capture(Capture::Location),
                Some(Cleanup::Pointer(_)) => t.with_capture(Capture::Body),
                None => t,
            }),
            Err(e) => return Slot::failed(format!("{}: {e}", endpoint.name)),
        };
        let mut results = Vec::new();
        for (phase, rate, duration) in phases(load) {
            if *stop.borrow() {
                break;
            }
            let info = PhaseInfo { index, endpoint: endpoint.name.clone(), phase };
            for o in observers {
                o.before(&info).await;
            }
            let report = steth_load::run(
                &target,
                template.clone(),
                &spec(load, format!("{} [{phase}]", endpoint.name), rate, duration),
                &control,
            )
            .await;
            let result = result(phase, &report);
            for o in observers {
                o.after(&info, &result).await;
            }
            let aborted = result.stopped.is_some();
            results.push(result);
            // A target that had to be protected is not pushed harder.
            if aborted {
                break;
            }
        }
        if let Some(how) = &endpoint.cleanup {
            let captured = template.take_captured();
            let stopped = *stop.borrow();
            let done = match stopped {
                true => CleanupDone {
                    created: captured.len() as u64,
                    note: Some("interrupted: not cleaned up".into()),
                    ..Default::default()
                },
                false => crate::cleanup::run(plan, endpoint, how, captured).await,
            };
            cleanups.push((endpoint.name.clone(), done));
        }
        endpoints.push(EndpointLoad {
            name: endpoint.name.clone(),
            method: endpoint.method.clone(),
            path: endpoint.path.clone(),
            kind: endpoint.kind,
            identity: endpoint.identity.clone(),
            identity_logs_in: endpoint
                .identity
                .as_ref()
                .and_then(|i| plan.identities.get(i))
                .is_some_and(|i| i.login.is_some()),
            phases: results,
        });
    }
    let writes = endpoints
        .iter()
        .filter(|e| !matches!(e.method.as_str(), "GET" | "HEAD" | "OPTIONS"))
        .map(|e| {
            let mut made = writes_made(e, load.warmup.as_secs_f64());
            made.cleanup = cleanups.iter().find(|(n, _)| *n == e.name).map(|(_, c)| c.clone());
            made
        })
        .collect();
    Slot::collected(LoadEvidence { settings, endpoints, skipped_writes, writes })
}

/// Why write endpoints were not loaded, and how to allow it.
pub fn writes_not_allowed(skipped: &[String]) -> String {
    format!(
        "{} endpoint(s) that change data not loaded ({}): each phase creates about rate × duration records; allow it with `[load] writes = true` or `writes = true` on the endpoint",
        skipped.len(),
        skipped.join(", ")
    )
}

/// The requests an endpoint's phases sent, with answers by status class.
fn writes_made(e: &EndpointLoad, warmup_secs: f64) -> WritesMade {
    let mut classes: BTreeMap<String, u64> = BTreeMap::new();
    let (mut requests, mut warmup) = (0, 0);
    for p in &e.phases {
        requests += p.requests;
        warmup += (p.target_rate.unwrap_or(p.achieved_rate) * warmup_secs).round() as u64;
        for (status, n) in &p.statuses {
            *classes.entry(format!("{}xx", status / 100)).or_default() += n;
        }
        let unanswered = p.requests.saturating_sub(p.statuses.values().sum());
        if unanswered > 0 {
            *classes.entry("no answer".to_string()).or_default() += unanswered;
        }
    }
    WritesMade {
        endpoint: e.name.clone(),
        requests,
        warmup_requests: warmup,
        statuses: classes.into_iter().collect(),
        cleanup: None,
    }
}
