//! Section 8: its items in report order.

mod background_jobs;
mod bounded_responses;
mod direct_file_transfer;
mod horizontal_scaling;
mod no_shared_memory_state;
mod pagination;
mod read_replicas;
mod stateless_service;

use super::Item;

/// The section's items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &horizontal_scaling::HORIZONTAL_SCALING,
    &stateless_service::STATELESS_SERVICE,
    &no_shared_memory_state::NO_SHARED_MEMORY_STATE,
    &read_replicas::READ_REPLICAS,
    &background_jobs::BACKGROUND_JOBS,
    &direct_file_transfer::DIRECT_FILE_TRANSFER,
    &pagination::PAGINATION,
    &bounded_responses::BOUNDED_RESPONSES,
];

/// The override case of each of the section's items whose threshold is a number.
#[cfg(test)]
pub(super) fn override_cases() -> Vec<super::testing::OverrideCase> {
    vec![pagination::tests::override_case(), bounded_responses::tests::override_case()]
}
