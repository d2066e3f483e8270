//! `stethoscope audit`: plan → evidence → outcomes → report → output.

use crate::cli::AuditArgs;
use crate::exit::{Exit, Failure};
use crate::output;
use crate::progress::{Lines, LoadBar};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};
use steth_collect::{Needs, Session};
use steth_core::catalog::{self, Source};
use steth_core::config::{self, Plan, PostgresTarget, Secret, Target};
use steth_core::evidence::{Evidence, Slot};
use steth_core::policy::{Policy, Selection};
use steth_core::report::{Report, Run, SourceState};
use steth_core::section::Section;
use url::Url;

/// Runs `stethoscope audit`.
pub fn run(args: AuditArgs) -> Result<Exit, Failure> {
    let format = output::format(&args.render.format)?;
    let mut plan = load_plan(&args)?;
    plan.policy.selection = selection(&args)?;
    if catalog::items().all(|i| !plan.policy.selection.includes(i)) {
        return Err(Failure::usage("the selection leaves no item to audit"));
    }
    let config = args.config.exists().then(|| args.config.display().to_string());
    let report = audit(&plan, config, args.quiet, None)?;
    output::emit(args.render.out.as_deref(), |w| {
        steth_report::render(&report, format, output::style(args.render.out.is_some()), w)
    })?;
    if let Some(out) = &args.render.out
        && !args.quiet
    {
        eprintln!("report written to {}", out.display());
    }
    finish(&report, args.fail_under)
}

/// The exit code for a finished audit.
pub fn finish(report: &Report, fail_under: Option<f64>) -> Result<Exit, Failure> {
    let configured: Vec<&SourceState> = report.run.sources.iter().filter(|s| s.state != "unavailable").collect();
    if !configured.is_empty() && configured.iter().all(|s| s.state == "failed") {
        let why: Vec<String> = configured.iter().map(|s| format!("{}: {}", s.name, s.detail)).collect();
        return Err(Failure::could_not_run(format!("no evidence source could be used ({})", why.join("; "))));
    }
    match (fail_under, report.total.percent) {
        (Some(min), Some(p)) if p < min => {
            eprintln!("score {p:.0} % is below --fail-under {min:.0} %");
            Ok(Exit::BelowThreshold)
        }
        (Some(min), None) => {
            eprintln!("no applicable item was scored; --fail-under {min:.0} % is not met");
            Ok(Exit::BelowThreshold)
        }
        _ => Ok(Exit::Done),
    }
}

fn load_plan(args: &AuditArgs) -> Result<Plan, Failure> {
    let mut plan = if args.config.exists() {
        config::load(&args.config).map_err(|e| Failure::usage(format!("invalid config: {e}")))?
    } else if args.target.is_some() || args.postgres.is_some() {
        Plan { cors_origin: config::DEFAULT_FOREIGN_ORIGIN.to_string(), ..Plan::default() }
    } else {
        return Err(Failure::usage(format!(
            "no config at {}: run `stethoscope init` to write one, or pass --target URL",
            args.config.display()
        )));
    };
    if let Some(target) = &args.target {
        let url = parse_url(target, "--target", &["http", "https"])?;
        match &mut plan.target {
            Some(t) => t.base_url = url,
            None => {
                plan.target =
                    Some(Target { base_url: url, serverless: false, timeout: Duration::from_secs(10), peak_rps: None })
            }
        }
    }
    if args.no_load {
        plan.load.enabled = false;
    }
    if args.active
        && let Some(redis) = &mut plan.redis
    {
        redis.active = true;
    }
    if let Some(pg) = &args.postgres {
        let url = parse_url(pg, "--postgres", &["postgres", "postgresql"])?;
        match &mut plan.postgres {
            Some(p) => p.url = Secret::new(url.to_string()),
            None => {
                plan.postgres = Some(PostgresTarget {
                    url: Secret::new(url.to_string()),
                    app_role: None,
                    statement_timeout: Duration::from_secs(5),
                    lock_timeout: Duration::from_secs(1),
                    cores: None,
                    session_watch: steth_core::config::DEFAULT_SESSION_WATCH,
                })
            }
        }
    }
    if let Some(role) = &args.app_role {
        match &mut plan.postgres {
            Some(p) => p.app_role = Some(role.clone()),
            None => {
                return Err(Failure::usage("--app-role needs a database: pass --postgres URL or set [postgres] url"));
            }
        }
    }
    Ok(plan)
}

fn parse_url(text: &str, flag: &str, schemes: &[&str]) -> Result<Url, Failure> {
    let shown = config::redact_url(text);
    let url = Url::parse(text).map_err(|e| Failure::usage(format!("{flag} `{shown}` is not a valid URL: {e}")))?;
    if !schemes.contains(&url.scheme()) {
        return Err(Failure::usage(format!("{flag} `{shown}` must use {}", schemes.join(" or "))));
    }
    Ok(url)
}

fn check_ids(ids: &[String], flag: &str) -> Result<Vec<String>, Failure> {
    ids.iter()
        .map(|id| {
            catalog::find(id).map(|i| i.id.to_string()).ok_or_else(|| {
                Failure::usage(format!("{flag}: unknown item `{id}` (`stethoscope checks` lists the ids)"))
            })
        })
        .collect()
}

fn selection(args: &AuditArgs) -> Result<Selection, Failure> {
    let sections = match &args.sections {
        None => None,
        Some(names) => Some(
            names
                .iter()
                .map(|n| Section::parse(n).ok_or_else(|| Failure::usage(format!("--sections: unknown section `{n}`"))))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(Selection {
        only: args.only.as_deref().map(|ids| check_ids(ids, "--only")).transpose()?,
        skip: check_ids(&args.skip, "--skip")?,
        sections,
    })
}

/// Which collectors the selected, measurable items need.
fn needs(policy: &Policy) -> Needs {
    let selected: Vec<&catalog::Item> = catalog::items()
        .filter(|i| policy.selection.includes(i) && i.is_implemented() && !policy.na.contains_key(i.id))
        .collect();
    let uses = |s: Source| selected.iter().any(|i| i.sources.contains(&s));
    Needs {
        http: uses(Source::Http),
        pg: uses(Source::Pg),
        load: uses(Source::Load),
        redis: uses(Source::Redis),
        metrics: uses(Source::Metrics),
    }
}

fn describe<T>(name: &str, slot: &Slot<T>, target: String) -> SourceState {
    let (state, detail) = match slot {
        Slot::Collected { .. } => ("collected", target),
        Slot::Unavailable { reason } => ("unavailable", reason.clone()),
        Slot::Failed { error } => ("failed", error.clone()),
    };
    SourceState { name: name.into(), state: state.into(), detail }
}

fn selection_label(selection: &Selection) -> Option<String> {
    if selection.is_everything() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(only) = &selection.only {
        parts.push(format!("--only {}", only.join(",")));
    }
    if !selection.skip.is_empty() {
        parts.push(format!("--skip {}", selection.skip.join(",")));
    }
    if let Some(s) = &selection.sections {
        parts.push(format!("--sections {}", s.iter().map(|s| s.key()).collect::<Vec<_>>().join(",")));
    }
    Some(parts.join(" "))
}

/// Collects, evaluates and builds the report. `patch` may replace evidence slots the caller
/// knows more about (the demo knows why its database is missing).
pub fn audit(
    plan: &Plan,
    config: Option<String>,
    quiet: bool,
    patch: Option<&dyn Fn(&mut Evidence)>,
) -> Result<Report, Failure> {
    let started = SystemTime::now();
    let clock = Instant::now();
    if !quiet {
        eprintln!(
            "stethoscope: auditing {}",
            plan.target.as_ref().map_or("(no HTTP target)".to_string(), |t| t.base_url.to_string())
        );
    }
    let runtime = super::runtime()?;
    let mut evidence = runtime.block_on(async {
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let interrupt = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stethoscope: interrupted; finishing the current phase and reporting what was measured");
                let _ = stop_tx.send(true);
            }
        });
        let bar = LoadBar::new(quiet);
        let session = Session { observers: Vec::new(), load_progress: bar.callback(), stop };
        let evidence = steth_collect::collect_with(plan, needs(&plan.policy), &Lines { quiet }, session).await;
        bar.finish();
        interrupt.abort();
        evidence
    });
    if let Some(patch) = patch {
        patch(&mut evidence);
    }
    let assessed = plan.policy.assess(&evidence);
    let run = Run {
        started_at: humantime::format_rfc3339_seconds(started).to_string(),
        duration_ms: clock.elapsed().as_millis() as u64,
        target: plan.target.as_ref().map(|t| config::redact_url(t.base_url.as_str())),
        config,
        selection: selection_label(&plan.policy.selection),
        sources: vec![
            describe("http", &evidence.http, plan.target.as_ref().map(|t| t.base_url.to_string()).unwrap_or_default()),
            describe("pg", &evidence.pg, plan.postgres.as_ref().map(|p| p.url.redacted()).unwrap_or_default()),
            describe("redis", &evidence.redis, plan.redis.as_ref().map(|r| r.url.redacted()).unwrap_or_default()),
            describe(
                "metrics",
                &evidence.metrics,
                plan.metrics.as_ref().map(|m| config::redact_url(m.url.as_str())).unwrap_or_default(),
            ),
            describe(
                "load",
                &evidence.load,
                format!("{} endpoint(s) at {} req/s", plan.endpoints.len(), plan.load.rate),
            ),
        ],
    };
    let extended = plan.policy.assess_extended(&evidence);
    Ok(Report::build(run, &assessed, Some(evidence)).with_extended(&extended))
}

/// Whether a path names an existing file (used by `report`).
pub fn exists(path: &Path) -> bool {
    path.is_file()
}
