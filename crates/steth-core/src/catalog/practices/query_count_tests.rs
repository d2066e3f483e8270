//! 9.3 query-count-tests: query count asserted in tests.

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
    pub QUERY_COUNT_TESTS = {
        id: "9.3",
        slug: "query-count-tests",
        title: "Query count asserted in tests",
        section: DevelopmentPractices,
        threshold: Threshold::requires("N+1 fails a test"),
        sources: [Source],
        severity: Low,
        evaluate: None,
    }
}
