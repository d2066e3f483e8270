//! 5.1 distributed-tracing: distributed tracing.

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
    pub DISTRIBUTED_TRACING = {
        id: "5.1",
        slug: "distributed-tracing",
        title: "Distributed tracing",
        section: Observability,
        threshold: Threshold::requires("every service boundary"),
        sources: [Http, Source],
        severity: Medium,
        evaluate: None,
    }
}
