//! The few `git` questions the repository collector asks (what the default branch is, the
//! merge base, which files a commit's tree holds), each bounded in time.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A git command that takes longer than this is killed; local plumbing takes milliseconds.
const GIT_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `git -C root args…`; its trimmed stdout on success, `None` on failure or timeout.
pub(super) fn git(root: &Path, args: &[&str]) -> Option<String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    // Read on a thread so a large output cannot block the child while we wait on it.
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).map(|_| out)
    });
    let deadline = Instant::now() + GIT_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let out = reader.join().ok()?.ok()?;
    status.success().then(|| String::from_utf8_lossy(&out).trim().to_string())
}

/// The commit that marks what is old: the merge base of `HEAD` with `baseline`, or with the
/// default branch (`origin/HEAD`, else `main`, else `master`), as `(reference, commit)`. `Err`
/// says in words why there is none: not a git work tree, no such reference, or `HEAD` on the
/// baseline itself (then nothing would be "new").
pub(super) fn merge_base(root: &Path, baseline: Option<&str>) -> Result<(String, String), String> {
    let head = git(root, &["rev-parse", "--verify", "-q", "HEAD"]).ok_or("not a git work tree with a commit")?;
    let candidates: Vec<String> = match baseline {
        Some(b) => vec![b.to_string()],
        None => {
            let origin = git(root, &["symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"]);
            origin.into_iter().chain(["main".to_string(), "master".to_string()]).collect()
        }
    };
    for reference in &candidates {
        let Some(commit) = git(root, &["rev-parse", "--verify", "-q", &format!("{reference}^{{commit}}")]) else {
            continue;
        };
        let base = git(root, &["merge-base", &head, &commit])
            .ok_or_else(|| format!("HEAD and `{reference}` share no history"))?;
        if base == head {
            return Err(format!("HEAD is on `{reference}`, so nothing is newer than its merge base"));
        }
        return Ok((reference.clone(), base));
    }
    Err(match baseline {
        Some(b) => format!("baseline `{b}` is not a commit of this repository"),
        None => "no default branch (origin/HEAD, main, master)".to_string(),
    })
}

/// The paths of the files in a commit's tree.
pub(super) fn tree_files(root: &Path, commit: &str) -> Option<Vec<String>> {
    Some(
        git(root, &["ls-tree", "-r", "--name-only", "-z", commit])?
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}
