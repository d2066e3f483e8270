//! 8.7 pagination: pagination on all list endpoints.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Every list endpoint returns a bounded page of results and tells the client how to fetch the
    /// next one: a cursor, an offset, or a `Link` header with `rel="next"`. The default threshold
    /// is 100 % of list endpoints.
    ///
    /// ## Why it matters
    /// An unpaginated `GET /orders` returns 200 rows in the first month and two million after two
    /// years: response time grows from 50 ms to tens of seconds, the service's memory spikes while
    /// serialising, the database reads whole tables, and clients time out. Tests rarely catch it
    /// because test data is small.
    ///
    /// ## How it is measured
    /// - **http**: stethoscope requests each list endpoint (from the configuration or the OpenAPI
    ///   spec) and checks that the response is a bounded page with a next-page indicator: a cursor
    ///   or offset in the body, or a `Link` header. The probes are bounded in bytes and time.
    ///
    /// The share of list endpoints that paginate is compared with the threshold.
    ///
    /// ## How to fix
    /// Prefer keyset (cursor) pagination for large or growing tables:
    ///
    /// ```sql
    /// SELECT id, created_at, total FROM orders
    /// WHERE customer_id = $1 AND (created_at, id) < ($2, $3)
    /// ORDER BY created_at DESC, id DESC
    /// LIMIT 51;  -- one extra row tells whether a next page exists
    /// ```
    ///
    /// Return the last row's `(created_at, id)` as an opaque `next_cursor`, and back the query with
    /// an index on `(customer_id, created_at DESC, id DESC)`. Offset pagination is acceptable for
    /// small tables, but `OFFSET 100000` reads and discards 100 000 rows on every request.
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
