//! Beyond the 71: extended items from the wider performance checklists, scored separately.

mod compression;
mod conditional_requests;
mod idempotency_keys;
mod keep_alive;
mod login_enumeration;
mod public_api_docs;

use super::Item;

/// The extended items, in report order.
pub(super) static ITEMS: &[&Item] = &[
    &compression::COMPRESSION,
    &conditional_requests::CONDITIONAL_REQUESTS,
    &idempotency_keys::IDEMPOTENCY_KEYS,
    &keep_alive::KEEP_ALIVE,
    &public_api_docs::PUBLIC_API_DOCS,
    &login_enumeration::LOGIN_ENUMERATION,
];
