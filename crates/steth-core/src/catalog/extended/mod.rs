//! Beyond the 71: extended items from the wider performance checklists, scored separately.

mod compression;
mod conditional_requests;
mod idempotency_keys;
mod keep_alive;

use super::Item;

/// The extended items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &compression::COMPRESSION,
    &conditional_requests::CONDITIONAL_REQUESTS,
    &idempotency_keys::IDEMPOTENCY_KEYS,
    &keep_alive::KEEP_ALIVE,
];
