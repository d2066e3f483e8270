//! `stethoscope diff A B`: two audits compared, from the history or from JSON reports.

use crate::cli::DiffArgs;
use crate::exit::{Exit, Failure};
use crate::history::{self, Store};
use crate::output;
use std::path::Path;
use steth_core::diff::{self, Diff, Side};
use steth_core::report::Report;
use steth_report::diff::DiffFormat;

/// Runs `stethoscope diff`.
pub fn run(args: DiffArgs) -> Result<Exit, Failure> {
    let format = DiffFormat::parse(&args.format).ok_or_else(|| {
        Failure::usage(format!("unknown format `{}`; expected terminal, json or markdown", args.format))
    })?;
    if let Some(out) = &args.out {
        output::check_writable(out)?;
    }
    let mut store = None;
    let (a_side, a) = side(&args.a, &args, &mut store)?;
    let (b_side, b) = side(&args.b, &args, &mut store)?;
    let d = diff::diff(a_side, &a, b_side, &b);
    output::emit(args.out.as_deref(), |w| steth_report::diff::render(&d, format, w))?;
    Ok(verdict(&d, args.fail_on_regression))
}

/// The exit code for a diff under `--fail-on-regression`, with the reason on stderr.
pub fn verdict(d: &Diff, fail_on_regression: bool) -> Exit {
    if !fail_on_regression || d.regressions == 0 {
        return Exit::Done;
    }
    eprintln!("{}", steth_report::diff::regression_line(d));
    Exit::BelowThreshold
}

/// A JSON report file, or a run of the history (opened once, on first need).
fn side(name: &str, args: &DiffArgs, store: &mut Option<Store>) -> Result<(Side, Report), Failure> {
    let file = Path::new(name);
    if file.is_file() {
        let text = std::fs::read_to_string(file).map_err(|e| Failure::usage(format!("cannot read {name}: {e}")))?;
        let report = steth_report::json::load(&text).map_err(|e| Failure::usage(format!("{name}: {e}")))?;
        return Ok((Side::of(name, &report, None), report));
    }
    if store.is_none() {
        let path = super::history::path(args.config.as_deref(), args.history.as_deref())?;
        *store = Some(Store::open(&path, false).map_err(Failure::usage)?);
    }
    let store = store.as_ref().expect("opened above");
    let id = store.resolve(name).map_err(Failure::usage)?;
    let (report, commit) = store.report(id).map_err(Failure::usage)?;
    Ok((history::side(id, &report, commit.clone()), report))
}
