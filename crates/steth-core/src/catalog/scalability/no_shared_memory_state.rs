//! 8.3 no-shared-memory-state: no shared mutable in-memory state.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Request handlers keep no mutable application data in process memory (module-level dicts or
    /// lists, `static` maps behind a mutex, package-level maps) as its source of truth. Data
    /// written through one instance is readable through any other. The default threshold is
    /// "confirmed".
    ///
    /// ## Why it matters
    /// A global dict of reserved seats or a counter of today's orders works in development with one
    /// process. With four replicas each has its own copy: two customers book the same seat, and the
    /// dashboard shows a quarter of the orders. The same happens on a single host with several
    /// worker processes (gunicorn, Puma, Node cluster), and all of it is lost on restart.
    ///
    /// ## How it is measured
    /// - **service**: stethoscope runs two instances, writes through one (a create request) and
    ///   reads the result back through the other; the read must see the write.
    /// - **source**: process-global mutable state reachable from handlers is reported at `warn`
    ///   level, since a local cache in front of a shared source of truth is legitimate.
    ///
    /// Without service control, only the source evidence exists and the item is at most `warn`.
    ///
    /// ## How to fix
    /// Move the data to the database or Redis, and use atomic operations there instead of
    /// read-modify-write in memory:
    ///
    /// ```python
    /// # instead of ORDERS_TODAY += 1 in a module-level variable
    /// redis.incr(f"orders:count:{date.today():%Y%m%d}")
    /// ```
    ///
    /// In-process caches are fine for data whose source of truth is shared, as long as they have a
    /// short TTL and the staleness is acceptable; do not write through them as the only copy.
    pub NO_SHARED_MEMORY_STATE = {
        id: "8.3",
        slug: "no-shared-memory-state",
        title: "No shared mutable in-memory state",
        section: Scalability,
        threshold: Threshold::requires("confirmed"),
        sources: [Service, Source],
        severity: Medium,
        evaluate: None,
    }
}
