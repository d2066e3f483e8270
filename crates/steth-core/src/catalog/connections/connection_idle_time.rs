//! 4.5 connection-idle-time: max idle time.

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
    pub CONNECTION_IDLE_TIME = {
        id: "4.5",
        slug: "connection-idle-time",
        title: "Max idle time",
        section: ConnectionManagement,
        threshold: Threshold::duration_below_secs(10 * 60),
        sources: [Pg, Source],
        severity: Low,
        evaluate: None,
    }
}
