//! 4.7 pool-metrics: pool metrics exposed.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// TODO
    ///
    /// ## Why it matters
    /// TODO
    ///
    /// ## How it is measured
    /// TODO
    ///
    /// ## How to fix
    /// TODO
    pub POOL_METRICS = {
        id: "4.7",
        slug: "pool-metrics",
        title: "Pool metrics exposed",
        section: ConnectionManagement,
        threshold: Threshold::requires("active, idle and waiting"),
        sources: [Metrics],
        severity: Low,
        evaluate: None,
    }
}
