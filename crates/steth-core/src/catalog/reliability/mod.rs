//! Section 7: its items in report order.

mod circuit_breakers;
mod compatible_migrations;
mod feature_flags;
mod graceful_shutdown;
mod health_endpoints;
mod outbound_timeouts;
mod retry_backoff;
mod zero_downtime_deploys;

use super::Item;

/// The section's items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &circuit_breakers::CIRCUIT_BREAKERS,
    &retry_backoff::RETRY_BACKOFF,
    &outbound_timeouts::OUTBOUND_TIMEOUTS,
    &graceful_shutdown::GRACEFUL_SHUTDOWN,
    &health_endpoints::HEALTH_ENDPOINTS,
    &zero_downtime_deploys::ZERO_DOWNTIME_DEPLOYS,
    &compatible_migrations::COMPATIBLE_MIGRATIONS,
    &feature_flags::FEATURE_FLAGS,
];

/// The override case of each of the section's items whose threshold is a number.
#[cfg(test)]
pub(super) fn override_cases() -> Vec<super::testing::OverrideCase> {
    vec![compatible_migrations::tests::override_case()]
}
