//! 9.1 explain-in-review: explain for every new query.

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
    pub EXPLAIN_IN_REVIEW = {
        id: "9.1",
        slug: "explain-in-review",
        title: "EXPLAIN for every new query",
        section: DevelopmentPractices,
        threshold: Threshold::requires("PR review requirement"),
        sources: [Source],
        severity: Low,
        evaluate: None,
    }
}
