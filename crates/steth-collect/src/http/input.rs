//! Bad input sent to write endpoints (evidence for 6.6): broken JSON, wrong types, missing
//! fields and an oversized field, each a small body.

use super::{ProbeClient, write_endpoints};
use reqwest::Method;
use serde_json::{Value, json};
use steth_core::config::Plan;
use steth_core::evidence::{Exchange, InputProbe, Slot};

/// At most this many write endpoints get bad input.
pub(super) const MAX_ENDPOINTS: usize = 5;
/// Length of the oversized string field.
const OVERSIZED: usize = 10_000;

/// A value of another JSON type than `v`.
fn wrong_type(v: &Value) -> Value {
    match v {
        Value::String(_) => json!(12345),
        Value::Number(_) | Value::Bool(_) | Value::Null => json!("stethoscope-not-a-number"),
        Value::Array(_) | Value::Object(_) => json!("stethoscope-not-a-list"),
    }
}

/// The four bad bodies derived from the endpoint's configured body (when it is a JSON object).
fn bad_bodies(configured: Option<&str>) -> Vec<(&'static str, String)> {
    let object = configured.and_then(|b| serde_json::from_str::<Value>(b).ok()).and_then(|v| match v {
        Value::Object(map) if !map.is_empty() => Some(map),
        _ => None,
    });
    let long = "x".repeat(OVERSIZED);
    let (wrong, oversized) = match object {
        Some(map) => {
            let wrong: serde_json::Map<String, Value> = map.iter().map(|(k, v)| (k.clone(), wrong_type(v))).collect();
            let mut big = map.clone();
            let field = map.iter().find(|(_, v)| v.is_string()).or_else(|| map.iter().next()).map(|(k, _)| k.clone());
            big.insert(field.unwrap_or_else(|| "name".into()), Value::String(long));
            (Value::Object(wrong).to_string(), Value::Object(big).to_string())
        }
        None => (json!("stethoscope").to_string(), json!({ "name": long }).to_string()),
    };
    vec![
        ("malformed JSON", r#"{"stethoscope": "#.to_string()),
        ("wrong types", wrong),
        ("missing fields", "{}".to_string()),
        ("an oversized field", oversized),
    ]
}

/// Sends each write endpoint the four bad bodies with its identity's credentials.
pub(super) async fn probe(client: &ProbeClient, plan: &Plan) -> Slot<InputProbe> {
    let mut exchanges = Vec::new();
    for e in write_endpoints(plan).take(MAX_ENDPOINTS) {
        let path = e.path_for(0);
        let mut headers = ProbeClient::credentials(plan, e.identity.as_deref());
        headers.push(("content-type".into(), "application/json".into()));
        let method = Method::from_bytes(e.method.as_bytes()).unwrap_or(Method::POST);
        let configured = crate::load::probe_body(plan, e);
        for (case, body) in bad_bodies(configured.as_deref()) {
            let (status, error) = match client.call(method.clone(), &path, &headers, Some(body.into())).await {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(err) => (None, Some(err)),
            };
            exchanges.push(Exchange { endpoint: e.name.clone(), case: case.into(), status, error });
        }
    }
    Slot::collected(InputProbe { exchanges })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_follow_the_configured_shape() {
        let bodies = bad_bodies(Some(r#"{"email":"a@b","quantity":1}"#));
        assert!(serde_json::from_str::<Value>(&bodies[0].1).is_err(), "malformed JSON stays malformed");
        let wrong: Value = serde_json::from_str(&bodies[1].1).expect("json");
        assert_eq!(wrong, json!({"email": 12345, "quantity": "stethoscope-not-a-number"}));
        let big: Value = serde_json::from_str(&bodies[3].1).expect("json");
        assert_eq!(big["email"].as_str().map(str::len), Some(OVERSIZED));
        assert_eq!(big["quantity"], json!(1));
        let none = bad_bodies(None);
        assert_eq!(none[1].1, "\"stethoscope\"");
    }
}
