//! 3.4 maxmemory: maxmemory configured.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That Redis has a memory limit: `maxmemory` must be set to something other than `0`, which
    /// on 64-bit builds means unlimited.
    ///
    /// ## Why it matters
    /// Without a limit, Redis grows until the operating system steps in: the host starts
    /// swapping, latency jumps from sub-millisecond to hundreds of milliseconds, or the OOM
    /// killer ends the process and the whole cache is lost at once, sending all traffic to the
    /// database. The eviction policy (3.3) does nothing until a limit exists.
    ///
    /// ## How it is measured
    /// Source: **redis**. stethoscope runs `CONFIG GET maxmemory` and checks that the value is
    /// not `0`. If `CONFIG` is disabled, as on some managed services, the item is `not assessed`.
    /// The item only checks that a limit exists; it does not judge the value against the host's
    /// memory.
    ///
    /// ## How to fix
    /// Set a limit that leaves room for everything Redis uses besides the data set: replication
    /// and client output buffers, fragmentation, and the copy-on-write memory of a fork during
    /// RDB snapshots or AOF rewrites. With persistence enabled, roughly 60–75 % of the memory
    /// available to Redis is a common starting point:
    ///
    /// ```text
    /// # redis.conf
    /// maxmemory 4gb
    /// maxmemory-policy allkeys-lru
    /// ```
    ///
    /// Watch `used_memory` and `mem_fragmentation_ratio` in `INFO memory` after the change.
    pub MAXMEMORY = {
        id: "3.4",
        slug: "maxmemory",
        title: "Maxmemory configured",
        section: Caching,
        threshold: Threshold::requires("maxmemory set"),
        sources: [Redis],
        severity: Medium,
        evaluate: None,
    }
}
