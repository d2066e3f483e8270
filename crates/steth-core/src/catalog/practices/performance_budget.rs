//! 9.5 performance-budget: performance budget defined.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Each endpoint has an explicit latency budget, a p99 target, written down where people and
    /// tools can find it. The default threshold is "p99 budget per endpoint".
    ///
    /// ## Why it matters
    /// Without a budget, "is 400 ms acceptable for search?" has no answer, regressions accumulate
    /// 20 ms at a time, and alert thresholds are picked arbitrarily. A budget per endpoint turns
    /// performance into a testable requirement: load tests (9.2) and latency alerts (5.6) check
    /// against it, and an endpoint that cannot meet it is a known decision rather than a surprise.
    ///
    /// ## How it is measured
    /// - **config**: per-endpoint budgets declared with the endpoints in the stethoscope
    ///   configuration.
    /// - **source**: documented budgets found in the repository.
    ///
    /// Budgets that cover only some of the hot endpoints are partial evidence and give `warn`.
    ///
    /// ## How to fix
    /// Agree on a p99 target per endpoint with the people who own the product, and keep the table
    /// in the repository next to the code, for example in `docs/performance-budgets.md`:
    ///
    /// ```text
    /// | endpoint             | p99 budget | note                        |
    /// |----------------------|------------|-----------------------------|
    /// | GET /products        | 150 ms     | cached, read-heavy          |
    /// | GET /products/{id}   | 100 ms     |                             |
    /// | POST /orders         | 400 ms     | includes payment pre-auth   |
    /// | GET /reports/{id}    | 2 s        | moving to a queue, see 8.5  |
    /// ```
    ///
    /// Then declare the same budgets for the endpoints in the stethoscope configuration, and encode
    /// them in load-test thresholds and alert rules, so a regression fails a build or pages
    /// someone.
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
