//! 9.2 load-tests-in-ci: load tests in ci.

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
    pub LOAD_TESTS_IN_CI = {
        id: "9.2",
        slug: "load-tests-in-ci",
        title: "Load tests in CI",
        section: DevelopmentPractices,
        threshold: Threshold::requires("present"),
        sources: [Source],
        severity: Medium,
        evaluate: None,
    }
}
