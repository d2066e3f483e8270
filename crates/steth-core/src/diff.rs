//! Two audits compared: the items whose status changed, the findings that appeared or went
//! away, and each endpoint's latency judged by one noise rule. Pure: reports in, a diff out.

use crate::outcome::Status;
use crate::report::{EndpointRow, ItemResult, Report};
use crate::section::Section;
use serde::{Deserialize, Serialize};

/// A p99 change counts only past this ratio of the earlier p99 (20 %)…
pub const P99_NOISE_RATIO: f64 = 0.20;
/// …and past this many milliseconds.
pub const P99_NOISE_MS: f64 = 5.0;
/// The noise rule in words, as `--help`, the README and every diff print it.
pub const NOISE_RULE: &str = "a latency change counts only when an endpoint's p99 moves by more than 20 % \
                              and by more than 5 ms; smaller moves are run-to-run noise";

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// How the user named it: `run 12` or a file name.
    pub label: String,
    /// When the audit started.
    pub started_at: String,
    /// The audited base URL, redacted.
    pub target: Option<String>,
    /// The source commit, when known.
    pub commit: Option<String>,
    /// The checklist score.
    pub percent: Option<f64>,
    /// The band's name or why there is none.
    pub band_label: String,
}

/// An item whose status differs between the two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemChange {
    /// Item id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Section key.
    pub section: Section,
    /// Status in the earlier run.
    pub before: Status,
    /// Status in the later run.
    pub after: Status,
    /// What the earlier run measured.
    pub measured_before: Option<String>,
    /// What the later run measured.
    pub measured_after: Option<String>,
}

/// A finding present in one run and not in the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingChange {
    /// Item id.
    pub id: String,
    /// Item title.
    pub title: String,
    /// The finding's text (an object, a `path:line`).
    pub finding: String,
}

/// What the noise rule says of one endpoint's p99.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencyVerdict {
    /// p99 rose past the noise rule.
    Regression,
    /// p99 fell past the noise rule.
    Improvement,
    /// p99 moved within the noise.
    Noise,
    /// One of the runs has no latency measurement for the endpoint.
    NotComparable,
}

/// One endpoint in both runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointChange {
    /// Display name (`GET /products`).
    pub name: String,
    /// Median latency before, ms.
    pub p50_before: f64,
    /// Median latency after, ms.
    pub p50_after: f64,
    /// p99 before, ms.
    pub p99_before: f64,
    /// p99 after, ms.
    pub p99_after: f64,
    /// Successful answers per second before.
    pub rate_before: f64,
    /// Successful answers per second after.
    pub rate_after: f64,
    /// The noise rule's verdict on the p99.
    pub verdict: LatencyVerdict,
    /// Why the endpoint is not comparable, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// The comparison of two reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// The earlier run.
    pub before: Side,
    /// The later run.
    pub after: Side,
    /// Items that fail now and did not before.
    pub new_failures: Vec<ItemChange>,
    /// Items that failed before and pass now (or were attested or declared n/a).
    pub fixed: Vec<ItemChange>,
    /// Every other status change (warn ↔ pass, measured → not assessed, …).
    pub other_changes: Vec<ItemChange>,
    /// Items in only one of the runs (another selection): never a regression.
    pub only_before: Vec<String>,
    /// Items only the later run has.
    pub only_after: Vec<String>,
    /// Findings of the later run the earlier one did not have, for items in both runs.
    pub new_findings: Vec<FindingChange>,
    /// Findings of the earlier run gone from the later one.
    pub fixed_findings: Vec<FindingChange>,
    /// Endpoints under load in both runs, in the later run's order.
    pub endpoints: Vec<EndpointChange>,
    /// The rule that separates a latency change from noise.
    pub noise_rule: String,
    /// New failures plus latency regressions: what `--fail-on-regression` counts.
    pub regressions: usize,
}

/// What the noise rule makes of a p99 going from `before` to `after` milliseconds.
pub fn judge_p99(before: f64, after: f64) -> LatencyVerdict {
    if !before.is_finite() || !after.is_finite() {
        return LatencyVerdict::NotComparable;
    }
    let delta = after - before;
    if delta > P99_NOISE_MS && delta > before * P99_NOISE_RATIO {
        LatencyVerdict::Regression
    } else if -delta > P99_NOISE_MS && -delta > before * P99_NOISE_RATIO {
        LatencyVerdict::Improvement
    } else {
        LatencyVerdict::Noise
    }
}

/// The source commit a report's evidence names, when the repository was read.
pub fn commit_of(report: &Report) -> Option<String> {
    report.raw_evidence.as_ref()?.source.data()?.head.clone()
}

impl Side {
    /// One side of a diff, from its report.
    pub fn of(label: impl Into<String>, report: &Report, commit: Option<String>) -> Side {
        Side {
            label: label.into(),
            started_at: report.run.started_at.clone(),
            target: report.run.target.clone(),
            commit: commit.or_else(|| commit_of(report)),
            percent: report.total.percent,
            band_label: report.total.band_label.clone(),
        }
    }
}

fn all_items(report: &Report) -> impl Iterator<Item = &ItemResult> {
    report.items.iter().chain(report.extended.iter().flat_map(|e| &e.items))
}

/// Compares two reports, `before` the earlier.
pub fn diff(before: Side, a: &Report, after: Side, b: &Report) -> Diff {
    let mut d = Diff {
        before,
        after,
        new_failures: Vec::new(),
        fixed: Vec::new(),
        other_changes: Vec::new(),
        only_before: Vec::new(),
        only_after: Vec::new(),
        new_findings: Vec::new(),
        fixed_findings: Vec::new(),
        endpoints: Vec::new(),
        noise_rule: NOISE_RULE.to_string(),
        regressions: 0,
    };
    for new in all_items(b) {
        let Some(old) = all_items(a).find(|i| i.id == new.id) else {
            d.only_after.push(new.id.clone());
            continue;
        };
        let finding = |f: &String| FindingChange { id: new.id.clone(), title: new.title.clone(), finding: f.clone() };
        let (old_keys, new_keys): (Vec<String>, Vec<String>) = (
            old.findings.iter().map(|f| finding_key(f)).collect(),
            new.findings.iter().map(|f| finding_key(f)).collect(),
        );
        d.new_findings.extend(new.findings.iter().filter(|f| !old_keys.contains(&finding_key(f))).map(finding));
        d.fixed_findings.extend(old.findings.iter().filter(|f| !new_keys.contains(&finding_key(f))).map(finding));
        if old.status == new.status {
            continue;
        }
        let change = ItemChange {
            id: new.id.clone(),
            title: new.title.clone(),
            section: new.section,
            before: old.status,
            after: new.status,
            measured_before: old.measured.clone(),
            measured_after: new.measured.clone(),
        };
        match (old.status, new.status) {
            (_, Status::Fail) => d.new_failures.push(change),
            (Status::Fail, Status::Pass | Status::Attested | Status::Na) => d.fixed.push(change),
            _ => d.other_changes.push(change),
        }
    }
    d.only_before = all_items(a).filter(|o| all_items(b).all(|n| n.id != o.id)).map(|o| o.id.clone()).collect();
    let rows = |r: &Report| r.load.as_ref().map(|l| l.endpoints.clone()).unwrap_or_default();
    let (old_rows, new_rows) = (rows(a), rows(b));
    for new in &new_rows {
        if let Some(old) = old_rows.iter().find(|o| o.name == new.name) {
            d.endpoints.push(endpoint_change(old, new));
        }
    }
    d.regressions =
        d.new_failures.len() + d.endpoints.iter().filter(|e| e.verdict == LatencyVerdict::Regression).count();
    d
}

/// What makes two findings the same one: their text with every number masked, so a finding
/// whose measurement changed (1.1's `p99 5.5 ms` row of an endpoint) or whose line moved
/// (`src/db.rs:42` → `:44`) is not reported as fixed and new again.
pub fn finding_key(finding: &str) -> String {
    let mut key = String::with_capacity(finding.len());
    let mut in_number = false;
    for c in finding.chars() {
        let numeric = c.is_ascii_digit() || (in_number && c == '.');
        if numeric {
            if !in_number {
                key.push('#');
            }
        } else {
            key.push(c);
        }
        in_number = numeric;
    }
    key
}

fn endpoint_change(old: &EndpointRow, new: &EndpointRow) -> EndpointChange {
    let unmeasured = |r: &EndpointRow, when: &str| {
        r.cause
            .as_ref()
            .map(|c| format!("{when}: {c}"))
            .or_else(|| (r.classes.success == 0).then(|| format!("{when}: no 2xx answer, so no latency was measured")))
    };
    let why = unmeasured(old, "before").or_else(|| unmeasured(new, "after"));
    EndpointChange {
        name: new.name.clone(),
        p50_before: old.p50_ms,
        p50_after: new.p50_ms,
        p99_before: old.p99_ms,
        p99_after: new.p99_ms,
        rate_before: old.achieved_rate,
        rate_after: new.achieved_rate,
        verdict: if why.is_some() { LatencyVerdict::NotComparable } else { judge_p99(old.p99_ms, new.p99_ms) },
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_p99_regression_needs_both_twenty_percent_and_five_ms() {
        // +25 % but only +2.5 ms: noise on a fast endpoint.
        assert_eq!(judge_p99(10.0, 12.5), LatencyVerdict::Noise);
        // +10 ms but only +5 %: noise on a slow endpoint.
        assert_eq!(judge_p99(200.0, 210.0), LatencyVerdict::Noise);
        // +30 % and +30 ms.
        assert_eq!(judge_p99(100.0, 130.0), LatencyVerdict::Regression);
        // Exactly at both edges is still noise: the rule says "more than".
        assert_eq!(judge_p99(25.0, 30.0), LatencyVerdict::Noise);
        assert_eq!(judge_p99(100.0, 120.0), LatencyVerdict::Noise);
        assert_eq!(judge_p99(100.0, 120.1), LatencyVerdict::Regression);
        // From 0 ms any rise past 5 ms counts.
        assert_eq!(judge_p99(0.0, 5.1), LatencyVerdict::Regression);
    }

    #[test]
    fn findings_match_with_their_numbers_masked() {
        assert_eq!(
            finding_key("GET /products: p50 1.5 ms · p99 5.5 ms (target < 200 ms) ✓"),
            finding_key("GET /products: p50 3.1 ms · p99 13 ms (target < 200 ms) ✓")
        );
        assert_eq!(finding_key("src/db.rs:42 aws-access-key-id"), "src/db.rs:# aws-access-key-id");
        assert_ne!(finding_key("GET /: CSP missing"), finding_key("GET /cart: CSP missing"));
        assert_ne!(finding_key("GET /products: p99 5 ms ✓"), finding_key("GET /products: p99 500 ms ✗"));
    }

    #[test]
    fn improvements_follow_the_same_rule_downwards() {
        assert_eq!(judge_p99(130.0, 100.0), LatencyVerdict::Improvement);
        assert_eq!(judge_p99(12.5, 10.0), LatencyVerdict::Noise);
        assert_eq!(judge_p99(f64::NAN, 10.0), LatencyVerdict::NotComparable);
    }
}
