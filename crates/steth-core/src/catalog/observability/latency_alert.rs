//! 5.6 latency-alert: p99 latency alert.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// An alerting rule fires when p99 latency exceeds 500 ms. The default threshold is a rule that
    /// computes the 99th percentile with `histogram_quantile` and compares it with 0.5 s or less; a
    /// different target can be set in `[thresholds]`, e.g. `"5.6" = "800ms"`.
    ///
    /// ## Why it matters
    /// Latency degrades before anything breaks. A missing index or an exhausted connection pool
    /// pushes p99 from 150 ms to 2 s long before the error rate moves, while clients with short
    /// timeouts start retrying and add load. Averages hide it: 1 % of requests taking 5 s barely
    /// changes the mean. An alert on p99 catches the problem while it is still a slowdown and not
    /// yet an outage.
    ///
    /// ## How it is measured
    /// - **metrics**: stethoscope reads the alerting rules of `[metrics] rule_files` (Prometheus
    ///   rule files and Kubernetes `PrometheusRule` manifests, globs allowed) and of
    ///   `[metrics] prometheus` (the server's `/api/v1/rules`), parses each expression as PromQL
    ///   with recording rules resolved, and looks for a comparison that fires above a constant of
    ///   `histogram_quantile(0.99, …)` (or a higher quantile), or of a summary's
    ///   `quantile="0.99"` series. The constant's unit comes from the metric's name: `_seconds`,
    ///   `_milliseconds` or `_ms` (seconds, Prometheus's base unit, when the name gives none).
    ///
    /// A p99 alert at or below the threshold passes; above it fails with the value found. Rules
    /// on the average (`_sum / _count`) or on a lower quantile (p95) warn. When the service's
    /// metrics were scraped (`[metrics] url`), an alert watching a histogram the service does
    /// not export is dangling and fails with its name. A rule file Prometheus would refuse is
    /// listed with its file and line, and its rules do not count. No latency alert at all fails.
    /// Without rule files or a Prometheus server the item is not assessed; an alert kept in a
    /// system stethoscope cannot read can be vouched for in `[attest]` and is shown as attested.
    ///
    /// ## How to fix
    /// Alert on the p99 computed from the request duration histogram, per route if routes have
    /// different budgets (see 9.5):
    ///
    /// ```yaml
    /// groups:
    ///   - name: api-latency
    ///     rules:
    ///       - alert: HighP99Latency
    ///         expr: |
    ///           histogram_quantile(0.99,
    ///             sum by (le, route) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5
    ///         for: 10m
    ///         labels:
    ///           severity: page
    /// ```
    ///
    /// Keep `le` in the `by (…)` clause, or the quantile cannot be computed. Make sure the
    /// histogram has a bucket boundary at 0.5 s: the estimate interpolates within a bucket, so with
    /// buckets at 0.25 and 1 s the alert fires at an imprecise point.
    pub LATENCY_ALERT = {
        id: "5.6",
        slug: "latency-alert",
        title: "p99 latency alert",
        section: Observability,
        threshold: Threshold::duration_at_most_ms(500),
        sources: [Metrics],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

use crate::catalog::alert_rules::{Grade, judge};
use crate::evidence::{AlertCondition, AlertSignal};

/// The lowest quantile an alert may watch to meet the item.
const P99: f64 = 0.99;

fn grade(condition: &AlertCondition) -> Option<Grade> {
    let ms = condition.threshold * 1000.0;
    match condition.signal {
        AlertSignal::LatencyQuantile { quantile } if quantile >= P99 => {
            Some(Grade::Meets(ms, format!("p{} above {ms:.0} ms", quantile * 100.0)))
        }
        AlertSignal::LatencyQuantile { quantile } => {
            Some(Grade::Weak(format!("p{} above {ms:.0} ms, a lower quantile than p99", quantile * 100.0)))
        }
        AlertSignal::LatencyMean => Some(Grade::Weak(format!("mean latency above {ms:.0} ms, which hides the tail"))),
        _ => None,
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    judge(evidence, threshold, "p99 latency alert", "ms", grade)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, with_alerts};
    use crate::evidence::AlertRule;
    use crate::outcome::Status;

    fn alert(signal: AlertSignal, seconds: f64, watches: &[&str]) -> AlertRule {
        AlertRule {
            name: "SlowRequests".into(),
            location: "deploy/k8s/rules.yaml:12".into(),
            conditions: vec![AlertCondition { signal, threshold: seconds }],
            watches: watches.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn p(quantile: f64, seconds: f64) -> AlertRule {
        alert(AlertSignal::LatencyQuantile { quantile }, seconds, &["http_request_duration_seconds_bucket"])
    }

    #[test]
    fn a_p99_alert_at_half_a_second_passes() {
        let outcome = expect(&LATENCY_ALERT, &with_alerts(vec![p(0.99, 0.5)], Vec::new(), None), Status::Pass);
        assert!(outcome.evidence.contains("deploy/k8s/rules.yaml:12"), "{outcome:?}");
        expect(&LATENCY_ALERT, &with_alerts(vec![p(0.999, 0.3)], Vec::new(), None), Status::Pass);
    }

    #[test]
    fn a_p99_alert_above_the_threshold_fails_with_the_value_unless_configured() {
        let evidence = with_alerts(vec![p(0.99, 2.0)], Vec::new(), None);
        let outcome = expect(&LATENCY_ALERT, &evidence, Status::Fail);
        assert!(outcome.measured.as_deref().is_some_and(|m| m.starts_with("2000")), "{outcome:?}");
        let two = LATENCY_ALERT.default_threshold.with_override("2s").unwrap();
        expect_with(&LATENCY_ALERT, &evidence, &two, Status::Pass);
    }

    #[test]
    fn a_p95_or_a_mean_alert_warns() {
        expect(&LATENCY_ALERT, &with_alerts(vec![p(0.95, 0.3)], Vec::new(), None), Status::Warn);
        let mean = alert(AlertSignal::LatencyMean, 0.2, &["http_request_duration_seconds_sum"]);
        expect(&LATENCY_ALERT, &with_alerts(vec![mean], Vec::new(), None), Status::Warn);
    }

    #[test]
    fn an_alert_on_a_histogram_the_service_does_not_export_is_dangling() {
        let exported = Some(&["http_request_duration_seconds", "http_requests_total"][..]);
        expect(&LATENCY_ALERT, &with_alerts(vec![p(0.99, 0.5)], Vec::new(), exported), Status::Pass);
        let other = Some(&["request_latency_ms"][..]);
        let outcome = expect(&LATENCY_ALERT, &with_alerts(vec![p(0.99, 0.5)], Vec::new(), other), Status::Fail);
        assert!(outcome.evidence.contains("http_request_duration_seconds_bucket"), "{outcome:?}");
    }

    #[test]
    fn no_latency_alert_fails_and_no_rules_is_not_assessed() {
        let errors = alert(AlertSignal::ErrorRatio, 0.01, &["http_requests_total"]);
        expect(&LATENCY_ALERT, &with_alerts(vec![errors], Vec::new(), None), Status::Fail);
        expect(&LATENCY_ALERT, &Evidence::default(), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &LATENCY_ALERT,
            with_alerts(vec![p(0.99, 2.0)], Vec::new(), None),
            "2s",
            Status::Fail,
            Status::Pass,
        )
    }
}
