//! stethoscope's static analysis: what is decided from a repository's files and its git
//! history (secrets, dependency advisories, migrations, CI practices). Collectors here read
//! files and run `git`; they never score.
#![deny(missing_docs)]

mod git;
pub mod repo;
pub mod secrets;

use std::path::{Path, PathBuf};
use std::time::Instant;
use steth_core::config::SourcePlan;
use steth_core::evidence::{Slot, SourceEvidence};

/// Why reading the repository failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A git command failed.
    #[error("git {command}: {message}")]
    Git {
        /// The command's arguments.
        command: String,
        /// What it said.
        message: String,
    },
    /// A bad entry in `.stethoscope-ignore`.
    #[error("{}:{line}: {message}", secrets::IGNORE_FILE)]
    Ignore {
        /// 1-based line (0 when the file as a whole is at fault).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A glob of `[source]` that does not compile.
    #[error("{key}: {message}")]
    Config {
        /// The config key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The collector's time bound passed.
    #[error("reading the repository took longer than its time bound")]
    TimedOut,
}

/// Reads the repository the plan names: secrets in its files and history, then its practices.
/// Blocking (it runs `git` and reads files); every git command dies at `deadline`.
pub fn collect(plan: &SourcePlan, deadline: Instant) -> Slot<SourceEvidence> {
    if !plan.path.is_dir() {
        return Slot::failed(format!("source path {} is not a directory", plan.path.display()));
    }
    let root = work_tree(&plan.path, deadline);
    let git = root.is_some();
    let root = root.unwrap_or_else(|| plan.path.clone());
    let head = git.then(|| head(&root, deadline)).flatten();
    let secrets = secrets::scan(plan, &root, git, deadline).into();
    Slot::collected(SourceEvidence { path: plan.path.display().to_string(), git, head, secrets, repo: practices(plan) })
}

/// The repository's practices (6.10, 7.7, 7.8, 9.x), read from the configured path.
fn practices(plan: &SourcePlan) -> Slot<steth_core::evidence::RepoEvidence> {
    let settings = repo::RepoSettings {
        exclude: plan.exclude.clone(),
        migrations: plan.migrations.clone(),
        baseline: plan.baseline.clone(),
        advisories: plan.advisories.clone(),
    };
    repo::collect(&plan.path, &settings).into()
}

/// The commit `HEAD` names in the git work tree holding `path`; `None` for a plain directory,
/// an unborn branch, no `git`, or past `deadline`.
pub fn head(path: &Path, deadline: Instant) -> Option<String> {
    let out = git::output(path, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], deadline).ok()?;
    let head = String::from_utf8_lossy(&out).trim().to_string();
    (!head.is_empty()).then_some(head)
}

/// The top of the git work tree holding `path`, or `None` for a plain directory (or no `git`).
fn work_tree(path: &Path, deadline: Instant) -> Option<PathBuf> {
    let out = git::output(path, &["rev-parse", "--show-toplevel"], deadline).ok()?;
    let top = String::from_utf8_lossy(&out).trim().to_string();
    (!top.is_empty()).then(|| PathBuf::from(top))
}
