//! 7.1 circuit-breakers: circuit breakers on external calls.

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
    pub CIRCUIT_BREAKERS = {
        id: "7.1",
        slug: "circuit-breakers",
        title: "Circuit breakers on external calls",
        section: Reliability,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Service, Source],
        severity: Medium,
        evaluate: None,
    }
}
