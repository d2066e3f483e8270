//! List endpoints: the first page and whether it leads to the next (evidence for 8.7), and
//! the page a huge page size gives (8.8). Bodies are read only up to `[probes] max_response`.

use super::{Fetched, ProbeClient};
use reqwest::Method;
use serde_json::Value;
use steth_core::config::{Endpoint, Plan};
use steth_core::evidence::{Exchange, ListPage, ListProbe, Slot};

/// At most this many list endpoints are asked.
pub(super) const MAX_ENDPOINTS: usize = 5;
/// The page size asked for by 8.8, under every common parameter name.
pub(super) const HUGE: &str = "limit=1000000&per_page=1000000&page_size=1000000";
/// Fields holding the items of a page, in order of preference.
const ITEM_FIELDS: [&str; 5] = ["items", "data", "results", "records", "entries"];
/// Fields that lead to the next page.
const NEXT_FIELDS: [&str; 13] = [
    "next_cursor",
    "nextCursor",
    "cursor",
    "next",
    "next_page",
    "nextPage",
    "next_page_token",
    "nextPageToken",
    "next_offset",
    "offset",
    "page",
    "has_more",
    "hasMore",
];
/// Objects that may hold the next-page field instead of the top level.
const WRAPPERS: [&str; 5] = ["links", "_links", "meta", "pagination", "paging"];

/// What one page says: its item count, what leads to the next page, whether more items
/// exist, and its first item's identity (to tell a next page from the same page again).
struct Examined {
    items: Option<u64>,
    next: Option<String>,
    more: Option<bool>,
    first: Option<String>,
}

/// Counts the items of a page and finds what leads to the next one.
fn examine(f: &Fetched) -> Examined {
    let link_next = f
        .answer
        .headers
        .iter()
        .any(|(n, v)| n == "link" && v.to_ascii_lowercase().replace(' ', "").contains("rel=\"next\""));
    let json: Option<Value> = (!f.truncated).then(|| serde_json::from_slice(&f.body).ok()).flatten();
    let more_of = |k: &str, v: &Value| match v {
        Value::Null => Some(false),
        Value::Bool(b) if k.ends_with("as_more") || k.ends_with("asMore") => Some(*b),
        _ => Some(true),
    };
    let (list, next, more) = match &json {
        Some(Value::Array(a)) => (Some(a), None, None),
        Some(Value::Object(map)) => {
            let list = ITEM_FIELDS
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_array))
                .or_else(|| map.values().find_map(Value::as_array));
            let found =
                NEXT_FIELDS.iter().find(|k| map.contains_key(**k)).map(|k| (k.to_string(), &map[*k])).or_else(|| {
                    WRAPPERS.iter().find_map(|w| {
                        let inner = map.get(*w)?.as_object()?;
                        NEXT_FIELDS.iter().find(|k| inner.contains_key(**k)).map(|k| (format!("{w}.{k}"), &inner[*k]))
                    })
                });
            match found {
                Some((k, v)) => (list, Some(describe(&k, v)), more_of(&k, v)),
                None => (list, None, None),
            }
        }
        _ => (None, None, None),
    };
    let (next, more) = if link_next { (Some("Link: rel=\"next\"".to_string()), Some(true)) } else { (next, more) };
    Examined { items: list.map(|a| a.len() as u64), next, more, first: list.and_then(|a| a.first()).map(identity) }
}

/// Fields that name an item: compared instead of the whole item, whose other fields (a stock
/// count, a view counter, `updated_at`) may change between two requests on a live service.
const IDENTITY_FIELDS: [&str; 5] = ["id", "_id", "uuid", "key", "slug"];

/// What tells one item from another: its identity field when it has one, else all of it.
fn identity(item: &Value) -> String {
    IDENTITY_FIELDS
        .iter()
        .find_map(|f| item.get(f).filter(|v| !v.is_null()))
        .map_or_else(|| item.to_string(), |id| format!("id {id}"))
}

fn describe(field: &str, value: &Value) -> String {
    if value.is_null() { format!("`{field}` (null: the last page)") } else { format!("`{field}`") }
}

async fn page(client: &ProbeClient, plan: &Plan, e: &Endpoint, path: String) -> (ListPage, Option<String>) {
    let headers = plan.headers_for(e);
    let request = format!("GET {path}");
    match client.fetch(Method::GET, &path, &headers, None, plan.probes.max_response).await {
        Ok(f) => {
            let x = examine(&f);
            let page = ListPage {
                request,
                status: Some(f.answer.status),
                bytes: f.body.len() as u64,
                truncated: f.truncated,
                items: x.items,
                next: x.next,
                more: x.more,
                error: None,
            };
            (page, x.first)
        }
        Err(error) => {
            let page = ListPage {
                request,
                status: None,
                bytes: 0,
                truncated: false,
                items: None,
                next: None,
                more: None,
                error: Some(error),
            };
            (page, None)
        }
    }
}

fn with_query(path: &str, query: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{query}")
}

/// A first page with no next field may still paginate by `offset` or `page`: it does when
/// asking for the next offset (or page 2) returns other items than the first page.
async fn follow(client: &ProbeClient, plan: &Plan, e: &Endpoint, path: &str, first: &mut ListPage, head: &str) {
    let Some(n) = first.items.filter(|n| *n > 0) else { return };
    for (param, query) in [("offset", format!("offset={n}")), ("page", "page=2".to_string())] {
        let (next, next_head) = page(client, plan, e, with_query(path, &query)).await;
        let served = next.status.is_some_and(|s| (200..300).contains(&s)) && next.items.is_some_and(|m| m > 0);
        if served && next_head.as_deref().is_some_and(|h| h != head) {
            first.next = Some(format!("`{param}` ({query} returns the next items)"));
            first.more = Some(true);
            return;
        }
    }
}

/// The first page of each list endpoint, the page asked with a huge page size, and the
/// answers to `limit=0`, `limit=-1` and `offset=-1`.
pub(super) async fn probe(client: &ProbeClient, plan: &Plan) -> (Slot<ListProbe>, Slot<ListProbe>, Vec<Exchange>) {
    let (mut first, mut huge, mut edges) = (Vec::new(), Vec::new(), Vec::new());
    for e in plan.endpoints.iter().filter(|e| e.list && e.method == "GET").take(MAX_ENDPOINTS) {
        let path = e.path_for(0);
        let (mut p, head) = page(client, plan, e, path.clone()).await;
        if p.next.is_none()
            && p.status.is_some_and(|s| (200..300).contains(&s))
            && let Some(head) = head
        {
            follow(client, plan, e, &path, &mut p, &head).await;
        }
        first.push(p);
        huge.push(page(client, plan, e, with_query(&path, HUGE)).await.0);
        for query in ["limit=0", "limit=-1", "offset=-1"] {
            let (edge, _) = page(client, plan, e, with_query(&path, query)).await;
            edges.push(Exchange {
                endpoint: e.name.clone(),
                case: query.into(),
                status: edge.status,
                error: edge.error,
            });
        }
    }
    (Slot::collected(ListProbe { pages: first }), Slot::collected(ListProbe { pages: huge }), edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::client::Answer;

    fn fetched(body: &str, headers: &[(&str, &str)]) -> Fetched {
        Fetched {
            answer: Answer {
                status: 200,
                headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            },
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    fn summary(body: &str, headers: &[(&str, &str)]) -> (Option<u64>, Option<String>, Option<bool>) {
        let x = examine(&fetched(body, headers));
        (x.items, x.next, x.more)
    }

    #[test]
    fn the_first_item_is_told_apart_by_its_identity_not_by_fields_that_change() {
        // The same unpaginated page asked twice on a live service: the stock changed between
        // the two requests, the item did not. Not a next page.
        let a = examine(&fetched(r#"[{"id": 1, "stock": 40}, {"id": 2, "stock": 9}]"#, &[])).first;
        let b = examine(&fetched(r#"[{"id": 1, "stock": 39}, {"id": 2, "stock": 9}]"#, &[])).first;
        assert_eq!(a, b);
        let next = examine(&fetched(r#"[{"id": 3, "stock": 40}]"#, &[])).first;
        assert_ne!(a, next);
        // Items without an identity field are compared whole.
        let c = examine(&fetched(r#"[{"name": "x"}]"#, &[])).first;
        let d = examine(&fetched(r#"[{"name": "y"}]"#, &[])).first;
        assert_ne!(c, d);
    }

    #[test]
    fn pages_are_counted_and_their_next_found() {
        assert_eq!(
            summary(r#"{"items":[1,2],"next_cursor":"2"}"#, &[]),
            (Some(2), Some("`next_cursor`".into()), Some(true))
        );
        let (n, next, more) = summary(r#"{"data":[1],"meta":{"next":null}}"#, &[]);
        assert_eq!((n, next.as_deref(), more), (Some(1), Some("`meta.next` (null: the last page)"), Some(false)));
        assert_eq!(summary(r#"{"items":[1],"has_more":false}"#, &[]).2, Some(false));
        assert_eq!(summary("[1,2,3]", &[]), (Some(3), None, None));
        let link = [("link", "<https://api/x?page=2>; rel=\"next\"")];
        assert_eq!(summary("[1]", &link).1.as_deref(), Some("Link: rel=\"next\""));
        assert_eq!(summary("<html>", &[]), (None, None, None));
    }
}
