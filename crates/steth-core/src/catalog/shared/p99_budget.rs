//! The check 1.1 and 1.2 share: every endpoint of a kind keeps its p99 under its budget.

use super::normal_load::{
    failed_row, host_overloaded, host_share_ms, ms, normal_phases, not_attributable, row, unmeasured,
};
use crate::catalog::Verdict;
use crate::evidence::Evidence;
use crate::outcome::{EndpointVerdict, Outcome, Status};
use crate::threshold::Threshold;

/// Within this share of the budget, a passing p99 is reported as a warning.
const NEAR: f64 = 0.9;

/// Evaluates the p99 of every normal-load phase of `kind` against its budget (the endpoint's
/// own `p99_budget` as the config declares it, else the threshold): its items declare `Load`
/// and `Config`. An endpoint whose phase is no latency measurement
/// (mostly non-2xx answers, stopped early) makes the item `error`, naming the cause.
pub(crate) fn evaluate(evidence: &Evidence, threshold: &Threshold, kind: crate::evidence::EndpointKind) -> Verdict {
    let rows = normal_phases(evidence, Some(kind))?;
    let default_ms = threshold.limit_ms();
    let declared = evidence.config.data();
    let mut findings = Vec::new();
    let mut verdicts = Vec::new();
    let (mut over, mut near) = (0, 0);
    let mut worst: Option<(f64, &str, f64)> = None;
    let mut stalled = Vec::new();
    for r in &rows {
        let e = r.endpoint;
        let budget = declared.and_then(|d| d.p99_budget_ms(&e.name)).unwrap_or(default_ms);
        let Ok(p) = &r.phase else {
            verdicts.push(failed_row(r, budget));
            continue;
        };
        let p99 = p.latency.p99_ms;
        // Without what the overloaded host may have added, it would have passed: not judged.
        let host = p99 >= budget * NEAR && p99 - host_share_ms(p) < budget * NEAR;
        let status = if host {
            stalled.push(*p);
            Status::NotAssessed
        } else if p99 >= budget {
            over += 1;
            Status::Fail
        } else if p99 >= budget * NEAR {
            near += 1;
            Status::Warn
        } else {
            Status::Pass
        };
        let mark = if host { not_attributable(p) } else { status.symbol().to_string() };
        findings.push(row(e, p, &format!("< {}", ms(budget)), &mark));
        verdicts.push(EndpointVerdict {
            endpoint: e.name.clone(),
            status,
            target_ms: budget,
            cause: None,
            long_running: false,
        });
        if !host && worst.is_none_or(|(ratio, _, _)| p99 / budget > ratio) {
            worst = Some((p99 / budget, e.name.as_str(), p99));
        }
    }
    if let Some(error) = unmeasured(&rows, &verdicts) {
        return Ok(error);
    }
    if over == 0 && near == 0 && !stalled.is_empty() {
        return Ok(host_overloaded(&stalled).with_findings(findings).with_endpoints(verdicts));
    }
    let (ratio, name, p99) = worst.expect("every row was measured, at least one judged");
    let measured = format!("worst p99 {} ({name})", ms(p99));
    let summary = format!("{} {kind} endpoint(s) under normal load", rows.len());
    let outcome = if over > 0 {
        Outcome::fail(measured, format!("{over} of {summary} over budget")).with_excess(ratio)
    } else if near > 0 {
        Outcome::warn(measured, format!("{near} of {summary} within 10 % of the budget"))
    } else {
        Outcome::pass(measured, format!("all {summary} within budget"))
    };
    Ok(outcome.with_findings(findings).with_endpoints(verdicts))
}
