//! `stethoscope audit`: plan → evidence → outcomes → report → output.

use crate::cli::AuditArgs;
use crate::exit::{Exit, Failure};
use crate::output;
use crate::progress::{Lines, LoadBar};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};
use steth_collect::Session;
use steth_core::catalog;
use steth_core::config::{self, Plan, PostgresTarget, RedisTarget, Secret, SourcePlan, Target};
use steth_core::evidence::{Evidence, SlotState};
use steth_core::policy::Selection;
use steth_core::report::{Report, Run, SourceState};
use steth_core::section::Section;
use url::Url;

/// Runs `stethoscope audit`.
pub fn run(args: AuditArgs) -> Result<Exit, Failure> {
    let format = output::format(&args.render.format)?;
    if let Some(min) = args.fail_under
        && !(0.0..=100.0).contains(&min)
    {
        return Err(Failure::usage(format!("--fail-under `{min}` is not a percentage from 0 to 100")));
    }
    if let Some(out) = &args.render.out {
        output::check_writable(out)?;
    }
    let mut plan = load_plan(&args)?;
    plan.policy.selection = selection(&args)?;
    if catalog::items().chain(catalog::extended_items()).all(|i| !plan.policy.selection.includes(i)) {
        return Err(Failure::usage("the selection leaves no item to audit"));
    }
    if args.dry_run {
        return dry_run(&plan);
    }
    let config = config_path(&args).exists().then(|| config_path(&args).display().to_string());
    let report = audit(&plan, config, args.quiet, None)?;
    output::emit(args.render.out.as_deref(), |w| {
        steth_report::render(&report, format, output::style(args.render.out.is_some()), w)
    })?;
    if let Some(out) = &args.render.out
        && !args.quiet
    {
        eprintln!("report written to {}", out.display());
    }
    if crate::interrupt::happened() {
        return Ok(Exit::Interrupted);
    }
    let exit = finish(&report, args.fail_under)?;
    let regressed = super::history::record(&args, &plan, &report, config_path(&args));
    Ok(if regressed { Exit::BelowThreshold } else { exit })
}

/// Prints what the audit would send, and sends nothing.
fn dry_run(plan: &Plan) -> Result<Exit, Failure> {
    let steps = steth_collect::dry_run::planned(plan, plan.policy.needs());
    let target = plan.target.as_ref().map_or("(no HTTP target)".into(), |t| config::redact_url(t.base_url.as_str()));
    output::emit(None, |w| {
        writeln!(w, "Dry run: what `stethoscope audit` would send to {target} (nothing was sent)")?;
        writeln!(w, "Requests are upper bounds; probes and bursts may stop early.\n")?;
        for s in &steps {
            let writes = if s.writes { "  (changes data)" } else { "" };
            writeln!(w, "  {:<58} {:<7} {:<32} ≤ {}{writes}", s.step, s.method, s.path, s.requests)?;
        }
        let mut per: Vec<(String, String, u64, bool)> = Vec::new();
        for s in &steps {
            match per.iter_mut().find(|(m, p, _, _)| *m == s.method && *p == s.path) {
                Some(row) => row.2 += s.requests,
                None => per.push((s.method.clone(), s.path.clone(), s.requests, s.writes)),
            }
        }
        writeln!(w, "\nPer endpoint and method (at most):")?;
        for (m, p, n, writes) in &per {
            writeln!(w, "  {m:<7} {p:<40} {n}{}", if *writes { "  (changes data)" } else { "" })?;
        }
        let writes: u64 = steps.iter().filter(|s| s.writes).map(|s| s.requests).sum();
        let total: u64 = steps.iter().map(|s| s.requests).sum();
        writeln!(w, "\nIn all at most {total} request(s), {writes} of them changing data.")?;
        let skipped = steth_collect::dry_run::skipped_writes(plan);
        if !skipped.is_empty() {
            writeln!(
                w,
                "Not loaded, because they change data: {} (allow with `[load] writes = true` or `writes = true` on the endpoint).",
                skipped.join(", ")
            )?;
        }
        Ok(())
    })?;
    Ok(Exit::Done)
}

/// The exit code for a finished audit.
pub fn finish(report: &Report, fail_under: Option<f64>) -> Result<Exit, Failure> {
    let configured: Vec<&SourceState> = report
        .run
        .sources
        .iter()
        .filter(|s| !matches!(s.state, SlotState::Unavailable | SlotState::NotConfigured))
        .collect();
    if !configured.is_empty() && configured.iter().all(|s| s.state == SlotState::Failed) {
        let why: Vec<String> = configured.iter().map(|s| format!("{}: {}", s.name, s.detail)).collect();
        return Err(Failure::could_not_run(format!("no evidence source could be used ({})", why.join("; "))));
    }
    // The HTTP target is the service under audit: other sources working does not make an
    // unreachable service (reset, garbage, no answer) a successful audit.
    if let Some(http) = configured.iter().find(|s| s.name == "http" && s.state == SlotState::Failed) {
        return Err(Failure::could_not_run(format!("the HTTP target could not be audited: {}", http.detail)));
    }
    if let Some(load) = &report.load
        && !load.endpoints.is_empty()
        && load.endpoints.iter().all(|e| e.classes.success == 0)
    {
        return Err(Failure::could_not_run(format!(
            "every load request failed: no endpoint got a 2xx answer ({})",
            load.endpoints.iter().filter_map(|e| e.cause.as_deref()).next().unwrap_or("see the endpoint table")
        )));
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

/// The config file: the one named by `--config`, else `stethoscope.toml`.
fn config_path(args: &AuditArgs) -> &Path {
    args.config.as_deref().unwrap_or(Path::new(DEFAULT_CONFIG))
}

pub(super) const DEFAULT_CONFIG: &str = "stethoscope.toml";

fn load_plan(args: &AuditArgs) -> Result<Plan, Failure> {
    let path = config_path(args);
    if let Some(named) = &args.config
        && !named.is_file()
    {
        return Err(Failure::usage(format!("--config {}: no such file", named.display())));
    }
    let mut plan = if path.exists() {
        config::load(path).map_err(|e| Failure::usage(format!("invalid config: {e}")))?
    } else if args.target.is_some() || args.postgres.is_some() || args.redis.is_some() || args.source.is_some() {
        Plan { cors_origin: config::DEFAULT_FOREIGN_ORIGIN.to_string(), ..Plan::default() }
    } else {
        return Err(Failure::usage(format!(
            "no config at {}: run `stethoscope init` to write one, or pass --target URL",
            path.display()
        )));
    };
    if let Some(target) = &args.target {
        let url = parse_url(target, "--target", &["http", "https"])?;
        if url.query().is_some() {
            return Err(Failure::usage(
                "--target has a query string; endpoint paths are appended to the base path, so put the parameter in each endpoint's `path`",
            ));
        }
        match &mut plan.target {
            Some(t) => t.base_url = url,
            None => {
                plan.target =
                    Some(Target { base_url: url, serverless: false, timeout: Duration::from_secs(10), peak_rps: None })
            }
        }
    }
    for (n, e) in plan.endpoints.iter().enumerate() {
        let names: Vec<&str> = e.params.keys().map(String::as_str).collect();
        if let Some(body) = &e.body
            && let Err(why) = steth_load::body::parse(body.expose(), &names)
        {
            return Err(Failure::usage(format!("invalid config: key `endpoints[{n}].body`: {why}")));
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
    if let Some(path) = &args.source {
        if !path.is_dir() {
            return Err(Failure::usage(format!("--source `{}` is not a directory", path.display())));
        }
        match &mut plan.source {
            Some(s) => s.path = path.clone(),
            None => plan.source = Some(SourcePlan::new(path.clone())),
        }
    }
    if let Some(pg) = &args.postgres {
        let url = parse_url(pg, "--postgres", &["postgres", "postgresql"])?;
        match &mut plan.postgres {
            Some(p) => p.url = Secret::new(url.to_string()),
            None => {
                plan.postgres = Some(PostgresTarget {
                    replicas: Vec::new(),
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
    if let Some(redis) = &args.redis {
        let url = parse_url(redis, "--redis", &["redis", "rediss"])?;
        match &mut plan.redis {
            Some(r) => r.url = Secret::new(url.to_string()),
            None => plan.redis = Some(RedisTarget::new(Secret::new(url.to_string()), None)),
        }
    }
    if plan.target.is_none()
        && plan.postgres.is_none()
        && plan.redis.is_none()
        && plan.metrics.is_none()
        && plan.source.is_none()
    {
        return Err(Failure::usage(
            "nothing to audit: the config names no [target], [postgres], [redis], [metrics] or [source] \
             (or pass --target, --postgres, --redis)",
        ));
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
            plan.target.as_ref().map_or("(no HTTP target)".to_string(), |t| config::redact_url(t.base_url.as_str()))
        );
    }
    let runtime = super::runtime()?;
    let mut evidence = runtime.block_on(async {
        let stop = crate::interrupt::listen(quiet);
        let bar = LoadBar::new(quiet);
        let session = Session { observers: Vec::new(), load_progress: bar.callback(), stop };
        let evidence = steth_collect::collect_with(plan, plan.policy.needs(), &Lines { quiet }, session).await;
        bar.finish();
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
        sources: SourceState::all(&evidence, plan),
    };
    let extended = plan.policy.assess_extended(&evidence);
    Ok(Report::build(run, &assessed, Some(evidence)).with_extended(&extended))
}

/// Whether a path names an existing file (used by `report`).
pub fn exists(path: &Path) -> bool {
    path.is_file()
}
