//! One module per command; `run` dispatches.

mod audit;
mod checks;
mod demo;
mod diff;
mod explain;
mod history;
mod init;
mod load;
mod report;

use crate::cli::{Cli, Command};
use crate::exit::{Exit, Failure};

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<Exit, Failure> {
    match cli.command {
        Command::Audit(args) => audit::run(args),
        Command::Checks(args) => checks::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Init(args) => init::run(args),
        Command::Report(args) => report::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Load(args) => load::run(args),
        Command::Merge(args) => load::merge(args),
        Command::History(args) => history::run(args),
        Command::Diff(args) => diff::run(args),
    }
}

/// A multi-threaded runtime for the commands that do I/O.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::could_not_run(format!("cannot start the async runtime: {e}")))
}

/// A small runtime for one-off fetches (init --openapi).
pub fn runtime_for_fetch() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::could_not_run(format!("cannot start the async runtime: {e}")))
}

/// The starter config text (for tests of the OpenAPI import).
#[cfg(test)]
pub fn init_starter(base_url: &str, spec: Option<&crate::openapi::Spec>) -> Result<String, String> {
    init::starter(base_url, spec)
}
