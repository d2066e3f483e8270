//! What the alert-rule checks (5.5, 5.6) share: each alert's conditions graded against the
//! threshold, alerts on series the service does not export set apart as dangling, and rule
//! files Prometheus would refuse listed as findings.

use super::Verdict;
use crate::evidence::{AlertCondition, AlertRule, Evidence, MetricFamily};
use crate::outcome::Outcome;
use crate::threshold::Threshold;

/// How an alert condition serves the item.
pub(crate) enum Grade {
    /// The signal the item asks for, at this value in the threshold's unit (percent, ms).
    Meets(f64, String),
    /// A related signal that does not meet the item (an error count, a p95, a mean).
    Weak(String),
}

/// Series a Prometheus server makes up itself, never the service's.
const SERVER_SERIES: &[&str] = &["up", "ALERTS", "ALERTS_FOR_STATE", "absent"];

/// Whether the service's families include `series` (a histogram's `_bucket`, `_sum`, `_count`
/// series belong to its family; a counter may be listed with or without `_total`).
fn exported(series: &str, families: &[MetricFamily]) -> bool {
    SERVER_SERIES.contains(&series)
        || series.starts_with("scrape_")
        || families.iter().any(|f| {
            series == f.name
                || ["_bucket", "_sum", "_count", "_total", "_created"]
                    .iter()
                    .any(|suffix| series.strip_suffix(suffix) == Some(f.name.as_str()))
        })
}

/// The series `rule` watches that the service does not export, when its families were read.
fn dangling(rule: &AlertRule, families: Option<&Vec<MetricFamily>>) -> Vec<String> {
    let Some(families) = families else { return Vec::new() };
    rule.watches.iter().filter(|s| !exported(s, families)).cloned().collect()
}

/// The verdict on the alert rules: a pass for a condition the threshold admits, a fail for one
/// it does not (with the value found) or for a dangling alert (with the series), a warning for
/// a weak signal only, and a fail when no alert watches the signal at all. `wanted` names the
/// signal ("an error-ratio alert"), `grade` reads one condition.
pub(crate) fn judge(
    evidence: &Evidence,
    threshold: &Threshold,
    wanted: &str,
    unit: &str,
    grade: fn(&AlertCondition) -> Option<Grade>,
) -> Verdict {
    let metrics = evidence.metrics.get()?;
    let rules = metrics.rules.get()?;
    let families = metrics.families.data();
    let problems: Vec<String> = rules.problems.iter().map(|p| format!("{}: {}", p.location, p.message)).collect();
    let mut meets = Vec::new();
    let mut weak = Vec::new();
    let mut lost = Vec::new();
    for rule in &rules.alerts {
        let graded: Vec<Grade> = rule.conditions.iter().filter_map(grade).collect();
        if graded.is_empty() {
            continue;
        }
        let missing = dangling(rule, families);
        if !missing.is_empty() {
            lost.push(format!(
                "{} at {} watches {}, which the service does not export",
                rule.name,
                rule.location,
                missing.join(", ")
            ));
            continue;
        }
        for g in graded {
            match g {
                Grade::Meets(value, what) => meets.push((value, format!("{} at {}: {what}", rule.name, rule.location))),
                Grade::Weak(what) => weak.push(format!("{} at {}: {what}", rule.name, rule.location)),
            }
        }
    }
    let context = problems.iter().chain(&lost).cloned();
    if let Some((value, what)) = meets.iter().find(|(v, _)| threshold.admits(*v) == Some(true)) {
        return Ok(Outcome::pass(format!("{value:.3} {unit}"), what.clone()).with_findings(context));
    }
    meets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((value, what)) = meets.first() {
        return Ok(Outcome::fail(format!("{value:.3} {unit}"), format!("{what}, above the threshold {threshold}"))
            .with_findings(context));
    }
    if let Some(first) = lost.first() {
        return Ok(Outcome::fail(format!("dangling: {}", lost.len()), format!("{wanted} is dangling: {first}"))
            .with_findings(context));
    }
    if let Some(first) = weak.first() {
        return Ok(Outcome::warn("weak signal", format!("no {wanted}; closest: {first}"))
            .with_findings(weak.iter().skip(1).cloned().chain(context)));
    }
    let read = format!("{} alerting rules in {}", rules.alerts.len(), rules.read.join(", "));
    let refused = match problems.len() {
        0 => String::new(),
        n => format!("; {n} rule files or rules do not load"),
    };
    Ok(Outcome::fail("none", format!("no {wanted} among {read}{refused}")).with_findings(context).attestable())
}
