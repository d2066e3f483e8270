//! 8.8 bounded-responses: max response size bounded.

use crate::catalog::prelude::*;
use crate::threshold::format_bytes;

declare_item! {
    /// ## What it checks
    /// The server caps the size of every result set, whatever the client asks for: a request with
    /// `?limit=1000000` gets at most the maximum page size (say 100 items) or a 400. The default
    /// threshold is "huge limits capped".
    ///
    /// ## Why it matters
    /// Pagination without a cap is pagination a client can switch off. One integration partner who
    /// sets `limit=100000` to avoid paging makes the API load 100 000 rows and build a 200 MB JSON
    /// document; memory spikes, the instance is OOM-killed, and every other request it was serving
    /// fails with it. The same parameter is an easy denial-of-service lever.
    ///
    /// ## How it is measured
    /// - **http**: stethoscope requests each list endpoint with its identity and
    ///   `?limit=1000000&per_page=1000000&page_size=1000000`, reads the body up to the read cap
    ///   (`[probes] max_response`, default 4 MiB) and counts the items. A 400/422 (the size
    ///   refused) or at most the threshold's items (default 1000) passes; more items, or a body
    ///   over the read cap (the download stops there), fails. The default page of the same
    ///   endpoint decides the rest: when the huge request returns the whole data set (its next
    ///   field is null, or `has_more` false) and that is more items than the default page, no
    ///   cap exists and the item fails (`limit=1000000` giving 31 items where the default page
    ///   is 20); a data set that fits in one default page cannot show a cap, so the item is not
    ///   assessed, never passed.
    ///
    /// ## How to fix
    /// Clamp the requested size on the server and document the maximum (e.g. `maximum: 100` in the
    /// OpenAPI schema):
    ///
    /// ```python
    /// MAX_PAGE = 100
    /// limit = min(max(int(request.args.get("limit", 20)), 1), MAX_PAGE)
    /// ```
    ///
    /// Either clamping silently or answering 400 above the maximum is fine; pick one and document
    /// it. Bulk exports belong in a background job (8.5) that writes a file, not in a list
    /// endpoint. GraphQL APIs need the equivalent limits on `first`/`last` and on query depth or
    /// complexity.
    pub BOUNDED_RESPONSES = {
        id: "8.8",
        slug: "bounded-responses",
        title: "Max response size bounded",
        section: Scalability,
        threshold: Threshold::at_most(1000),
        sources: [Http],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.huge_pages.get()?;
    if probe.pages.is_empty() {
        return Err(Outcome::not_assessed("no list endpoint is configured (`list = true`)"));
    }
    let cap = threshold.limit_count();
    // The default page of the same endpoint (8.7's probe, same order): its size tells a cap
    // from a whole, small data set.
    let defaults = evidence.http.get()?.pagination.data().map(|p| p.pages.as_slice()).unwrap_or_default();
    let (mut capped, mut uncapped, mut unclear) = (Vec::new(), Vec::new(), Vec::new());
    for (i, p) in probe.pages.iter().enumerate() {
        let default = defaults.get(i).filter(|d| d.status.is_some_and(|s| (200..300).contains(&s)));
        let default_items = default.and_then(|d| d.items);
        match (p.status, p.items) {
            (Some(400 | 422), _) => capped.push(format!("{} refused", p.request)),
            (Some(s), _) if (200..300).contains(&s) && p.truncated => {
                uncapped.push(format!("{}: over {}, download stopped", p.request, format_bytes(p.bytes)))
            }
            (Some(s), Some(n)) if (200..300).contains(&s) && n > cap => {
                uncapped.push(format!("{}: {n} items in {}", p.request, format_bytes(p.bytes)))
            }
            // The whole data set came back although the default page said more items follow:
            // more than the default page means no cap at all. (A default page that already
            // held everything cannot tell, and a write elsewhere may have added an item since.)
            (Some(s), Some(n)) if (200..300).contains(&s) && p.more == Some(false) => match default_items {
                Some(d) if n > d && default.is_some_and(|d| d.more == Some(true)) => {
                    uncapped.push(format!("{}: all {n} items where the default page is {d}: no cap", p.request))
                }
                _ => unclear.push(format!(
                    "{}: the whole data set ({n} items) fits in one default page, so it cannot show a cap",
                    p.request
                )),
            },
            (Some(s), Some(n))
                if (200..300).contains(&s) && p.more.is_none() && default.is_some_and(|d| d.more == Some(false)) =>
            {
                unclear.push(format!(
                    "{}: {n} items, and the default page already held the whole data set: a cap cannot show",
                    p.request
                ))
            }
            (Some(s), Some(n)) if (200..300).contains(&s) => capped.push(format!("{}: {n} items", p.request)),
            (Some(s), _) => unclear.push(format!("{} → {s}", p.request)),
            (None, _) => unclear.push(format!("{}: {}", p.request, p.error.as_deref().unwrap_or("no answer"))),
        }
    }
    if !uncapped.is_empty() {
        let measured = format!("{} of {} list endpoints uncapped", uncapped.len(), probe.pages.len());
        return Ok(Outcome::fail(measured, "a client asking for a million items gets them")
            .with_findings(uncapped.into_iter().chain(unclear))
            .with_excess(2.0));
    }
    if capped.is_empty() {
        if probe.pages.iter().all(|p| p.status.is_none()) {
            return Err(Outcome::error(format!("no list page could be read: {}", unclear.join("; "))));
        }
        return Err(Outcome::not_assessed(format!("no list page was served: {}", unclear.join("; "))));
    }
    Ok(Outcome::pass(format!("{}/{} list endpoints capped", capped.len(), probe.pages.len()), capped.join("; "))
        .with_findings(unclear))
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::pagination::page;
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{ListPage, ListProbe, Slot};
    use crate::outcome::Status;

    fn probe(pages: Vec<ListPage>) -> Evidence {
        let mut h = http(false);
        h.huge_pages = Slot::collected(ListProbe { pages });
        with_http(h)
    }

    #[test]
    fn capped_or_refused_passes() {
        expect(&BOUNDED_RESPONSES, &probe(vec![page(Some(200), Some(100), Some("next_cursor"), false)]), Status::Pass);
        expect(&BOUNDED_RESPONSES, &probe(vec![page(Some(400), None, None, false)]), Status::Pass);
    }

    #[test]
    fn more_than_the_default_page_with_nothing_left_is_no_cap() {
        let mut h = http(false);
        h.pagination =
            Slot::collected(ListProbe { pages: vec![page(Some(200), Some(20), Some("next_cursor"), false)] });
        h.huge_pages = Slot::collected(ListProbe {
            pages: vec![page(Some(200), Some(31), Some("`next_cursor` (null: the last page)"), false)],
        });
        let o = expect(&BOUNDED_RESPONSES, &with_http(h.clone()), Status::Fail);
        assert!(o.findings[0].contains("all 31 items where the default page is 20"), "{:?}", o.findings);
        h.pagination = Slot::collected(ListProbe {
            pages: vec![page(Some(200), Some(7), Some("`next` (null: the last page)"), false)],
        });
        h.huge_pages = Slot::collected(ListProbe {
            pages: vec![page(Some(200), Some(7), Some("`next` (null: the last page)"), false)],
        });
        let o = expect(&BOUNDED_RESPONSES, &with_http(h), Status::NotAssessed);
        assert!(o.evidence.contains("cannot show a cap"), "{}", o.evidence);
    }

    #[test]
    fn a_million_items_or_an_endless_body_fails() {
        let o = expect(&BOUNDED_RESPONSES, &probe(vec![page(Some(200), Some(12_000), None, false)]), Status::Fail);
        assert!(o.findings[0].contains("12000 items"));
        expect(&BOUNDED_RESPONSES, &probe(vec![page(Some(200), None, None, true)]), Status::Fail);
    }

    #[test]
    fn no_answer_is_an_error() {
        expect(&BOUNDED_RESPONSES, &probe(vec![page(None, None, None, false)]), Status::Error);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &BOUNDED_RESPONSES,
            probe(vec![page(Some(200), Some(12_000), None, false)]),
            "20000",
            Status::Fail,
            Status::Pass,
        )
    }
}
