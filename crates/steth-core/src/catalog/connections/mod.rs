//! Section 4: its items in report order.

mod connection_idle_time;
mod connection_lifetime;
mod connection_pooling;
mod connection_release;
mod leak_detection;
mod no_connection_across_http;
mod pool_acquire_timeout;
mod pool_metrics;
mod pool_size;
mod serverless_proxy;

use super::Item;

/// The section's items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &connection_pooling::CONNECTION_POOLING,
    &pool_size::POOL_SIZE,
    &pool_acquire_timeout::POOL_ACQUIRE_TIMEOUT,
    &connection_lifetime::CONNECTION_LIFETIME,
    &connection_idle_time::CONNECTION_IDLE_TIME,
    &leak_detection::LEAK_DETECTION,
    &pool_metrics::POOL_METRICS,
    &connection_release::CONNECTION_RELEASE,
    &no_connection_across_http::NO_CONNECTION_ACROSS_HTTP,
    &serverless_proxy::SERVERLESS_PROXY,
];

/// The override case of each of the section's items whose threshold is a number.
#[cfg(test)]
pub(super) fn override_cases() -> Vec<super::testing::OverrideCase> {
    vec![
        connection_lifetime::tests::override_case(),
        connection_idle_time::tests::override_case(),
        leak_detection::tests::override_case(),
    ]
}
