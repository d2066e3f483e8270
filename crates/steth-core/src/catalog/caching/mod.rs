//! Section 3: its items in report order.

mod cache_hit_rate;
mod cache_key_ttl;
mod eviction_policy;
mod eviction_rate;
mod key_namespaces;
mod maxmemory;
mod negative_caching;
mod stampede_protection;

use super::Item;

/// The section's items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &cache_hit_rate::CACHE_HIT_RATE,
    &cache_key_ttl::CACHE_KEY_TTL,
    &eviction_policy::EVICTION_POLICY,
    &maxmemory::MAXMEMORY,
    &key_namespaces::KEY_NAMESPACES,
    &stampede_protection::STAMPEDE_PROTECTION,
    &negative_caching::NEGATIVE_CACHING,
    &eviction_rate::EVICTION_RATE,
];

/// The override case of each of the section's items whose threshold is a number.
#[cfg(test)]
pub(super) fn override_cases() -> Vec<super::testing::OverrideCase> {
    vec![
        cache_hit_rate::tests::override_case(),
        cache_key_ttl::tests::override_case(),
        key_namespaces::tests::override_case(),
        stampede_protection::tests::override_case(),
        eviction_rate::tests::override_case(),
    ]
}
