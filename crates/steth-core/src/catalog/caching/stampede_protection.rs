//! 3.6 stampede-protection: thundering-herd protection on popular keys.

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
    pub STAMPEDE_PROTECTION = {
        id: "3.6",
        slug: "stampede-protection",
        title: "Thundering-herd protection on popular keys",
        section: Caching,
        threshold: Threshold::at_most(1),
        sources: [Redis, Pg, Source],
        severity: Medium,
        evaluate: None,
    }
}
