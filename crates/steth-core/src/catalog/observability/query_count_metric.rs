//! 5.7 query-count-metric: db query count per request tracked.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The service exports a metric from which the number of database queries per request can be
    /// read, ideally per route: a histogram of queries per request, or a query counter labelled by
    /// route that can be divided by the request counter. The default threshold is that such a
    /// metric exists.
    ///
    /// ## Why it matters
    /// Queries per request is the earliest signal of an N+1 regression. A change that loads order
    /// items one by one turns 3 queries per request into 53; tests still pass and latency only
    /// grows as data grows. With the metric on a dashboard the jump is visible on the day of the
    /// deploy, and you can alert on it instead of finding out when database CPU reaches 100 %.
    ///
    /// ## How it is measured
    /// - **metrics**: stethoscope scrapes the service's Prometheus endpoint and looks for a series
    ///   that tracks database queries in relation to requests.
    ///
    /// stethoscope measures queries per request itself during its load phases (item 2.4, from
    /// `pg_stat_statements` deltas). This item asks whether the service tracks the figure
    /// continuously, in production, without stethoscope.
    ///
    /// ## How to fix
    /// Count queries in a driver hook, attribute them to the current request through the request
    /// context, and observe the count when the response is sent. In Python with SQLAlchemy:
    ///
    /// ```python
    /// db_queries: ContextVar[int] = ContextVar("db_queries", default=0)
    /// QUERIES = Histogram("http_request_db_queries", "DB queries per request", ["route"],
    ///                     buckets=[1, 2, 3, 5, 10, 20, 50, 100])
    ///
    /// @event.listens_for(engine, "before_cursor_execute")
    /// def count_query(*_args):
    ///     db_queries.set(db_queries.get() + 1)
    /// ```
    ///
    /// A middleware sets `db_queries` to 0 when a request starts and calls
    /// `QUERIES.labels(route).observe(db_queries.get())` when it ends. Other stacks have the same
    /// hooks: `ActiveSupport::Notifications` (`sql.active_record`), Hibernate statistics, `pgx`
    /// tracers in Go.
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
