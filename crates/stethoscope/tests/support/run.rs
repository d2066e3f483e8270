//! Running the built binary, for the command-line tests (included by path, so a test binary
//! that only runs commands does not compile the rest of `support`).

use std::path::Path;
use std::process::{Command, Output};

/// Runs `stethoscope ARGS` in `dir`, without colour, and waits for it.
pub fn stethoscope(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stethoscope"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
