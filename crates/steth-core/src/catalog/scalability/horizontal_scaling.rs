//! 8.1 horizontal-scaling: horizontal scaling tested.

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
    pub HORIZONTAL_SCALING = {
        id: "8.1",
        slug: "horizontal-scaling",
        title: "Horizontal scaling tested",
        section: Scalability,
        threshold: Threshold::requires("more than one instance works"),
        sources: [Service],
        severity: Medium,
        evaluate: None,
    }
}
