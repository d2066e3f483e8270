//! 8.4 read-replicas: read replicas for read-heavy queries.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Read-heavy queries are served by PostgreSQL read replicas, while writes go to the primary.
    /// The default threshold is a read/write split.
    ///
    /// ## Why it matters
    /// Reads usually outnumber writes ten to one or more. On a single primary, list endpoints and
    /// reporting queries compete with writes for CPU, I/O and connections, and the primary is the
    /// hardest part to scale: only vertically, with downtime or a failover. Replicas take the reads
    /// off it. The cost is replication lag: a read right after a write may not see it yet.
    ///
    /// ## How it is measured
    /// - **pg**: stethoscope looks for replicas in `pg_stat_replication` on the primary, and for
    ///   the application's read traffic on them. Replicas that exist only as failover standbys do
    ///   not make a read/write split.
    ///
    /// When the replicas are not visible to stethoscope (a managed reader endpoint, separate
    /// credentials), vouch for the split in `[attest]`, e.g. `"8.4" = "reads via Aurora reader
    /// endpoint, see db/router.ts"`; it is then shown as attested. A service whose load one primary
    /// handles comfortably can declare the item not applicable in `[na]`.
    ///
    /// ## How to fix
    /// Open a second pool to the replica and route reads to it, keeping read-after-write paths on
    /// the primary. In Rails 6+:
    ///
    /// ```yaml
    /// # config/database.yml
    /// production:
    ///   primary:
    ///     url: <%= ENV["DATABASE_URL"] %>
    ///   primary_replica:
    ///     url: <%= ENV["DATABASE_REPLICA_URL"] %>
    ///     replica: true
    /// ```
    ///
    /// with `connects_to database: { writing: :primary, reading: :primary_replica
    /// }` in `ApplicationRecord`. Django has database routers, and in other stacks two connection
    /// pools do the same. Monitor `replay_lag` in `pg_stat_replication` and alert when it grows.
    pub READ_REPLICAS = {
        id: "8.4",
        slug: "read-replicas",
        title: "Read replicas for read-heavy queries",
        section: Scalability,
        threshold: Threshold::requires("read/write split"),
        sources: [Pg],
        severity: Low,
        evaluate: None,
    }
}
