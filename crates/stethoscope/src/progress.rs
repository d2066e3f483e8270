//! Progress on stderr: one line when a collector starts and one when it ends; nothing with
//! `--quiet`.

use std::time::Duration;
use steth_collect::Progress;

/// Prints collector progress to stderr.
pub struct Lines {
    /// Print nothing.
    pub quiet: bool,
}

impl Progress for Lines {
    fn started(&self, source: &str, detail: &str) {
        if !self.quiet {
            eprintln!("  … {source:<6} {detail}");
        }
    }
    fn finished(&self, source: &str, state: &str, took: Duration) {
        if !self.quiet {
            eprintln!("  {} {source:<6} {state} in {:.1} s", if state == "collected" { "✓" } else { "!" }, took.as_secs_f64());
        }
    }
}
