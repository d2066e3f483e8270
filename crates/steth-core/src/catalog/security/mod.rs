//! Section 6: its items in report order.

mod authentication;
mod data_authorization;
mod rate_limiting;
mod auth_rate_limiting;
mod parameterized_sql;
mod input_validation;
mod no_secrets_in_source;
mod cors_allowlist;
mod security_headers;
mod dependency_scanning;

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
