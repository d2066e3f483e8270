//! Evidence read from the repository's files and git history for the practice items: dependency
//! scanning and advisories (6.10), migrations (7.7, 9.4), feature flags (7.8), EXPLAIN in review
//! (9.1), load tests in CI (9.2) and performance budgets (9.5).

use super::Slot;
use serde::{Deserialize, Serialize};

/// What the repository shows about its practices, one part per concern.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepoEvidence {
    /// The CI configuration files read (GitHub Actions, GitLab CI, CircleCI, Jenkins, Azure,
    /// Bitbucket), relative to the repository root.
    pub ci_files: Vec<String>,
    /// Dependency scanning and the lockfiles matched against advisories (6.10).
    pub dependencies: DependencyEvidence,
    /// Schema migrations and their lint (7.7, 9.4); unavailable when none were found.
    pub migrations: Slot<MigrationEvidence>,
    /// Feature-flag SDKs in the manifests (7.8).
    pub flags: PracticeEvidence,
    /// Review templates and contributing guides asking for EXPLAIN (9.1).
    pub explain: PracticeEvidence,
    /// CI jobs running a load tool (9.2).
    pub load_tests: PracticeEvidence,
    /// Performance budgets (9.5).
    pub budgets: BudgetEvidence,
}

/// A place in the repository: a file relative to the root and a 1-based line (0 for the whole
/// file).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Path relative to the repository root, with `/` separators.
    pub file: String,
    /// 1-based line, 0 when the finding is about the whole file.
    pub line: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.file),
            line => write!(f, "{}:{line}", self.file),
        }
    }
}

/// One sign of a practice: the tool or requirement recognised and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sighting {
    /// What was recognised ("cargo-audit", "k6", "Dependabot", "EXPLAIN requirement").
    pub what: String,
    /// Where.
    pub at: Location,
}

impl std::fmt::Display for Sighting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.what, self.at)
    }
}

/// The signs of one practice and what was searched for them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PracticeEvidence {
    /// Every sign found.
    pub found: Vec<Sighting>,
    /// The files (or file kinds, when none existed) that were searched, for the evidence of a
    /// failing verdict.
    pub searched: Vec<String>,
    /// Signs that do not meet the item alone (a load script no CI job runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<Sighting>,
}

/// Dependency scanning (6.10).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DependencyEvidence {
    /// Scanners run in CI and dependency bots configured.
    pub scanners: PracticeEvidence,
    /// Every lockfile found.
    pub lockfiles: Vec<Lockfile>,
    /// The lockfiles matched against the advisory database; unavailable when none was given.
    pub advisories: Slot<AdvisoryMatch>,
}

/// One lockfile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lockfile {
    /// Path relative to the root.
    pub file: String,
    /// The OSV ecosystem of its packages ("crates.io", "npm", "PyPI", "Go", "RubyGems",
    /// "Packagist").
    pub ecosystem: String,
    /// Number of locked packages read.
    pub packages: usize,
}

/// The lockfiles matched against an offline OSV database.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdvisoryMatch {
    /// The database path as configured.
    pub database: String,
    /// Advisories loaded (withdrawn ones excluded).
    pub advisories: usize,
    /// Withdrawn advisories skipped.
    pub withdrawn: usize,
    /// Locked packages matched.
    pub packages: usize,
    /// Every locked version an advisory affects.
    pub vulnerable: Vec<VulnerablePackage>,
}

/// A locked version an advisory affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VulnerablePackage {
    /// The package name.
    pub package: String,
    /// Its ecosystem.
    pub ecosystem: String,
    /// The locked version.
    pub version: String,
    /// The advisory id (GHSA-…, RUSTSEC-…, PYSEC-…).
    pub advisory: String,
    /// The advisory's one-line summary, when it has one.
    pub summary: Option<String>,
    /// The first version that fixes it, when one exists.
    pub fixed: Option<String>,
    /// Where the version is locked.
    pub at: Location,
}

/// Schema migrations and their lint (7.7, 9.4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MigrationEvidence {
    /// The migration directories found or configured.
    pub directories: Vec<String>,
    /// Migration files found (down migrations excluded).
    pub total: usize,
    /// What counted as new, in words ("not on main's merge base a1b2c3d", "the newest 20").
    pub baseline: String,
    /// The new migrations that were linted, in version order.
    pub linted: Vec<String>,
    /// Changes that break the application version still running (7.7).
    pub breaking: Vec<MigrationFinding>,
    /// Operations that take heavy locks or rewrite tables (9.4).
    pub lock_risks: Vec<MigrationFinding>,
    /// Migration linters the CI runs (squawk, strong_migrations, django-migration-linter, atlas).
    pub linters: PracticeEvidence,
}

/// One lint finding in a migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationFinding {
    /// The rule ("ban-drop-column", "require-concurrent-index-creation").
    pub rule: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The statement, shortened to one line.
    pub statement: String,
    /// Where.
    pub at: Location,
}

/// Performance budgets (9.5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetEvidence {
    /// Endpoints declared in stethoscope configs in the repository, with their budget.
    pub endpoints: Vec<EndpointBudget>,
    /// Budgets in load-test thresholds (k6 `http_req_duration`) and SLO files (OpenSLO, Sloth).
    pub documented: PracticeEvidence,
}

/// One endpoint of a stethoscope config found in the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointBudget {
    /// "GET /products".
    pub endpoint: String,
    /// The declared `p99_budget`, as written.
    pub p99_budget: Option<String>,
    /// Where the endpoint is declared.
    pub at: Location,
}

impl super::Evidence {
    /// The repository evidence, or the outcome a check reports without it (`not assessed` when
    /// the source was not read, `error` when reading it failed).
    pub fn repo(&self) -> Result<&RepoEvidence, crate::outcome::Outcome> {
        self.source.get()?.repo.get()
    }
}
