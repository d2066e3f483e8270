//! 9.5 performance-budget: performance budget defined.

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
    pub PERFORMANCE_BUDGET = {
        id: "9.5",
        slug: "performance-budget",
        title: "Performance budget defined",
        section: DevelopmentPractices,
        threshold: Threshold::requires("p99 budget per endpoint"),
        sources: [Config, Source],
        severity: Low,
        evaluate: None,
    }
}
