//! 4.4 connection-lifetime: max connection lifetime.

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
    pub CONNECTION_LIFETIME = {
        id: "4.4",
        slug: "connection-lifetime",
        title: "Max connection lifetime",
        section: ConnectionManagement,
        threshold: Threshold::duration_below_secs(30 * 60),
        sources: [Pg, Source],
        severity: Low,
        evaluate: None,
    }
}
