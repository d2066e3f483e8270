//! Running `git`: read-only plumbing commands in the repository, never a hook, a filter or a
//! pager, with a time bound.

use crate::SourceError;
use std::io::{BufRead, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

/// A `git` command in the repository at `dir`, configured for reading only.
pub(crate) fn command(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        // A CI checkout is often owned by another user; these commands run no hook or filter.
        .args(["-c", "safe.directory=*", "-c", "core.quotePath=false", "--no-pager", "--no-replace-objects"])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    c
}

/// Runs a git command to completion and returns its output; fails past the deadline.
pub(crate) fn output(dir: &Path, args: &[&str], deadline: Instant) -> Result<Vec<u8>, SourceError> {
    let mut out = Vec::new();
    run(dir, args, deadline, |r| r.read_to_end(&mut out).map(drop))?;
    Ok(out)
}

/// Runs a git command whose output is NUL-separated (`-z`) and hands each token to `each` as it
/// arrives, so memory stays at one token whatever the output's size; fails past the deadline.
pub(crate) fn tokens(
    dir: &Path,
    args: &[&str],
    deadline: Instant,
    mut each: impl FnMut(&[u8]),
) -> Result<(), SourceError> {
    run(dir, args, deadline, |r| {
        let mut token = Vec::new();
        loop {
            token.clear();
            if r.read_until(0, &mut token)? == 0 {
                return Ok(());
            }
            each(token.strip_suffix(&[0]).unwrap_or(&token));
        }
    })
}

/// Runs a git command, `consume` reading its standard output; its standard error (bounded)
/// becomes the error when it fails, and it is killed at the deadline.
fn run(
    dir: &Path,
    args: &[&str],
    deadline: Instant,
    consume: impl FnOnce(&mut dyn BufRead) -> std::io::Result<()>,
) -> Result<(), SourceError> {
    let failed = |message: String| SourceError::Git { command: args.join(" "), message };
    let mut child = command(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.take(64 << 10).read_to_end(&mut buf);
        buf
    });
    let watchdog = Watchdog::start(child, deadline);
    let mut reader = std::io::BufReader::with_capacity(256 << 10, stdout);
    let read = consume(&mut reader);
    drop(reader);
    let (status, timed_out) = watchdog.finish();
    let err = err_reader.join().unwrap_or_default();
    if timed_out {
        return Err(SourceError::TimedOut);
    }
    read.map_err(|e| failed(e.to_string()))?;
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(failed(format!("{s}: {}", String::from_utf8_lossy(&err).trim()))),
        Err(e) => Err(failed(e.to_string())),
    }
}

/// Owns a running child and kills it when the deadline passes before it is finished.
pub(crate) struct Watchdog {
    child: Arc<Mutex<Child>>,
    done: mpsc::Sender<()>,
    fired: std::thread::JoinHandle<bool>,
}

impl Watchdog {
    /// Watches `child` until `deadline`.
    pub(crate) fn start(child: Child, deadline: Instant) -> Watchdog {
        let child = Arc::new(Mutex::new(child));
        let watched = Arc::clone(&child);
        let (done, wait) = mpsc::channel::<()>();
        let fired = std::thread::spawn(move || {
            let left = deadline.saturating_duration_since(Instant::now());
            match wait.recv_timeout(left) {
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let mut c = watched.lock().unwrap_or_else(|p| p.into_inner());
                    if matches!(c.try_wait(), Ok(None)) {
                        let _ = c.kill();
                    }
                    true
                }
                _ => false,
            }
        });
        Watchdog { child, done, fired }
    }

    /// Waits for the child (its output must be read to the end first) and stops watching;
    /// the flag is true when the deadline had passed.
    pub(crate) fn finish(self) -> (std::io::Result<ExitStatus>, bool) {
        let _ = self.done.send(());
        let fired = self.fired.join().unwrap_or(false);
        let status = self.child.lock().unwrap_or_else(|p| p.into_inner()).wait();
        (status, fired)
    }
}
