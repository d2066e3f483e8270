//! Which paths are not read, which are test fixtures, and which values were accepted: the
//! `exclude` and `fixtures` globs of `[source]` and the repository's `.stethoscope-ignore`.

use crate::SourceError;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::io::Read;
use steth_core::config::SourcePlan;

/// The ignore file's name, at the repository's root.
pub const IGNORE_FILE: &str = ".stethoscope-ignore";

/// The most of the ignore file read.
const IGNORE_FILE_CAP: u64 = 1 << 20;

/// Path and value filters for one scan.
#[derive(Debug)]
pub(crate) struct Filters {
    exclude: GlobSet,
    fixtures: GlobSet,
    /// Lowercase SHA-256 hex (or a prefix of at least 12 digits) of accepted values.
    accepted: Vec<String>,
}

impl Filters {
    /// The filters of `plan`, plus the `.stethoscope-ignore` at `root` when there is one.
    pub(crate) fn load(plan: &SourcePlan, root: &std::path::Path) -> Result<Filters, SourceError> {
        let file = root.join(IGNORE_FILE);
        let text = match std::fs::File::open(&file) {
            Ok(f) => {
                let mut text = String::new();
                f.take(IGNORE_FILE_CAP)
                    .read_to_string(&mut text)
                    .map_err(|e| SourceError::Ignore { line: 0, message: format!("cannot read it: {e}") })?;
                text
            }
            Err(_) => String::new(),
        };
        Filters::parse(plan, &text)
    }

    /// The filters of `plan` and the ignore file's text.
    pub(crate) fn parse(plan: &SourcePlan, ignore: &str) -> Result<Filters, SourceError> {
        let mut exclude = GlobSetBuilder::new();
        for g in &plan.exclude {
            add(&mut exclude, g).map_err(|message| SourceError::Config { key: "source.exclude", message })?;
        }
        let mut accepted = Vec::new();
        for (n, line) in ignore.lines().enumerate() {
            let entry = line.trim();
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            let bad = |message: String| SourceError::Ignore { line: n + 1, message };
            match entry.strip_prefix("sha256:") {
                Some(hex) => {
                    let hex = hex.trim().to_ascii_lowercase();
                    if hex.len() < 12 || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(bad(format!(
                            "`{entry}` is not `sha256:` followed by 12 to 64 hex digits of the accepted value's SHA-256"
                        )));
                    }
                    accepted.push(hex);
                }
                None => add(&mut exclude, entry).map_err(bad)?,
            }
        }
        let mut fixtures = GlobSetBuilder::new();
        for g in &plan.fixtures {
            add(&mut fixtures, g).map_err(|message| SourceError::Config { key: "source.fixtures", message })?;
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| SourceError::Ignore { line: 0, message: e.to_string() });
        Ok(Filters { exclude: build(exclude)?, fixtures: build(fixtures)?, accepted })
    }

    /// Whether a repository path is never read.
    pub(crate) fn excluded(&self, path: &str) -> bool {
        self.exclude.is_match(path)
    }

    /// Whether a repository path is a test fixture.
    pub(crate) fn fixture(&self, path: &str) -> bool {
        self.fixtures.is_match(path)
    }

    /// Whether a value, by its full SHA-256 hex, was accepted in the ignore file.
    pub(crate) fn accepted(&self, sha256: &str) -> bool {
        self.accepted.iter().any(|a| sha256.starts_with(a.as_str()))
    }
}

/// Adds a gitignore-like entry: a leading `/` anchors at the root, a trailing `/` means
/// everything below, and a pattern without `/` matches at any depth.
fn add(set: &mut GlobSetBuilder, entry: &str) -> Result<(), String> {
    let anchored = entry.starts_with('/');
    let mut pattern = entry.trim_start_matches('/').to_string();
    if pattern.ends_with('/') {
        pattern.push_str("**");
    }
    let glob = |p: &str| Glob::new(p).map_err(|e| format!("`{entry}` is not a glob: {}", e.kind()));
    set.add(glob(&pattern)?);
    if !anchored && !pattern.starts_with("**/") {
        set.add(glob(&format!("**/{pattern}"))?);
    }
    if !pattern.ends_with("/**") {
        set.add(glob(&format!("{pattern}/**"))?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(ignore: &str) -> Filters {
        Filters::parse(&SourcePlan::new("."), ignore).unwrap()
    }

    #[test]
    fn paths_globs_and_values() {
        let f = filters("# accepted\n\ndocs/\n*.min.js\n/vendor\nsha256:0123456789AB\n");
        assert!(f.excluded("docs/a/b.md"));
        assert!(f.excluded("web/static/app.min.js"));
        assert!(f.excluded("vendor/lib/x.go"));
        assert!(!f.excluded("src/vendor.rs"));
        assert!(!f.excluded("src/main.rs"));
        assert!(f.accepted("0123456789abcdef"));
        assert!(!f.accepted("1123456789abcdef"));
    }

    #[test]
    fn default_fixture_paths() {
        let f = filters("");
        assert!(f.fixture("tests/fixtures/keys.pem"));
        assert!(f.fixture("pkg/a/testdata/x.json"));
        assert!(f.fixture("fixtures/shop/src/main.rs"));
        assert!(!f.fixture("src/fixtures.rs"));
    }

    #[test]
    fn a_bad_entry_names_its_line() {
        let e = Filters::parse(&SourcePlan::new("."), "ok.txt\nsha256:zz\n").unwrap_err();
        assert!(e.to_string().contains(":2:"), "{e}");
        let e = Filters::parse(&SourcePlan::new("."), "a[\n").unwrap_err();
        assert!(e.to_string().contains(":1:"), "{e}");
    }
}
