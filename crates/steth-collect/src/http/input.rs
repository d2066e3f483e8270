//! Bad input sent to write endpoints (evidence for 6.6): broken JSON, an empty object, every
//! leaf of the configured body (inside envelopes too) with the wrong type, missing, empty or
//! overlong, and with `[target] openapi` the bodies that violate the request schema.

use super::request_schema::{self, Step, pointer, with};
use super::{ProbeClient, write_endpoints};
use reqwest::Method;
use serde_json::{Value, json};
use steth_core::config::{Endpoint, Plan};
use steth_core::evidence::{Exchange, InputProbe, Slot};

/// At most this many write endpoints get bad input.
pub(super) const MAX_ENDPOINTS: usize = 5;
/// Length of the overlong string.
const OVERSIZED: usize = 10_000;
/// At most this many leaves of a body are mutated (four requests each).
const MAX_LEAVES: usize = 6;

/// A value of another JSON type than `v`.
fn wrong_type(v: &Value) -> Value {
    match v {
        Value::String(_) => json!(12345),
        Value::Number(_) | Value::Bool(_) | Value::Null => json!("stethoscope-not-a-number"),
        Value::Array(_) | Value::Object(_) => json!("stethoscope-not-a-list"),
    }
}

/// The leaves of a body (scalars), inside objects and the first element of arrays.
fn leaves(v: &Value, path: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                path.push(Step::Key(k.clone()));
                leaves(v, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            if let Some(first) = a.first() {
                path.push(Step::Index(0));
                leaves(first, path, out);
                path.pop();
            }
        }
        leaf => out.push((path.clone(), leaf.clone())),
    }
}

/// The bad bodies derived from the endpoint's configured body: broken JSON, an empty object,
/// and every leaf (enveloped ones included) with the wrong type, missing, empty and overlong.
fn bad_bodies(configured: Option<&str>) -> Vec<(String, String)> {
    let mut out = vec![
        ("malformed JSON".to_string(), r#"{"stethoscope": "#.to_string()),
        ("an empty object".to_string(), "{}".to_string()),
    ];
    let body = configured.and_then(|b| serde_json::from_str::<Value>(b).ok()).filter(|v| v.is_object() || v.is_array());
    let Some(body) = body else {
        out.push(("a string for a body".into(), json!("stethoscope").to_string()));
        out.push(("an oversized field".into(), json!({ "name": "x".repeat(OVERSIZED) }).to_string()));
        return out;
    };
    let mut found = Vec::new();
    leaves(&body, &mut Vec::new(), &mut found);
    for (path, value) in found.into_iter().take(MAX_LEAVES) {
        let at = pointer(&path);
        out.push((format!("the wrong type at {at}"), with(&body, &path, Some(wrong_type(&value))).to_string()));
        out.push((format!("{at} missing"), with(&body, &path, None).to_string()));
        if value.is_string() {
            out.push((format!("{at} empty"), with(&body, &path, Some(json!(""))).to_string()));
            out.push((format!("{at} overlong"), with(&body, &path, Some(json!("x".repeat(OVERSIZED)))).to_string()));
        }
    }
    out
}

async fn send(
    client: &ProbeClient,
    e: &Endpoint,
    headers: &[(String, String)],
    case: String,
    body: String,
) -> Exchange {
    let method = Method::from_bytes(e.method.as_bytes()).unwrap_or(Method::POST);
    let (status, error) = match client.call(method, &e.path_for(0), headers, Some(body.into())).await {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(err) => (None, Some(err)),
    };
    Exchange { endpoint: e.name.clone(), case, status, error }
}

/// Sends each write endpoint its bad bodies with its headers and identity's credentials, and,
/// with `[target] openapi`, the bodies that violate its request schema.
pub(super) async fn probe(client: &ProbeClient, plan: &Plan) -> Slot<InputProbe> {
    let (mut exchanges, mut schema_violations, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    let doc = match &plan.openapi {
        Some(path) => match request_schema::load(path) {
            Ok(doc) => Some(doc),
            Err(e) => {
                notes.push(e);
                None
            }
        },
        None => None,
    };
    for e in write_endpoints(plan).take(MAX_ENDPOINTS) {
        let mut headers = plan.headers_for(e);
        headers.push(("content-type".into(), "application/json".into()));
        // The body as the load sends it: placeholders such as `{seq}` filled.
        let configured = crate::load::probe_body(plan, e);
        for (case, body) in bad_bodies(configured.as_deref()) {
            exchanges.push(send(client, e, &headers, case, body).await);
        }
        let Some(doc) = &doc else { continue };
        let body = configured.as_deref().and_then(|b| serde_json::from_str::<Value>(b).ok());
        match (request_schema::for_endpoint(doc, e), body) {
            (Ok(schema), Some(body)) => {
                for (case, bad) in request_schema::violations(doc, &schema, &body) {
                    schema_violations.push(send(client, e, &headers, case, bad.to_string()).await);
                }
            }
            (Ok(_), None) => notes.push(format!("{}: no JSON `body` configured to derive violations from", e.name)),
            (Err(why), _) => notes.push(format!("{}: {why}", e.name)),
        }
    }
    Slot::collected(InputProbe { exchanges, schema_violations, notes, pagination_edges: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_leaf_of_an_enveloped_body_is_mutated() {
        let bodies = bad_bodies(Some(r#"{"user":{"username":"ann","email":"a@b.test"},"quantity":1}"#));
        assert!(serde_json::from_str::<Value>(&bodies[0].1).is_err(), "malformed JSON stays malformed");
        let find = |case: &str| {
            let (_, b) = bodies.iter().find(|(c, _)| c == case).unwrap_or_else(|| panic!("{case} in {bodies:?}"));
            serde_json::from_str::<Value>(b).expect("json")
        };
        assert_eq!(find("/user/username empty")["user"]["username"], json!(""));
        assert_eq!(find("/user/email missing"), json!({"user": {"username": "ann"}, "quantity": 1}));
        assert_eq!(find("the wrong type at /quantity")["quantity"], json!("stethoscope-not-a-number"));
        assert_eq!(find("/user/email overlong")["user"]["email"].as_str().map(str::len), Some(OVERSIZED));
        let none = bad_bodies(None);
        assert_eq!(none[2].1, "\"stethoscope\"");
    }
}
