//! An endpoint's `cleanup`: after its load phases, a `DELETE` for every record they created,
//! found in each answer's `Location` or at a JSON pointer of its body; bounded like the probes.

use futures_util::future::join_all;
use reqwest::Method;
use steth_core::config::{Cleanup, Endpoint, Plan};
use steth_core::evidence::CleanupDone;

/// Deletes at once.
const CONCURRENCY: usize = 8;

/// Deletes what `captured` names; never more requests than records found.
pub(crate) async fn run(plan: &Plan, endpoint: &Endpoint, how: &Cleanup, captured: Vec<String>) -> CleanupDone {
    let mut done = CleanupDone { created: captured.len() as u64, ..CleanupDone::default() };
    let Some(target) = &plan.target else { return done };
    let client = match crate::http::ProbeClient::new(target) {
        Ok(c) => c,
        Err(e) => {
            done.failed = done.created;
            done.note = Some(e);
            return done;
        }
    };
    let base = endpoint.path_for(0);
    let paths: Vec<Option<String>> =
        captured.iter().map(|c| path_of(how, &base, c, target.base_url.as_str())).collect();
    let headers = crate::http::ProbeClient::credentials(plan, endpoint.identity.as_deref());
    for chunk in paths.chunks(CONCURRENCY) {
        let deletes = chunk.iter().map(|p| async {
            let path = p.as_ref()?;
            let answer = client.fetch(Method::DELETE, path, &headers, None, 64 * 1024).await.ok()?;
            Some(answer.answer.status)
        });
        for status in join_all(deletes).await {
            match status {
                Some(s) if (200..300).contains(&s) || s == 404 => done.deleted += 1,
                _ => done.failed += 1,
            }
        }
    }
    done
}

/// The path to delete for one answer: its `Location` (absolute under the base URL, or
/// relative), or the endpoint's path plus the value at the pointer.
fn path_of(how: &Cleanup, endpoint_path: &str, captured: &str, base_url: &str) -> Option<String> {
    match how {
        Cleanup::Location => {
            let base = base_url.trim_end_matches('/');
            let path = captured.strip_prefix(base).unwrap_or(captured);
            path.starts_with('/').then(|| path.to_string())
        }
        Cleanup::Pointer(pointer) => {
            let json: serde_json::Value = serde_json::from_str(captured).ok()?;
            let value = match json.pointer(pointer)? {
                serde_json::Value::String(s) if !s.is_empty() => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let segment: String = value
                .bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            Some(format!("{}/{segment}", endpoint_path.trim_end_matches('/')))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_and_pointers_become_paths() {
        let base = "http://127.0.0.1:8080/";
        assert_eq!(path_of(&Cleanup::Location, "/users", "/users/7", base), Some("/users/7".into()));
        assert_eq!(
            path_of(&Cleanup::Location, "/users", "http://127.0.0.1:8080/users/7", base),
            Some("/users/7".into())
        );
        assert_eq!(path_of(&Cleanup::Location, "/users", "https://elsewhere/x", base), None);
        let id = Cleanup::Pointer("/data/id".into());
        assert_eq!(path_of(&id, "/users", r#"{"data":{"id":42}}"#, base), Some("/users/42".into()));
        assert_eq!(path_of(&id, "/users/", r#"{"data":{"id":"a b"}}"#, base), Some("/users/a%20b".into()));
        assert_eq!(path_of(&id, "/users", "not json", base), None);
    }
}
