//! 4.1 connection-pooling: connection pool in use.

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
    pub CONNECTION_POOLING = {
        id: "4.1",
        slug: "connection-pooling",
        title: "Connection pool in use",
        section: ConnectionManagement,
        threshold: Threshold::requires("not one connection per request"),
        sources: [Pg, Load],
        severity: High,
        evaluate: None,
    }
}
