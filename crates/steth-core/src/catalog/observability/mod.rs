//! Section 5: its items in report order.

mod cache_hit_metric;
mod distributed_tracing;
mod error_rate_alert;
mod latency_alert;
mod query_count_metric;
mod red_metrics;
mod request_ids;
mod structured_logging;

use super::Item;

/// The section's items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &distributed_tracing::DISTRIBUTED_TRACING,
    &red_metrics::RED_METRICS,
    &structured_logging::STRUCTURED_LOGGING,
    &request_ids::REQUEST_IDS,
    &error_rate_alert::ERROR_RATE_ALERT,
    &latency_alert::LATENCY_ALERT,
    &query_count_metric::QUERY_COUNT_METRIC,
    &cache_hit_metric::CACHE_HIT_METRIC,
];

/// The override case of each of the section's items whose threshold is a number.
#[cfg(test)]
pub(super) fn override_cases() -> Vec<super::testing::OverrideCase> {
    vec![
        request_ids::tests::override_case(),
        error_rate_alert::tests::override_case(),
        latency_alert::tests::override_case(),
    ]
}
