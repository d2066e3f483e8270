//! 3.7 negative-caching: negative caching.

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
    pub NEGATIVE_CACHING = {
        id: "3.7",
        slug: "negative-caching",
        title: "Negative caching",
        section: Caching,
        threshold: Threshold::requires("misses cached"),
        sources: [Http, Pg],
        severity: Low,
        evaluate: None,
    }
}
