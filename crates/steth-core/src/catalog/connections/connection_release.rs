//! 4.8 connection-release: connections released in finally blocks.

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
    pub CONNECTION_RELEASE = {
        id: "4.8",
        slug: "connection-release",
        title: "Connections released in finally blocks",
        section: ConnectionManagement,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Source],
        severity: High,
        evaluate: None,
    }
}
