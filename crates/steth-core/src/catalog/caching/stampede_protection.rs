//! 3.6 stampede-protection: thundering-herd protection on popular keys.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That a popular cache key expiring does not send every concurrent request to the database
    /// at once. When a hot key is missing, the requests that need it must cause at most **1**
    /// database load of the value; one request recomputes, the others wait for it or keep serving
    /// the old value.
    ///
    /// ## Why it matters
    /// A key read 2 000 times per second whose value takes 200 ms to compute gets about 400
    /// concurrent misses in the window before the first recomputation finishes. Each of them runs
    /// the same expensive query, the database slows down, the recomputation takes longer, and
    /// more requests pile in. This cache stampede (thundering herd) is a classic way for a cache
    /// expiry to take down the database behind it.
    ///
    /// ## How it is measured
    /// Sources: **redis** and **pg** (active, opt-in), and **source**. When enabled in the
    /// config, stethoscope expires a hot key used by a read endpoint, fires N concurrent requests
    /// at that endpoint, and counts the database statements they cause from `pg_stat_statements`
    /// deltas. More than the allowed count fails. Because this deletes a live cache key and
    /// creates a burst, it runs only when explicitly enabled. Without it, static analysis looks
    /// for locking, single-flight or early-refresh patterns around cache reads; finding them
    /// gives at most a `warn`. The count is overridable (`"3.6" = "1"`).
    ///
    /// ## How to fix
    /// Use one of three patterns. In-process single-flight collapses concurrent misses per
    /// instance:
    ///
    /// ```go
    /// v, err, _ := group.Do(key, func() (any, error) { return loadFromDB(id) })
    /// ```
    ///
    /// A short Redis lock does it across instances: the first caller runs `SET lock:product:42
    /// <token> NX PX 5000` and recomputes, the others retry the cache read after a short sleep.
    /// Probabilistic early refresh (recompute slightly before expiry with a probability that
    /// rises as the TTL runs out) or stale-while-revalidate avoids the miss altogether.
    /// Caffeine's `refreshAfterWrite` provides the latter for JVM services.
    pub STAMPEDE_PROTECTION = {
        id: "3.6",
        slug: "stampede-protection",
        title: "Thundering-herd protection on popular keys",
        section: Caching,
        threshold: Threshold::at_most(1),
        sources: [Redis, Pg, Source],
        severity: Medium,
        evaluate: None,
    }
}
