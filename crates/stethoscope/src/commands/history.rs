//! `stethoscope history`: the recorded runs, oldest first, with the score trend; and what
//! `audit` does with the history: record its run and, on request, compare it with the last.

use crate::cli::{AuditArgs, HistoryArgs};
use crate::exit::{Exit, Failure};
use crate::history::{self, RunRow, Store};
use crate::output;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use steth_core::config::{self, Plan};
use steth_core::diff;
use steth_core::report::Report;

/// Runs `stethoscope history`.
pub fn run(args: HistoryArgs) -> Result<Exit, Failure> {
    if !matches!(args.format.as_str(), "terminal" | "text" | "json") {
        return Err(Failure::usage(format!("unknown format `{}`; expected terminal or json", args.format)));
    }
    if args.limit == 0 {
        return Err(Failure::usage("--limit must be at least 1"));
    }
    let path = path(args.config.as_deref(), args.history.as_deref())?;
    let store = Store::open(&path, false).map_err(Failure::usage)?;
    let runs = store.runs(args.limit).map_err(Failure::could_not_run)?;
    output::emit(None, |w| {
        if args.format == "json" {
            let value = serde_json::json!({ "history": path.display().to_string(), "runs": runs });
            serde_json::to_writer_pretty(&mut *w, &value)?;
            return writeln!(w);
        }
        render(&path, &runs, w)
    })?;
    Ok(Exit::Done)
}

fn render(path: &Path, runs: &[RunRow], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(w, "History: {} ({} run(s) shown)", path.display(), runs.len())?;
    if runs.is_empty() {
        return writeln!(w, "No run recorded yet: `stethoscope audit` records one per audit.");
    }
    let trend = history::sparkline(&runs.iter().map(|r| r.percent).collect::<Vec<_>>());
    writeln!(w, "Score trend (oldest → latest, 0–100 %): {trend}\n")?;
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::NOTHING)
        .set_header(["run", "date", "commit", "score", "band", "coverage", "failing", "target"]);
    for r in runs {
        table.add_row([
            r.id.to_string(),
            r.started_at.replace('T', " ").trim_end_matches('Z').to_string(),
            r.commit.as_deref().map_or("–".to_string(), |c| c.chars().take(8).collect()),
            r.percent.map_or("–".to_string(), |p| format!("{p:.0} % ({}/{})", r.score, r.max)),
            r.band.as_deref().map_or("no band".to_string(), |b| b.replace('_', " ")),
            format!("{}/{} measured", r.measured, r.max),
            r.failing.to_string(),
            r.target.clone().unwrap_or_else(|| "(no HTTP target)".into())
                + &r.selection.as_deref().map(|s| format!("  {s}")).unwrap_or_default(),
        ]);
    }
    writeln!(w, "{table}")?;
    writeln!(w, "\nCompare two runs with `stethoscope diff A B` (ids above, or `previous latest`).")
}

/// The history file named by `--history`, else by the config (`[history] path`, else beside
/// it), else `.stethoscope/history.sqlite` in the current directory.
pub fn path(config: Option<&Path>, flag: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(flag) = flag {
        return Ok(flag.to_path_buf());
    }
    if let Some(named) = config
        && !named.is_file()
    {
        return Err(Failure::usage(format!("--config {}: no such file", named.display())));
    }
    let config = config.unwrap_or(Path::new(super::audit::DEFAULT_CONFIG));
    if !config.is_file() {
        return Ok(history::default_path(None));
    }
    let plan = config::load(config).map_err(|e| Failure::usage(format!("invalid config: {e}")))?;
    Ok(plan.history.path.unwrap_or_else(|| history::default_path(Some(config))))
}

/// Appends the run to the history and, with `--fail-on-regression`, compares it with the
/// previous run of the same target; returns whether it regressed. Trouble with the history
/// file is one warning line on stderr: the report is already out and the exit code stays.
pub(super) fn record(args: &AuditArgs, plan: &Plan, report: &Report, config: &Path) -> bool {
    let write = !args.no_history && plan.history.enabled;
    if !write && !args.fail_on_regression {
        return false;
    }
    let path = args
        .history
        .clone()
        .or_else(|| plan.history.path.clone())
        .unwrap_or_else(|| history::default_path(config.is_file().then_some(config)));
    let compare = "--fail-on-regression";
    if !write && !path.is_file() {
        eprintln!("{compare}: no history at {}, so no previous run to compare with: not a regression", path.display());
        return false;
    }
    let mut store = match Store::open(&path, write) {
        Ok(store) => store,
        Err(e) => {
            eprintln!(
                "warning: {}: {e}",
                if write { "run not recorded in the history" } else { "cannot read the history" }
            );
            if args.fail_on_regression {
                eprintln!("{compare}: no previous run could be read, so nothing was compared: not a regression");
            }
            return false;
        }
    };
    let target = report.run.target.as_deref();
    let previous = if args.fail_on_regression { store.previous(target, None) } else { Ok(None) };
    let mut recorded = None;
    if write {
        let commit = diff::commit_of(report).or_else(|| {
            plan.source.as_ref().and_then(|s| steth_source::head(&s.path, Instant::now() + Duration::from_secs(5)))
        });
        match store.append(report, commit.as_deref()) {
            Ok(id) => {
                if !args.quiet {
                    eprintln!("recorded as run {id} in {}", path.display());
                }
                recorded = Some(id);
            }
            Err(e) => eprintln!("warning: run not recorded in the history: {e}"),
        }
    }
    if !args.fail_on_regression {
        return false;
    }
    let shown = target.unwrap_or("(no HTTP target)");
    let before = match previous {
        Ok(Some(id)) => id,
        Ok(None) => {
            eprintln!(
                "{compare}: no previous run of {shown} in {}: this run is the baseline, not a regression",
                path.display()
            );
            return false;
        }
        Err(e) => {
            eprintln!("warning: cannot read the history: {e}\n{compare}: nothing was compared: not a regression");
            return false;
        }
    };
    let (old, commit) = match store.report(before) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("warning: cannot read run {before}: {e}\n{compare}: nothing was compared: not a regression");
            return false;
        }
    };
    let now = diff::Side::of("this run", report, None);
    let d = diff::diff(history::side(before, &old, commit), &old, now, report);
    if d.regressions > 0 {
        let hint =
            recorded.map(|id| format!("; `stethoscope diff {before} {id}` shows the details")).unwrap_or_default();
        eprintln!("{}{hint}", steth_report::diff::regression_line(&d));
        return true;
    }
    eprintln!("{compare}: no regression against run {before} ({})", diff::NOISE_RULE);
    false
}
