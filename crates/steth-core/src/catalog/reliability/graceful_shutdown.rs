//! 7.4 graceful-shutdown: graceful shutdown.

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
    pub GRACEFUL_SHUTDOWN = {
        id: "7.4",
        slug: "graceful-shutdown",
        title: "Graceful shutdown",
        section: Reliability,
        threshold: Threshold::requires("in-flight requests complete on SIGTERM"),
        sources: [Service],
        severity: High,
        evaluate: None,
    }
}
