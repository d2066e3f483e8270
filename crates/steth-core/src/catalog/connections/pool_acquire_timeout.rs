//! 4.3 pool-acquire-timeout: pool acquire timeout.

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
    pub POOL_ACQUIRE_TIMEOUT = {
        id: "4.3",
        slug: "pool-acquire-timeout",
        title: "Pool acquire timeout",
        section: ConnectionManagement,
        threshold: Threshold::duration_at_most_secs(30),
        sources: [Source],
        severity: Medium,
        evaluate: None,
    }
}
