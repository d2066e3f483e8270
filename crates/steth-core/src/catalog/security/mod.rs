//! Section 6: its items in report order.

mod auth_rate_limiting;
mod authentication;
mod cors_allowlist;
mod data_authorization;
mod dependency_scanning;
mod input_validation;
mod no_secrets_in_source;
mod parameterized_sql;
mod rate_limiting;
mod security_headers;

use super::Item;

/// The section's items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &authentication::AUTHENTICATION,
    &data_authorization::DATA_AUTHORIZATION,
    &rate_limiting::RATE_LIMITING,
    &auth_rate_limiting::AUTH_RATE_LIMITING,
    &parameterized_sql::PARAMETERIZED_SQL,
    &input_validation::INPUT_VALIDATION,
    &no_secrets_in_source::NO_SECRETS_IN_SOURCE,
    &cors_allowlist::CORS_ALLOWLIST,
    &security_headers::SECURITY_HEADERS,
    &dependency_scanning::DEPENDENCY_SCANNING,
];

/// The override case of each of the section's items whose threshold is a number.
#[cfg(test)]
pub(super) fn override_cases() -> Vec<super::testing::OverrideCase> {
    vec![
        authentication::tests::override_case(),
        data_authorization::tests::override_case(),
        auth_rate_limiting::tests::override_case(),
        no_secrets_in_source::tests::override_case(),
    ]
}
