//! What the repository-practice checks share: the outcome of a practice the repository does
//! not show, with what was searched and how to vouch for a practice kept elsewhere.

use crate::evidence::{MigrationFinding, PracticeEvidence, Sighting};
use crate::outcome::Outcome;
use crate::threshold::Threshold;

/// Sightings as findings, one `what at file:line` each.
pub(crate) fn sightings<'a>(found: impl IntoIterator<Item = &'a Sighting>) -> Vec<String> {
    found.into_iter().map(Sighting::to_string).collect()
}

/// The distinct things seen, joined for a `measured` line ("k6 in CI, Locust in CI").
pub(crate) fn seen(found: &[Sighting]) -> String {
    let mut names: Vec<&str> = found.iter().map(|s| s.what.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(", ")
}

/// A failing outcome for a practice the repository does not show: what is missing, each file
/// (or kind of file) searched as a finding, and the `[attest]` hint with an example note.
pub(crate) fn absent(id: &str, missing: &str, practice: &PracticeEvidence, example: &str) -> Outcome {
    let searched = practice.searched.iter().map(|s| format!("searched {s}"));
    let partial = sightings(&practice.partial);
    Outcome::fail(
        format!("not found: {missing}"),
        format!(
            "nothing in the repository shows {missing}; if the practice is kept elsewhere, vouch for it \
             in [attest], e.g. \"{id}\" = \"{example}\""
        ),
    )
    .with_findings(partial.into_iter().chain(searched))
    .attestable()
}

/// The verdict on migration lint findings against a count threshold: each finding as
/// `file:line rule: statement (message)`.
pub(crate) fn migration_findings(
    found: &[MigrationFinding],
    kind: &str,
    threshold: &Threshold,
    summary: String,
) -> Outcome {
    let limit = threshold.limit_count();
    let n = found.len() as u64;
    let measured = format!("{n} {kind}(s)");
    let findings = found.iter().map(|f| format!("{} {}: {} ({})", f.at, f.rule, f.statement, f.message));
    if n > limit {
        Outcome::fail(measured, summary).with_findings(findings).with_excess((n as f64) / (limit.max(1) as f64))
    } else {
        Outcome::pass(measured, summary).with_findings(findings)
    }
}

/// The verdict on a practice: pass on what was seen (listed with file and line), else
/// [`absent`].
pub(crate) fn practice_verdict(id: &str, practice: &PracticeEvidence, missing: &str, example: &str) -> Outcome {
    if practice.found.is_empty() {
        return absent(id, missing, practice, example);
    }
    let files = practice.searched.len();
    Outcome::pass(seen(&practice.found), format!("{} sign(s) in the {files} file(s) searched", practice.found.len()))
        .with_findings(sightings(&practice.found))
}
