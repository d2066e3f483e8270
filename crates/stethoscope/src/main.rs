//! The `stethoscope` binary: parses the command line, runs one command, maps the result to
//! an exit code. Glue only; the work lives in the library crates.

mod cli;
mod commands;
mod exit;
mod history;
mod interrupt;
mod openapi;
mod output;
mod progress;

use clap::Parser;

fn main() {
    // reqwest is built without a default TLS provider: install it once, before any client.
    steth_collect::http::install_crypto();
    let cli = cli::Cli::parse();
    let code = match commands::run(cli) {
        Ok(exit) => exit,
        Err(failure) => {
            if !failure.is_broken_pipe() {
                eprintln!("error: {failure}");
            }
            failure.exit()
        }
    };
    std::process::exit(code as i32);
}
