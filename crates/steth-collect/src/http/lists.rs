//! List endpoints: the first page and whether it leads to the next (evidence for 8.7), and
//! the page a huge page size gives (8.8). Bodies are read only up to `[probes] max_response`.

use super::{Fetched, ProbeClient};
use reqwest::Method;
use serde_json::Value;
use steth_core::config::{Endpoint, Plan};
use steth_core::evidence::{ListPage, ListProbe, Slot};

/// At most this many list endpoints are asked.
const MAX_ENDPOINTS: usize = 5;
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

/// Counts the items of a page and finds what leads to the next one.
fn examine(f: &Fetched) -> (Option<u64>, Option<String>) {
    let link_next = f
        .answer
        .headers
        .iter()
        .any(|(n, v)| n == "link" && v.to_ascii_lowercase().replace(' ', "").contains("rel=\"next\""));
    let json: Option<Value> = (!f.truncated).then(|| serde_json::from_slice(&f.body).ok()).flatten();
    let (items, field) = match &json {
        Some(Value::Array(a)) => (Some(a.len() as u64), None),
        Some(Value::Object(map)) => {
            let list = ITEM_FIELDS
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_array))
                .or_else(|| map.values().find_map(Value::as_array));
            let next =
                NEXT_FIELDS.iter().find(|k| map.contains_key(**k)).map(|k| describe(k, &map[*k])).or_else(|| {
                    WRAPPERS.iter().find_map(|w| {
                        let inner = map.get(*w)?.as_object()?;
                        NEXT_FIELDS
                            .iter()
                            .find(|k| inner.contains_key(**k))
                            .map(|k| describe(&format!("{w}.{k}"), &inner[*k]))
                    })
                });
            (list.map(|a| a.len() as u64), next)
        }
        _ => (None, None),
    };
    let next = if link_next { Some("Link: rel=\"next\"".to_string()) } else { field };
    (items, next)
}

fn describe(field: &str, value: &Value) -> String {
    if value.is_null() { format!("`{field}` (null: the last page)") } else { format!("`{field}`") }
}

async fn page(client: &ProbeClient, plan: &Plan, e: &Endpoint, path: String) -> ListPage {
    let headers = plan.headers_for(e);
    let request = format!("GET {path}");
    match client.fetch(Method::GET, &path, &headers, None, plan.probes.max_response).await {
        Ok(f) => {
            let (items, next) = examine(&f);
            ListPage {
                request,
                status: Some(f.answer.status),
                bytes: f.body.len() as u64,
                truncated: f.truncated,
                items,
                next,
                error: None,
            }
        }
        Err(error) => {
            ListPage { request, status: None, bytes: 0, truncated: false, items: None, next: None, error: Some(error) }
        }
    }
}

/// The first page of each list endpoint, and the page asked with a huge page size.
pub(super) async fn probe(client: &ProbeClient, plan: &Plan) -> (Slot<ListProbe>, Slot<ListProbe>) {
    let (mut first, mut huge) = (Vec::new(), Vec::new());
    for e in plan.endpoints.iter().filter(|e| e.list && e.method == "GET").take(MAX_ENDPOINTS) {
        let path = e.path_for(0);
        first.push(page(client, plan, e, path.clone()).await);
        let sep = if path.contains('?') { '&' } else { '?' };
        huge.push(page(client, plan, e, format!("{path}{sep}{HUGE}")).await);
    }
    (Slot::collected(ListProbe { pages: first }), Slot::collected(ListProbe { pages: huge }))
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

    #[test]
    fn pages_are_counted_and_their_next_found() {
        assert_eq!(
            examine(&fetched(r#"{"items":[1,2],"next_cursor":"2"}"#, &[])),
            (Some(2), Some("`next_cursor`".into()))
        );
        let (n, next) = examine(&fetched(r#"{"data":[1],"meta":{"next":null}}"#, &[]));
        assert_eq!((n, next.as_deref()), (Some(1), Some("`meta.next` (null: the last page)")));
        assert_eq!(examine(&fetched("[1,2,3]", &[])), (Some(3), None));
        let link = [("link", "<https://api/x?page=2>; rel=\"next\"")];
        assert_eq!(examine(&fetched("[1]", &link)).1.as_deref(), Some("Link: rel=\"next\""));
        assert_eq!(examine(&fetched("<html>", &[])), (None, None));
    }
}
