//! 9.3 query-count-tests: query count asserted in tests.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The test suite asserts how many queries key code paths issue, so that an N+1 regression
    /// fails a test instead of reaching production. The default threshold is "N+1 fails a test".
    ///
    /// ## Why it matters
    /// N+1 is invisible in functional tests and on small data: listing 20 orders and lazily loading
    /// their items issues 21 queries, returns correct JSON, and takes 30 ms on a laptop. In
    /// production, with 500 orders per page and a 2 ms network round-trip to the database, it takes
    /// a second. stethoscope measures queries per request during an audit (item 2.4); this item
    /// moves that check into every test run, on the pull request that introduces the regression.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope searches the test suite for query-count assertions, such as
    ///   Django's `assertNumQueries` or pytest-django's `django_assert_num_queries` fixtures, or
    ///   N+1 detectors configured to raise in tests.
    ///
    /// ## How to fix
    /// Assert an upper bound on queries for every list endpoint, with enough rows that an N+1 would
    /// exceed it. With pytest-django:
    ///
    /// ```python
    /// def test_order_list_query_count(client, django_assert_max_num_queries):
    ///     OrderFactory.create_batch(30)
    ///     with django_assert_max_num_queries(4):
    ///         client.get("/api/orders")
    /// ```
    ///
    /// In Rails, `Bullet.raise = true` in the test environment or the `n_plus_one_control` gem do
    /// the same; on the JVM, Hibernate statistics give the statement count; elsewhere a driver hook
    /// that counts statements (see 5.7) can back a test helper.
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
