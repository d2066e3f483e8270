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
    /// - **metrics**: stethoscope scrapes the service's Prometheus endpoint (once before any
    ///   load, and around each load phase when load runs) and lists every family exposed. It
    ///   passes on either
    ///   - a family whose name holds a query word (`query`, `queries`, `statement(s)`, `sql`) and
    ///     says per request (`per_request`, `per_req`, or `request` and a query word in either
    ///     order, e.g. `db_queries_per_request`, `http_request_db_queries`), of any type; or
    ///   - a counter or histogram whose name holds a query word and that carries a route label
    ///     (`route`, `path`, `handler`, `endpoint`, `uri`, `http_route`), which divided by the
    ///     request counter gives queries per request.
    ///
    ///   Anything else fails, listing the query families found without a route label (a
    ///   `db_queries_total{query=...}` counts statements, not requests). Without `[metrics] url`
    ///   the item is `not assessed`.
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
        evaluate: Some(evaluate),
    }
}

use crate::evidence::MetricFamily;

const QUERY_WORDS: [&str; 5] = ["query", "queries", "statement", "statements", "sql"];
const ROUTE_LABELS: [&str; 6] = ["route", "path", "handler", "endpoint", "uri", "http_route"];

fn words(name: &str) -> Vec<String> {
    name.to_ascii_lowercase().split('_').map(str::to_string).collect()
}

fn is_query_family(f: &MetricFamily) -> bool {
    words(&f.name).iter().any(|w| QUERY_WORDS.contains(&w.as_str()))
}

fn is_per_request(f: &MetricFamily) -> bool {
    let lower = format!("_{}_", f.name.to_ascii_lowercase());
    let w = words(&f.name);
    lower.contains("_per_request_")
        || lower.contains("_per_req_")
        || (w.iter().any(|w| w == "request" || w == "requests") && is_query_family(f))
}

fn by_route(f: &MetricFamily) -> Option<&str> {
    let countable = matches!(f.kind.as_str(), "counter" | "histogram" | "summary" | "untyped");
    let label = f.labels.iter().find(|l| ROUTE_LABELS.contains(&l.as_str()))?;
    countable.then_some(label.as_str())
}

fn evaluate(evidence: &Evidence, _: &Threshold) -> Verdict {
    let families = evidence.metrics.get()?.families.get()?;
    let queries: Vec<&MetricFamily> = families.iter().filter(|f| is_query_family(f)).collect();
    if let Some(f) = queries.iter().find(|f| is_per_request(f)) {
        return Ok(Outcome::pass(format!("`{}` ({})", f.name, f.kind), "a per-request query count is exposed"));
    }
    if let Some((f, label)) = queries.iter().find_map(|f| by_route(f).map(|l| (f, l))) {
        return Ok(Outcome::pass(
            format!("`{}` by `{label}`", f.name),
            "a query counter labelled by route is exposed; divided by the request counter it gives queries per request",
        ));
    }
    let found: Vec<String> =
        queries.iter().map(|f| format!("`{}` ({}, labels: {})", f.name, f.kind, f.labels.join(", "))).collect();
    let evidence = match found.as_slice() {
        [] => format!("none of the {} families exposed counts database queries", families.len()),
        _ => format!("query families without a per-request name or a route label: {}", found.join("; ")),
    };
    Ok(Outcome::fail("no query-count-per-request metric", evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, family, with_families};
    use crate::evidence::Slot;
    use crate::outcome::Status;

    #[test]
    fn a_per_request_histogram_passes() {
        let f = family("db_queries_per_request", "histogram", &[("method", &["GET"]), ("route", &["/a"])]);
        let o = expect(&QUERY_COUNT_METRIC, &with_families(vec![f], None), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("`db_queries_per_request` (histogram)"));
        let f = family("http_request_db_queries", "summary", &[]);
        expect(&QUERY_COUNT_METRIC, &with_families(vec![f], None), Status::Pass);
    }

    #[test]
    fn a_query_counter_by_route_passes() {
        let f = family("app_sql_statements_total", "counter", &[("handler", &["/orders"])]);
        let o = expect(&QUERY_COUNT_METRIC, &with_families(vec![f], None), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("`app_sql_statements_total` by `handler`"));
    }

    #[test]
    fn a_query_counter_without_route_fails_and_is_listed() {
        let fams = vec![
            family("db_queries_total", "counter", &[("query", &["product_by_id"])]),
            family("db_query_duration_seconds", "histogram", &[("query", &["product_by_id"])]),
            family("http_requests_total", "counter", &[("route", &["/a"])]),
        ];
        let o = expect(&QUERY_COUNT_METRIC, &with_families(fams, None), Status::Fail);
        assert!(o.evidence.contains("`db_queries_total` (counter, labels: query)"), "{}", o.evidence);
        assert!(!o.evidence.contains("http_requests_total"), "{}", o.evidence);
        // A gauge by route is a level, not a count; `queryable` is not a query word.
        let fams = vec![
            family("db_queries_in_flight", "gauge", &[("route", &["/a"])]),
            family("queryable_total", "counter", &[("route", &["/a"])]),
        ];
        expect(&QUERY_COUNT_METRIC, &with_families(fams, None), Status::Fail);
        let o = expect(&QUERY_COUNT_METRIC, &with_families(vec![], None), Status::Fail);
        assert_eq!(o.evidence, "none of the 0 families exposed counts database queries");
    }

    #[test]
    fn without_metrics_it_is_not_assessed_never_a_pass() {
        expect(&QUERY_COUNT_METRIC, &Evidence::default(), Status::NotAssessed);
        let ev = Evidence { metrics: Slot::failed("connection refused"), ..Evidence::default() };
        expect(&QUERY_COUNT_METRIC, &ev, Status::Error);
    }
}
