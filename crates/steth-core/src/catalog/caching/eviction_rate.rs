//! 3.8 eviction-rate: eviction rate.

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
    pub EVICTION_RATE = {
        id: "3.8",
        slug: "eviction-rate",
        title: "Eviction rate",
        section: Caching,
        threshold: Threshold::percent_below(5.0),
        sources: [Redis],
        severity: Medium,
        evaluate: None,
    }
}
