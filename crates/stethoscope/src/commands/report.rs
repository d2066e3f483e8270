//! `stethoscope report RUN.json`: re-renders a saved audit without touching the target.

use crate::cli::ReportArgs;
use crate::exit::{Exit, Failure};
use crate::output;

/// Runs `stethoscope report`.
pub fn run(args: ReportArgs) -> Result<Exit, Failure> {
    let format = output::format(&args.render.format)?;
    if !super::audit::exists(&args.run) {
        return Err(Failure::usage(format!("no saved report at {}", args.run.display())));
    }
    let text = std::fs::read_to_string(&args.run)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.run.display())))?;
    let report = steth_report::json::load(&text).map_err(|e| Failure::usage(format!("{}: {e}", args.run.display())))?;
    output::emit(args.render.out.as_deref(), |w| {
        steth_report::render(&report, format, output::style(args.render.out.is_some()), w)
    })?;
    Ok(Exit::Done)
}
