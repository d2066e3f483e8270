//! 8.3 no-shared-memory-state: no shared mutable in-memory state.

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
    pub NO_SHARED_MEMORY_STATE = {
        id: "8.3",
        slug: "no-shared-memory-state",
        title: "No shared mutable in-memory state",
        section: Scalability,
        threshold: Threshold::requires("confirmed"),
        sources: [Service, Source],
        severity: Medium,
        evaluate: None,
    }
}
