//! The repository's practices: dependency advisories, migrations, CI jobs, feature flags
//! (items 6.10, 7.7, 7.8, 9.1, 9.2, 9.4, 9.5). [`collect`] reads the work tree (and, for what
//! counts as a new migration, `git`) and returns [`RepoEvidence`]; it never scores.

mod ci;
mod deps;
mod git;
mod migrations;
mod practices;
mod tree;

pub use tree::TreeError;

use std::path::{Path, PathBuf};
use steth_core::evidence::{Location, RepoEvidence};

/// What the repository collector is told by the configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepoSettings {
    /// Globs of repository paths to skip (matched against paths relative to the root).
    pub exclude: Vec<String>,
    /// Globs of migration files; empty means auto-detected.
    pub migrations: Vec<String>,
    /// The git ref whose merge base with `HEAD` marks what counts as a new migration; `None`
    /// means the default branch, else the newest [`NEWEST_MIGRATIONS`].
    pub baseline: Option<String>,
    /// An offline OSV database: a directory of OSV JSON files (searched recursively) or a zip
    /// of them.
    pub advisories: Option<PathBuf>,
}

/// Without a baseline, this many of the newest migrations are linted.
pub const NEWEST_MIGRATIONS: usize = 20;

/// Reads the repository at `root` for the practice items. Fails only when `root` cannot be
/// read at all; a missing or unreadable part becomes an unavailable or failed slot.
pub fn collect(root: &Path, settings: &RepoSettings) -> Result<RepoEvidence, TreeError> {
    let tree = tree::Tree::walk(root, &settings.exclude)?;
    let ci = ci::CiScript::read(&tree);
    let dependencies = deps::collect(&tree, &ci, settings.advisories.as_deref());
    let migrations = migrations::collect(&tree, &ci, settings);
    Ok(RepoEvidence {
        ci_files: ci.files.clone(),
        dependencies,
        migrations,
        flags: practices::flags(&tree),
        explain: practices::explain(&tree, &ci),
        load_tests: practices::load_tests(&tree, &ci),
        budgets: practices::budgets(&tree),
    })
}

/// A location from a path and a 1-based line.
fn at(file: &str, line: usize) -> Location {
    Location { file: file.to_string(), line: u32::try_from(line).unwrap_or(u32::MAX) }
}
