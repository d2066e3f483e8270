//! Exit codes, defined once.

use std::fmt;

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The command did its work (and the score met `--fail-under`).
    Done = 0,
    /// The audit ran but scored below `--fail-under`, or regressed with `--fail-on-regression`.
    BelowThreshold = 1,
    /// Usage or config error.
    Usage = 2,
    /// The audit could not run at all.
    CouldNotRun = 3,
    /// Stopped by Ctrl-C (what was measured was still reported), as shells expect: 128 + SIGINT.
    Interrupted = 130,
}

/// A command's failure: what to tell the user and which exit code to use.
#[derive(Debug)]
pub struct Failure {
    exit: Exit,
    message: String,
    broken_pipe: bool,
}

impl Failure {
    /// A usage or config error (exit 2).
    pub fn usage(message: impl fmt::Display) -> Failure {
        Failure { exit: Exit::Usage, message: message.to_string(), broken_pipe: false }
    }
    /// The audit could not run (exit 3).
    pub fn could_not_run(message: impl fmt::Display) -> Failure {
        Failure { exit: Exit::CouldNotRun, message: message.to_string(), broken_pipe: false }
    }
    /// The exit code.
    pub fn exit(&self) -> Exit {
        if self.broken_pipe { Exit::Done } else { self.exit }
    }
    /// Whether the reader went away (`stethoscope checks | head`): not an error.
    pub fn is_broken_pipe(&self) -> bool {
        self.broken_pipe
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure {
            exit: Exit::CouldNotRun,
            broken_pipe: e.kind() == std::io::ErrorKind::BrokenPipe,
            message: format!("cannot write the output: {e}"),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
