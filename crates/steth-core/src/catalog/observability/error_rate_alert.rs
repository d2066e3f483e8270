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
    /// - **metrics**: stethoscope reads the Prometheus alert rule files given in the configuration
    ///   and parses each rule's `expr` as PromQL. It looks for an alert whose expression divides an
    ///   error-filtered request rate (for example `status=~"5.."`) by the total request rate and
    ///   compares the result with a constant at or below the threshold.
    ///
    /// A ratio rule with a higher constant, or no ratio rule at all, fails. Without rule files the
    /// item is not assessed. If the alert lives in a system stethoscope cannot read (a Datadog
    /// monitor, a Grafana-managed alert), vouch for it in `[attest]`, e.g. `"5.5" = "Datadog
    /// monitor api-5xx-ratio at 1 %"`; it is then shown as attested.
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
        threshold: Threshold::percent_at_least(1.0),
        sources: [Metrics],
        severity: Medium,
        evaluate: None,
    }
}
