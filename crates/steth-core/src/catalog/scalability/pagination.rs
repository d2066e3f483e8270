//! 8.7 pagination: pagination on all list endpoints.

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
    pub PAGINATION = {
        id: "8.7",
        slug: "pagination",
        title: "Pagination on all list endpoints",
        section: Scalability,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Http],
        severity: High,
        evaluate: None,
    }
}
