//! Section 2: its items in report order.

mod fk_indexes;
mod frequent_query_plans;
mod index_bloat;
mod no_large_seq_scans;
mod no_n_plus_one;
mod query_latency;
mod slow_query_log;
mod statement_timeout;

use super::Item;

/// The section's items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &query_latency::QUERY_LATENCY,
    &fk_indexes::FK_INDEXES,
    &no_large_seq_scans::NO_LARGE_SEQ_SCANS,
    &no_n_plus_one::NO_N_PLUS_ONE,
    &statement_timeout::STATEMENT_TIMEOUT,
    &slow_query_log::SLOW_QUERY_LOG,
    &frequent_query_plans::FREQUENT_QUERY_PLANS,
    &index_bloat::INDEX_BLOAT,
];

/// The override case of each of the section's items whose threshold is a number.
#[cfg(test)]
pub(super) fn override_cases() -> Vec<super::testing::OverrideCase> {
    vec![
        query_latency::tests::override_case(),
        no_large_seq_scans::tests::override_case(),
        no_n_plus_one::tests::override_case(),
        slow_query_log::tests::override_case(),
        index_bloat::tests::override_case(),
    ]
}
