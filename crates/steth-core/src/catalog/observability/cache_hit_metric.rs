//! 5.8 cache-hit-metric: cache hit rate tracked.

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
    pub CACHE_HIT_METRIC = {
        id: "5.8",
        slug: "cache-hit-metric",
        title: "Cache hit rate tracked",
        section: Observability,
        threshold: Threshold::requires("metric exists"),
        sources: [Metrics],
        severity: Low,
        evaluate: None,
    }
}
