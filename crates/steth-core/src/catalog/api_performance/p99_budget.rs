//! The check 1.1 and 1.2 share: every endpoint of a kind keeps its p99 under its budget.

use super::normal_load::{ms, normal_phases, row};
use crate::catalog::Verdict;
use crate::evidence::Evidence;
use crate::outcome::Outcome;
use crate::threshold::Threshold;

/// Within this share of the budget, a passing p99 is reported as a warning.
const NEAR: f64 = 0.9;

/// Evaluates the p99 of every normal-load phase of `kind` against its budget (the endpoint's
/// own `p99_budget`, else the threshold).
pub(super) fn evaluate(evidence: &Evidence, threshold: &Threshold, kind: crate::evidence::EndpointKind) -> Verdict {
    let rows = normal_phases(evidence, Some(kind))?;
    let default_ms = threshold.duration().map_or(f64::INFINITY, |d| d.as_secs_f64() * 1000.0);
    let mut findings = Vec::new();
    let (mut over, mut near) = (0, 0);
    let mut worst: Option<(f64, &str, f64)> = None;
    for (e, p) in &rows {
        let budget = e.p99_budget_ms.unwrap_or(default_ms);
        let p99 = p.latency.p99_ms;
        let verdict = if p99 >= budget {
            over += 1;
            "✗"
        } else if p99 >= budget * NEAR {
            near += 1;
            "⚠"
        } else {
            "✓"
        };
        findings.push(row(e, p, &format!("< {}", ms(budget)), verdict));
        if worst.is_none_or(|(ratio, _, _)| p99 / budget > ratio) {
            worst = Some((p99 / budget, e.name.as_str(), p99));
        }
    }
    let (ratio, name, p99) = worst.expect("normal_phases returns at least one row");
    let measured = format!("worst p99 {} ({name})", ms(p99));
    let summary = format!("{} {kind} endpoint(s) under normal load", rows.len());
    let outcome = if over > 0 {
        Outcome::fail(measured, format!("{over} of {summary} over budget")).with_excess(ratio)
    } else if near > 0 {
        Outcome::warn(measured, format!("{near} of {summary} within 10 % of the budget"))
    } else {
        Outcome::pass(measured, format!("all {summary} within budget"))
    };
    Ok(outcome.with_findings(findings))
}
