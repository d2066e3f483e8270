//! 3.5 key-namespaces: no key namespace collisions.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That each key prefix in Redis belongs to a single kind of entity. A prefix that holds keys
    /// of different Redis types or different shapes, or keys without any namespace at all, is a
    /// collision; the default allows **0**.
    ///
    /// ## Why it matters
    /// When two features or services write under the same prefix, they eventually write the same
    /// key: one stores `user:42` as a JSON string, the other as a hash, and reads start failing
    /// with `WRONGTYPE Operation against a key holding the wrong kind of value`, or, worse, one
    /// feature silently reads the other's data. Un-namespaced keys also make it impossible to
    /// invalidate, measure or delete one feature's data without touching the rest.
    ///
    /// ## How it is measured
    /// Source: **redis**. stethoscope takes the keys sampled with `SCAN` (see 3.2), groups them
    /// by prefix, and records each key's type and structure. A prefix with mixed types or mixed
    /// key shapes, and keys that have no prefix, are counted as collisions and listed with
    /// examples. The `TYPE` calls needed for this count as keyspace hits, so they run only after
    /// the hit counters for 3.1 have been read. The allowed count is overridable (`"3.5" = "0"`).
    ///
    /// ## How to fix
    /// Adopt one key convention and build keys in one place in the code:
    ///
    /// ```text
    /// <service>:<entity>:<version>:<id>[:<field>]
    /// catalog:product:v2:42
    /// catalog:product:v2:42:stock
    /// ```
    ///
    /// A version segment lets you change the serialized format without reading old values with
    /// new code. Keep different services on separate Redis databases or instances when they do
    /// not need to share data, and rename colliding prefixes with a short migration or by letting
    /// the old keys expire.
    pub KEY_NAMESPACES = {
        id: "3.5",
        slug: "key-namespaces",
        title: "No key namespace collisions",
        section: Caching,
        threshold: Threshold::at_most(0),
        sources: [Redis],
        severity: Low,
        evaluate: None,
    }
}
