//! Section 1: its items in report order.

mod no_slow_endpoints;
mod outbound_http_timeouts;
mod read_latency;
mod request_size_limit;
mod tail_amplification;
mod write_latency;

use super::Item;

/// The section's items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &read_latency::READ_LATENCY,
    &write_latency::WRITE_LATENCY,
    &no_slow_endpoints::NO_SLOW_ENDPOINTS,
    &tail_amplification::TAIL_AMPLIFICATION,
    &outbound_http_timeouts::OUTBOUND_HTTP_TIMEOUTS,
    &request_size_limit::REQUEST_SIZE_LIMIT,
];

/// The override case of each of the section's items whose threshold is a number.
#[cfg(test)]
pub(super) fn override_cases() -> Vec<super::testing::OverrideCase> {
    vec![
        read_latency::tests::override_case(),
        write_latency::tests::override_case(),
        no_slow_endpoints::tests::override_case(),
        tail_amplification::tests::override_case(),
        request_size_limit::tests::override_case(),
    ]
}
