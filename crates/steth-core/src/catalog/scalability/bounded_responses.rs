//! 8.8 bounded-responses: max response size bounded.

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
    pub BOUNDED_RESPONSES = {
        id: "8.8",
        slug: "bounded-responses",
        title: "Max response size bounded",
        section: Scalability,
        threshold: Threshold::requires("huge limits capped"),
        sources: [Http],
        severity: High,
        evaluate: None,
    }
}
