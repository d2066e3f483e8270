//! Section 9: its items in report order.

mod explain_in_review;
mod load_tests_in_ci;
mod migration_lock_lint;
mod performance_budget;
mod query_count_tests;

use super::Item;

/// The section's items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &explain_in_review::EXPLAIN_IN_REVIEW,
    &load_tests_in_ci::LOAD_TESTS_IN_CI,
    &query_count_tests::QUERY_COUNT_TESTS,
    &migration_lock_lint::MIGRATION_LOCK_LINT,
    &performance_budget::PERFORMANCE_BUDGET,
];

/// The override case of each of the section's items whose threshold is a number.
#[cfg(test)]
pub(super) fn override_cases() -> Vec<super::testing::OverrideCase> {
    vec![migration_lock_lint::tests::override_case()]
}
