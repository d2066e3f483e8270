//! 8.1 horizontal-scaling: horizontal scaling tested.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The service works correctly with more than one instance running at the same time against the
    /// same database and cache. The default threshold is "more than one instance works".
    ///
    /// ## Why it matters
    /// Adding instances is the standard answer to load and the basis of availability, but code
    /// written for a single process often breaks when the second replica appears: an in-process
    /// scheduler sends every invoice e-mail twice, a file uploaded to one instance's disk is
    /// missing on the other, startup migrations race each other. This is typically discovered the
    /// day autoscaling first kicks in, under peak load.
    ///
    /// ## How it is measured
    /// - **service**: stethoscope starts two instances of the service, puts its own round-robin
    ///   balancer in front of them, and runs load through it. The load must succeed on both.
    ///
    /// Items 8.2 and 8.3 then check specifically that state is shared between the instances. When
    /// stethoscope does not start the service itself, the item is not assessed.
    ///
    /// ## How to fix
    /// Keep all state in shared stores (see 8.2 and 8.3) and make singleton work explicit. A
    /// periodic job that must run once per schedule can take a PostgreSQL advisory lock:
    ///
    /// ```sql
    /// -- inside the job's transaction: only the instance that gets true does the work
    /// SELECT pg_try_advisory_xact_lock(4242);
    /// ```
    ///
    /// Run migrations as a separate deploy step rather than at every instance's startup, take the
    /// listening port from configuration, and keep no shared data on local disk. Test with two
    /// instances in CI, for example `docker compose up --scale api=2` behind a proxy.
    pub HORIZONTAL_SCALING = {
        id: "8.1",
        slug: "horizontal-scaling",
        title: "Horizontal scaling tested",
        section: Scalability,
        threshold: Threshold::requires("more than one instance works"),
        sources: [Service],
        severity: Medium,
        evaluate: None,
    }
}
