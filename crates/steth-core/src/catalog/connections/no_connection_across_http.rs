//! 4.9 no-connection-across-http: no connection held across external http calls.

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
    pub NO_CONNECTION_ACROSS_HTTP = {
        id: "4.9",
        slug: "no-connection-across-http",
        title: "No connection held across external HTTP calls",
        section: ConnectionManagement,
        threshold: Threshold::at_most(0),
        sources: [Source],
        severity: Medium,
        evaluate: None,
    }
}
