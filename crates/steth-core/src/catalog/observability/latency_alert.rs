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
    /// - **metrics**: stethoscope parses the Prometheus alert rule files given in the configuration
    ///   as PromQL and looks for an alert whose expression is `histogram_quantile(0.99, …)` over a
    ///   duration histogram, compared with a constant at or below the threshold (in seconds).
    ///
    /// Rules on the average (`_sum / _count`) or on lower quantiles do not meet the item; a p99
    /// rule with a higher constant fails. Without rule files the item is not assessed; an alert
    /// kept in a system stethoscope cannot read can be vouched for in `[attest]` and is shown as
    /// attested.
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
        evaluate: None,
    }
}
