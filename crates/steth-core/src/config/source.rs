//! Validation of the `[source]` table: the repository, how much of it is read, and the
//! globs and references its items use.

use super::raw::RawSource;
use super::{ConfigError, Validator};
use crate::threshold::parse_bytes;
use std::path::PathBuf;
use toml::Spanned;

/// Largest blob read whole unless `max_blob_bytes` says otherwise; larger ones are read up to it.
pub const DEFAULT_MAX_BLOB_BYTES: u64 = 16 << 20;

/// Where test fixtures live unless `fixtures` says otherwise: findings there are listed apart.
pub const DEFAULT_FIXTURE_GLOBS: [&str; 7] = [
    "**/tests/fixtures/**",
    "**/test/fixtures/**",
    "**/spec/fixtures/**",
    "**/__fixtures__/**",
    "**/testdata/**",
    "**/test-data/**",
    "fixtures/**",
];

/// The service's repository and how to read it: `[source]` or `--source PATH`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcePlan {
    /// A git work tree, or a plain directory (history items are then not assessed).
    pub path: PathBuf,
    /// Whether to read the git history (every blob reachable from every ref).
    pub history: bool,
    /// Repository paths never read (globs).
    pub exclude: Vec<String>,
    /// Largest part of one blob or file read; larger ones are read up to it.
    pub max_blob_bytes: u64,
    /// Test-fixture paths (globs): secrets found there are listed apart.
    pub fixtures: Vec<String>,
    /// Migration files (globs); detected when empty.
    pub migrations: Vec<String>,
    /// The ref whose merge base decides which migrations are new.
    pub baseline: Option<String>,
    /// An offline OSV database: a directory or zip of OSV JSON files.
    pub advisories: Option<PathBuf>,
}

impl SourcePlan {
    /// The defaults for a repository at `path`.
    pub fn new(path: impl Into<PathBuf>) -> SourcePlan {
        SourcePlan {
            path: path.into(),
            history: true,
            exclude: Vec::new(),
            max_blob_bytes: DEFAULT_MAX_BLOB_BYTES,
            fixtures: DEFAULT_FIXTURE_GLOBS.iter().map(|g| g.to_string()).collect(),
            migrations: Vec::new(),
            baseline: None,
            advisories: None,
        }
    }
}

impl Validator<'_> {
    pub(super) fn source(&self, s: &RawSource) -> Result<SourcePlan, ConfigError> {
        let path = self.text(&s.path, "source.path")?;
        if path.trim().is_empty() {
            return Err(self.fail(s.path.span(), "source.path", "must name a directory"));
        }
        let mut plan = SourcePlan::new(path);
        plan.history = s.history.unwrap_or(true);
        plan.exclude = self.globs(&s.exclude, "source.exclude")?;
        if let Some(f) = &s.fixtures {
            plan.fixtures = self.globs(f, "source.fixtures")?;
        }
        plan.migrations = self.globs(&s.migrations, "source.migrations")?;
        if let Some(b) = &s.max_blob_bytes {
            const MIN: u64 = 1 << 20;
            plan.max_blob_bytes = parse_bytes(b.get_ref()).filter(|n| *n >= MIN).ok_or_else(|| {
                self.fail(
                    b.span(),
                    "source.max_blob_bytes",
                    format!("`{}` is not a size of at least 1MiB such as `64MiB`", b.get_ref()),
                )
            })?;
        }
        if let Some(b) = &s.baseline {
            let r = self.text(b, "source.baseline")?;
            // What `git check-ref-format` refuses and what could pass as an option.
            let bad = r.is_empty()
                || r.starts_with('-')
                || r.contains("..")
                || r.chars().any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c));
            if bad {
                return Err(self.fail(b.span(), "source.baseline", format!("`{r}` is not a git ref or commit")));
            }
            plan.baseline = Some(r);
        }
        if let Some(a) = &s.advisories {
            plan.advisories = Some(PathBuf::from(self.text(a, "source.advisories")?));
        }
        Ok(plan)
    }

    fn globs(&self, globs: &[Spanned<String>], key: &str) -> Result<Vec<String>, ConfigError> {
        globs
            .iter()
            .map(|g| {
                globset::Glob::new(g.get_ref())
                    .map(|_| g.get_ref().clone())
                    .map_err(|e| self.fail(g.span(), key, format!("`{}` is not a glob: {}", g.get_ref(), e.kind())))
            })
            .collect()
    }
}
