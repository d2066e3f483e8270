//! 7.7 and 9.4: the schema migrations, which of them are new (not on the baseline's merge
//! base, else the newest [`NEWEST_MIGRATIONS`](super::NEWEST_MIGRATIONS)), their lint for
//! breaking changes and lock risk, and the migration linters the CI runs.

mod django;
mod dsl;
mod files;
mod raw_sql;
mod sql;

use super::ci::{CiScript, pattern};
use super::tree::Tree;
use super::{NEWEST_MIGRATIONS, RepoSettings, at, git};
use files::{Framework, Migration};
use regex::Regex;
use std::collections::HashSet;
use std::sync::LazyLock;
use steth_core::evidence::{MigrationEvidence, MigrationFinding, PracticeEvidence, Sighting, Slot};

/// Whether a finding breaks running code (7.7) or takes heavy locks (9.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Concern {
    Breaking,
    Lock,
}

/// One finding of a linter, before it is filed under its concern.
#[derive(Debug)]
struct Finding {
    concern: Concern,
    rule: String,
    message: String,
    line: usize,
    statement: String,
}

/// Migration linters as CI runs them, and strong_migrations as a gem (it checks every
/// migration the test suite runs).
static LINTERS: LazyLock<Vec<(&str, Regex)>> = LazyLock::new(|| {
    [
        ("squawk", r"\bsquawk\b"),
        ("strong_migrations", r"strong_migrations"),
        ("django-migration-linter", r"django[-_]migration[-_]linter|\blintmigrations\b"),
        ("atlas", r"\batlas\s+migrate\s+lint\b|ariga/atlas-action|ariga/setup-atlas"),
    ]
    .into_iter()
    .map(|(n, p)| (n, pattern(p)))
    .collect()
});

/// The migrations, what counts as new, and the lint of the new ones.
pub(super) fn collect(tree: &Tree, ci: &CiScript, settings: &RepoSettings) -> Slot<MigrationEvidence> {
    let mut migrations = match files::find(tree, &settings.migrations) {
        Ok(m) => m,
        Err(e) => return Slot::failed(e.to_string()),
    };
    if migrations.is_empty() {
        let searched =
            if settings.migrations.is_empty() { files::AUTO_DIRS.to_string() } else { settings.migrations.join(", ") };
        return Slot::unavailable(format!("no migration files found (searched {searched})"));
    }
    migrations.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.file.cmp(&b.file)));
    let (baseline, new) = new_migrations(tree, &migrations, settings.baseline.as_deref());
    let mut evidence = MigrationEvidence {
        directories: files::directories(&migrations),
        total: migrations.len(),
        baseline,
        linters: linters(tree, ci),
        ..MigrationEvidence::default()
    };
    for m in migrations.iter().filter(|m| new.contains(m.file.as_str())) {
        let Some(text) = tree.read(&m.file) else { continue };
        let text = files::without_down(m.framework, &text);
        let findings = match m.framework {
            Framework::Sql => sql::lint(&text),
            Framework::Django => {
                let mut findings = dsl::lint(Framework::Django, &text);
                findings.extend(django::alter_fields(&text, &earlier_in_app(tree, &migrations, m)));
                findings
            }
            framework => dsl::lint(framework, &text),
        };
        evidence.linted.push(m.file.clone());
        for f in findings {
            let finding =
                MigrationFinding { rule: f.rule, message: f.message, statement: f.statement, at: at(&m.file, f.line) };
            match f.concern {
                Concern::Breaking => evidence.breaking.push(finding),
                Concern::Lock => evidence.lock_risks.push(finding),
            }
        }
    }
    Slot::collected(evidence)
}

/// The texts of the Django migrations before `m` in its app's directory, in version order.
fn earlier_in_app(tree: &Tree, all: &[Migration], m: &Migration) -> Vec<String> {
    let dir = |f: &str| f.rsplit_once('/').map(|(d, _)| d.to_string());
    all.iter()
        .take_while(|e| e.file != m.file)
        .filter(|e| e.framework == Framework::Django && dir(&e.file) == dir(&m.file))
        .filter_map(|e| tree.read(&e.file))
        .collect()
}

/// What counts as new, in words, and the new migrations' files.
fn new_migrations<'a>(tree: &Tree, all: &'a [Migration], baseline: Option<&str>) -> (String, HashSet<&'a str>) {
    let why = match git::merge_base(&tree.root, baseline) {
        Ok((reference, base)) => match git::tree_files(&tree.root, &base) {
            Some(old) => {
                let old: HashSet<&str> = old.iter().map(String::as_str).collect();
                let new = all.iter().map(|m| m.file.as_str()).filter(|f| !old.contains(f)).collect();
                let short = &base[..base.len().min(10)];
                return (format!("migrations not on the merge base {short} of HEAD with {reference}"), new);
            }
            None => format!("the files of the merge base with {reference} could not be listed"),
        },
        Err(why) => why,
    };
    let newest = all.iter().rev().take(NEWEST_MIGRATIONS).map(|m| m.file.as_str()).collect();
    (format!("the newest {NEWEST_MIGRATIONS} migrations by version ({why})"), newest)
}

/// Migration linters in CI, and strong_migrations in a Gemfile.
fn linters(tree: &Tree, ci: &CiScript) -> PracticeEvidence {
    let tools: Vec<(&str, &Regex)> = LINTERS.iter().map(|(n, p)| (*n, p)).collect();
    let mut evidence = ci.practice(&tools);
    for manifest in ["Gemfile", "requirements.txt", "requirements-dev.txt", "pyproject.toml"] {
        let Some(text) = tree.contains(manifest).then(|| tree.read(manifest)).flatten() else { continue };
        evidence.searched.push(manifest.to_string());
        for (n, line) in text.lines().enumerate() {
            for (name, p) in &tools {
                if p.is_match(line) && !line.trim_start().starts_with('#') {
                    evidence.found.push(Sighting { what: format!("{name} in {manifest}"), at: at(manifest, n + 1) });
                }
            }
        }
    }
    evidence
}

/// The statement of a line, trimmed and shortened for a report.
fn statement(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}
