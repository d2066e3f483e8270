//! 3.7 negative-caching: negative caching.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That lookups for things that do not exist are cached too. Requesting the same missing id
    /// twice must not reach the database the second time: either the "not found" result is cached
    /// with a short TTL, or a Bloom filter of existing ids answers before the database is asked.
    ///
    /// ## Why it matters
    /// Misses on non-existent ids bypass a cache that only stores found values. Crawlers, clients
    /// holding ids of deleted records, and enumeration attempts (`/users/1`, `/users/2`, ...) all
    /// go straight to PostgreSQL on every request. An attacker can use this deliberately, known
    /// as cache penetration, to put full database load behind a well-cached endpoint with cheap
    /// requests.
    ///
    /// ## How it is measured
    /// Sources: **http** and **pg** (active). On a read endpoint that fetches one entity by id,
    /// stethoscope requests an id that does not exist twice and compares the application's
    /// statement counts in `pg_stat_statements` around the second request. If the second lookup
    /// still causes a database query, the item fails. The probe only reads, but it does create
    /// cache entries if negative caching is in place. This is a requirement rather than a number
    /// and has no threshold to override.
    ///
    /// ## How to fix
    /// Cache the absence with a sentinel value and a TTL shorter than for found values, and
    /// delete it when the entity is created:
    ///
    /// ```python
    /// row = db.fetch_product(pid)
    /// r.set(f"catalog:product:{pid}", json.dumps(row) if row else "null",
    ///       ex=300 if row else 30)
    /// ```
    ///
    /// For very large or attacker-controlled id spaces, keep a Bloom filter of existing ids
    /// (RedisBloom `BF.ADD` on insert, `BF.EXISTS` before the lookup) so most absent ids are
    /// rejected without touching the cache or the database.
    pub NEGATIVE_CACHING = {
        id: "3.7",
        slug: "negative-caching",
        title: "Negative caching",
        section: Caching,
        threshold: Threshold::requires("misses cached"),
        sources: [Http, Pg],
        severity: Low,
        evaluate: None,
    }
}
