//! 8.7 pagination: pagination on all list endpoints.

use crate::catalog::prelude::*;
use crate::threshold::format_bytes;

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
    /// - **http**: stethoscope requests each list endpoint (`list = true` in the configuration,
    ///   or an array response in the OpenAPI spec) with its identity, reads the body up to the
    ///   read cap (`[probes] max_response`, default 4 MiB) and looks for a way to the next page:
    ///   a `Link` header with `rel="next"`, or a body field such as `next_cursor`, `cursor`,
    ///   `next`, `next_page`, `offset`, `page`, `has_more` or `links.next` (present even when
    ///   null on the last page). Without one, `limit`/`offset` and `page`/`per_page`
    ///   pagination still counts: stethoscope asks for `offset=N` (N the items of the first
    ///   page), then `page=2`, and either paginates when it returns other items than the first
    ///   page. A list with none of these fails. A body over the read cap, or no answer, is an
    ///   error: the page could not be examined.
    ///
    /// One to three requests per list endpoint. The share of list endpoints that paginate is
    /// compared with the threshold.
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
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.pagination.get()?;
    if probe.pages.is_empty() {
        return Err(Outcome::not_assessed("no list endpoint is configured (`list = true`)"));
    }
    let (mut paged, mut unpaged, mut broken, mut unclear) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in &probe.pages {
        match (p.status, &p.error) {
            (_, Some(e)) => broken.push(format!("{}: {e}", p.request)),
            (None, None) => broken.push(format!("{}: no answer", p.request)),
            (Some(_), None) if p.truncated => {
                broken.push(format!("{}: body over the {} read cap", p.request, format_bytes(p.bytes)))
            }
            (Some(s), None) if !(200..300).contains(&s) => unclear.push(format!("{} → {s}", p.request)),
            (Some(_), None) => match (&p.next, p.items) {
                (Some(next), _) => paged.push(format!("{}: {next}", p.request)),
                (None, Some(n)) => unpaged.push(format!("{}: {n} items, no way to a next page", p.request)),
                (None, None) => unpaged.push(format!("{}: not a JSON list, no Link header", p.request)),
            },
        }
    }
    let conclusive = paged.len() + unpaged.len();
    if conclusive == 0 {
        let all: Vec<String> = broken.iter().chain(&unclear).cloned().collect();
        if unclear.is_empty() {
            return Err(Outcome::error(format!("no list page could be read: {}", all.join("; "))));
        }
        return Err(Outcome::not_assessed(format!("no list page was served: {}", all.join("; "))));
    }
    let share = 100.0 * paged.len() as f64 / conclusive as f64;
    let measured = format!("{}/{conclusive} list endpoints paginate", paged.len());
    let wanted = threshold.limit_number();
    if share >= wanted {
        return Ok(Outcome::pass(measured, paged.join("; ")).with_findings(broken.into_iter().chain(unclear)));
    }
    Ok(Outcome::fail(measured, "list endpoints return everything, or a page with no way to the next")
        .with_findings(unpaged.into_iter().chain(broken).chain(unclear))
        .with_excess(wanted / share.max(1.0)))
}

/// A list page for the tests of 8.7 and 8.8.
#[cfg(test)]
pub(super) fn page(
    status: Option<u16>,
    items: Option<u64>,
    next: Option<&str>,
    truncated: bool,
) -> crate::evidence::ListPage {
    crate::evidence::ListPage {
        request: "GET /products".into(),
        status,
        bytes: 4096,
        truncated,
        items,
        next: next.map(String::from),
        more: next.map(|n| !n.contains("null")),
        error: status.is_none().then(|| "timed out".into()),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{ListPage, ListProbe, Slot};
    use crate::outcome::Status;

    fn probe(pages: Vec<ListPage>) -> Evidence {
        let mut h = http(false);
        h.pagination = Slot::collected(ListProbe { pages });
        with_http(h)
    }

    #[test]
    fn a_next_cursor_or_link_passes() {
        let e = probe(vec![page(Some(200), Some(20), Some("next_cursor"), false)]);
        expect(&PAGINATION, &e, Status::Pass);
    }

    #[test]
    fn a_bare_array_fails() {
        let e =
            probe(vec![page(Some(200), Some(20), Some("next_cursor"), false), page(Some(200), Some(100), None, false)]);
        let o = expect(&PAGINATION, &e, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("1/2 list endpoints paginate"));
    }

    #[test]
    fn unreadable_pages_are_errors_and_refusals_not_assessed() {
        expect(&PAGINATION, &probe(vec![page(Some(200), None, None, true)]), Status::Error);
        expect(&PAGINATION, &probe(vec![page(None, None, None, false)]), Status::Error);
        expect(&PAGINATION, &probe(vec![page(Some(401), None, None, false)]), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &PAGINATION,
            probe(vec![page(Some(200), Some(20), Some("next_cursor"), false), page(Some(200), Some(100), None, false)]),
            "50%",
            Status::Fail,
            Status::Pass,
        )
    }
}
