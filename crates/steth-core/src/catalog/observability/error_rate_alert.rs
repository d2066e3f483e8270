//! 5.5 error-rate-alert: error-rate alert.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// An alerting rule fires when the share of failed requests (5xx responses over all responses)
    /// exceeds 1 %. The default threshold is an error-ratio alert at 1 % or lower; a different
    /// target can be set in `[thresholds]`, e.g. `"5.5" = "2%"`.
    ///
    /// ## Why it matters
    /// Without this alert, a deploy that makes 3 % of checkout calls return 500 is discovered by
    /// customers, or at the next dashboard review. The alert has to be a ratio: a rule such as
    /// "more than 10 errors per minute" pages every evening at peak traffic and stays silent when a
    /// low-traffic endpoint fails completely.
    ///
    /// ## How it is measured
    /// - **metrics**: stethoscope reads the alerting rules of `[metrics] rule_files` (Prometheus
    ///   rule files and Kubernetes `PrometheusRule` manifests, globs allowed) and of
    ///   `[metrics] prometheus` (the server's `/api/v1/rules`), and parses each expression as
    ///   PromQL with recording rules resolved, so `job:http_errors:ratio_rate5m > 0.01` counts
    ///   when a recording rule defines that ratio. It looks for a comparison that fires above a
    ///   constant of an error-filtered request rate (a status or code label matching 5xx, by
    ///   value or regex) divided by the total rate; a success ratio firing below `1 − x` counts
    ///   as an error ratio of `x`, and `ratio * 100 > 1` as 1 %. A multi-window burn-rate alert
    ///   from an SLO generator (Sloth, Pyrra: `ratio > (14.4 * 0.001)`) counts with its error
    ///   budget (0.1 % here).
    ///
    /// A ratio or budget at or below the threshold passes; above it fails with the value found.
    /// An alert on an absolute error count or rate, with no ratio, warns. When the service's
    /// metrics were scraped (`[metrics] url`), an alert watching a series the service does not
    /// export is dangling and fails with the series' name. A rule file Prometheus would refuse
    /// (YAML or PromQL syntax) is listed with its file and line, and its rules do not count. No
    /// such alert at all fails. Without rule files or a Prometheus server the item is not
    /// assessed. If the alert lives in a system stethoscope cannot read (a Datadog monitor, a
    /// Grafana-managed alert), vouch for it in `[attest]`, e.g. `"5.5" = "Datadog monitor
    /// api-5xx-ratio at 1 %"`; it is then shown as attested.
    ///
    /// ## How to fix
    /// Add a rule on the ratio, with a `for:` clause so a single bad scrape does not page:
    ///
    /// ```yaml
    /// groups:
    ///   - name: api-availability
    ///     rules:
    ///       - alert: HighErrorRatio
    ///         expr: |
    ///           sum(rate(http_requests_total{status=~"5.."}[5m]))
    ///             / sum(rate(http_requests_total[5m])) > 0.01
    ///         for: 5m
    ///         labels:
    ///           severity: page
    ///         annotations:
    ///           summary: "More than 1% of requests fail with 5xx"
    /// ```
    ///
    /// Route the alert to a receiver somebody actually watches, and link a runbook in the
    /// annotations.
    pub ERROR_RATE_ALERT = {
        id: "5.5",
        slug: "error-rate-alert",
        title: "Error-rate alert",
        section: Observability,
        threshold: Threshold::percent_at_most(1.0),
        sources: [Metrics],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

use crate::catalog::alert_rules::{Grade, judge};
use crate::evidence::{AlertCondition, AlertSignal};

fn grade(condition: &AlertCondition) -> Option<Grade> {
    let percent = condition.threshold * 100.0;
    match condition.signal {
        AlertSignal::ErrorRatio => Some(Grade::Meets(percent, format!("5xx ratio above {percent:.3} %"))),
        AlertSignal::ErrorBudgetBurn { factor } => {
            Some(Grade::Meets(percent, format!("burn rate {factor}× of a {percent:.3} % error budget")))
        }
        AlertSignal::ErrorCount => {
            Some(Grade::Weak(format!("5xx count or rate above {}, not a ratio of the traffic", condition.threshold)))
        }
        _ => None,
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    judge(evidence, threshold, "error-ratio alert", "%", grade)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, with_alerts};
    use crate::evidence::{AlertRule, RuleProblem};
    use crate::outcome::Status;

    fn alert(name: &str, signal: AlertSignal, threshold: f64, watches: &[&str]) -> AlertRule {
        AlertRule {
            name: name.into(),
            location: "ops/alerts.yml:7".into(),
            conditions: vec![AlertCondition { signal, threshold }],
            watches: watches.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn ratio(threshold: f64) -> AlertRule {
        alert("HighErrorRatio", AlertSignal::ErrorRatio, threshold, &["http_requests_total"])
    }

    #[test]
    fn a_ratio_alert_at_one_percent_passes() {
        let outcome = expect(&ERROR_RATE_ALERT, &with_alerts(vec![ratio(0.01)], Vec::new(), None), Status::Pass);
        assert!(outcome.evidence.contains("HighErrorRatio at ops/alerts.yml:7"), "{outcome:?}");
    }

    #[test]
    fn a_looser_ratio_fails_with_the_value_and_a_configured_threshold_admits_it() {
        let evidence = with_alerts(vec![ratio(0.05)], Vec::new(), None);
        let outcome = expect(&ERROR_RATE_ALERT, &evidence, Status::Fail);
        assert!(outcome.measured.as_deref().is_some_and(|m| m.starts_with("5.000")), "{outcome:?}");
        let five = ERROR_RATE_ALERT.default_threshold.with_override("5%").unwrap();
        expect_with(&ERROR_RATE_ALERT, &evidence, &five, Status::Pass);
    }

    #[test]
    fn a_burn_rate_alert_counts_with_its_error_budget() {
        let burn =
            alert("ErrorBudgetBurn", AlertSignal::ErrorBudgetBurn { factor: 14.4 }, 0.001, &["http_requests_total"]);
        expect(&ERROR_RATE_ALERT, &with_alerts(vec![burn], Vec::new(), None), Status::Pass);
        let loose = alert("ErrorBudgetBurn", AlertSignal::ErrorBudgetBurn { factor: 14.4 }, 0.05, &["x_total"]);
        expect(&ERROR_RATE_ALERT, &with_alerts(vec![loose], Vec::new(), None), Status::Fail);
    }

    #[test]
    fn an_absolute_error_count_warns() {
        let count = alert("Errors", AlertSignal::ErrorCount, 10.0, &["http_requests_total"]);
        expect(&ERROR_RATE_ALERT, &with_alerts(vec![count], Vec::new(), None), Status::Warn);
    }

    #[test]
    fn an_alert_on_a_series_the_service_does_not_export_is_dangling() {
        let evidence = with_alerts(vec![ratio(0.01)], Vec::new(), Some(&["http_server_requests_seconds"]));
        let outcome = expect(&ERROR_RATE_ALERT, &evidence, Status::Fail);
        assert!(outcome.evidence.contains("http_requests_total"), "{outcome:?}");
        let exported = with_alerts(vec![ratio(0.01)], Vec::new(), Some(&["http_requests_total"]));
        expect(&ERROR_RATE_ALERT, &exported, Status::Pass);
    }

    #[test]
    fn no_ratio_alert_fails_listing_rule_files_that_do_not_load() {
        let latency = alert("SlowP99", AlertSignal::LatencyQuantile { quantile: 0.99 }, 0.5, &["x"]);
        let problem = RuleProblem { location: "ops/broken.yml:3".into(), message: "invalid PromQL".into() };
        let outcome = expect(&ERROR_RATE_ALERT, &with_alerts(vec![latency], vec![problem], None), Status::Fail);
        assert!(outcome.findings.iter().any(|f| f.contains("ops/broken.yml:3")), "{outcome:?}");
    }

    #[test]
    fn without_rules_the_item_is_not_assessed() {
        let mut evidence = with_alerts(Vec::new(), Vec::new(), None);
        if let crate::evidence::Slot::Collected { data } = &mut evidence.metrics {
            data.rules = crate::evidence::Slot::unavailable("no rule files");
        }
        expect(&ERROR_RATE_ALERT, &evidence, Status::NotAssessed);
        expect(&ERROR_RATE_ALERT, &Evidence::default(), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &ERROR_RATE_ALERT,
            with_alerts(vec![ratio(0.05)], Vec::new(), None),
            "5%",
            Status::Fail,
            Status::Pass,
        )
    }
}
