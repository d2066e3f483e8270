//! 5.7 query-count-metric: db query count per request tracked.

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
    pub QUERY_COUNT_METRIC = {
        id: "5.7",
        slug: "query-count-metric",
        title: "DB query count per request tracked",
        section: Observability,
        threshold: Threshold::requires("metric exists"),
        sources: [Metrics],
        severity: Low,
        evaluate: None,
    }
}
