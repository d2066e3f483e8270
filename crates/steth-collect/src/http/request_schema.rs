//! Request-body schemas from the service's OpenAPI 3 document (`[target] openapi`), and the
//! bodies that violate them on purpose for 6.6: a required field removed, a malformed format,
//! a broken length, bound or enum — each applied to the configured body, one at a time.

use serde_json::{Value, json};
use std::path::Path;
use steth_core::config::Endpoint;

/// At most this many schema violations per endpoint.
const MAX_VIOLATIONS: usize = 14;
/// The longest string a `maxLength` violation sends.
const MAX_OVERLONG: u64 = 100_000;

/// One step into a JSON document.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Step {
    Key(String),
    Index(usize),
}

/// `/user/email` for printing.
pub(super) fn pointer(path: &[Step]) -> String {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => format!("/{k}"),
            Step::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// A copy of `body` with the value at `path` replaced, or removed with `None`.
pub(super) fn with(body: &Value, path: &[Step], value: Option<Value>) -> Value {
    let mut out = body.clone();
    let Some((last, parent)) = path.split_last() else { return value.unwrap_or(Value::Null) };
    let mut node = &mut out;
    for step in parent {
        node = match (step, node) {
            (Step::Key(k), Value::Object(m)) => match m.get_mut(k) {
                Some(n) => n,
                None => return out,
            },
            (Step::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                Some(n) => n,
                None => return out,
            },
            _ => return out,
        };
    }
    match (last, node, value) {
        (Step::Key(k), Value::Object(m), Some(v)) => {
            m.insert(k.clone(), v);
        }
        (Step::Key(k), Value::Object(m), None) => {
            m.remove(k);
        }
        (Step::Index(i), Value::Array(a), Some(v)) if *i < a.len() => a[*i] = v,
        (Step::Index(i), Value::Array(a), None) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
    out
}

/// The endpoint's `application/json` request schema, or why there is none.
pub(super) fn for_endpoint(doc: &Value, e: &Endpoint) -> Result<Value, String> {
    let paths = doc.get("paths").and_then(Value::as_object).ok_or("the document has no `paths`")?;
    let segments = |p: &str| p.trim_end_matches('/').split('/').map(String::from).collect::<Vec<_>>();
    let wanted = segments(&e.path);
    let (_, item) = paths
        .iter()
        .find(|(p, _)| {
            let have = segments(p);
            have.len() == wanted.len()
                && have.iter().zip(&wanted).all(|(a, b)| a == b || (a.starts_with('{') && b.starts_with('{')))
        })
        .ok_or_else(|| format!("no path `{}` in the document", e.path))?;
    let operation = item
        .get(e.method.to_ascii_lowercase())
        .ok_or_else(|| format!("no `{}` operation on `{}`", e.method, e.path))?;
    let body = resolve(doc, operation.get("requestBody").unwrap_or(&Value::Null));
    let schema = body
        .pointer("/content/application~1json/schema")
        .ok_or_else(|| format!("{} {} has no application/json request schema", e.method, e.path))?;
    Ok(resolve(doc, schema))
}

/// Follows a local `$ref` (`#/components/schemas/User`), a few levels deep, and merges `allOf`.
fn resolve(doc: &Value, v: &Value) -> Value {
    let mut v = v.clone();
    for _ in 0..8 {
        let Some(target) = v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) else { break };
        v = doc.pointer(target).cloned().unwrap_or(Value::Null);
    }
    if let Some(parts) = v.get("allOf").and_then(Value::as_array).cloned() {
        let mut merged = json!({"type": "object", "properties": {}, "required": []});
        for part in parts.iter().map(|p| resolve(doc, p)) {
            if let (Some(into), Some(from)) = (merged["properties"].as_object_mut(), part["properties"].as_object()) {
                into.extend(from.clone());
            }
            if let (Some(into), Some(from)) = (merged["required"].as_array_mut(), part["required"].as_array()) {
                into.extend(from.iter().cloned());
            }
        }
        return merged;
    }
    v
}

/// Bodies that violate `schema`, derived from the configured `body`: (what, body).
pub(super) fn violations(doc: &Value, schema: &Value, body: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    walk(doc, schema, body, body, &mut Vec::new(), &mut out);
    out.truncate(MAX_VIOLATIONS);
    out
}

fn walk(doc: &Value, schema: &Value, root: &Value, here: &Value, path: &mut Vec<Step>, out: &mut Vec<(String, Value)>) {
    let schema = resolve(doc, schema);
    match here {
        Value::Object(fields) => {
            for name in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
            {
                if fields.contains_key(name) {
                    path.push(Step::Key(name.to_string()));
                    out.push((format!("missing required {}", pointer(path)), with(root, path, None)));
                    path.pop();
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            for (name, value) in fields {
                if let Some(sub) = properties.and_then(|p| p.get(name)) {
                    path.push(Step::Key(name.clone()));
                    walk(doc, sub, root, value, path, out);
                    path.pop();
                }
            }
        }
        Value::Array(items) => {
            if let (Some(first), Some(sub)) = (items.first(), schema.get("items")) {
                path.push(Step::Index(0));
                walk(doc, sub, root, first, path, out);
                path.pop();
            }
        }
        _ => {
            for (what, bad) in leaf_violations(&schema) {
                out.push((format!("{what} at {}", pointer(path)), with(root, path, Some(bad))));
            }
        }
    }
}

/// What breaks one scalar's constraints: (what, value).
fn leaf_violations(schema: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let number = |k: &str| schema.get(k).and_then(Value::as_f64);
    let count = |k: &str| schema.get(k).and_then(Value::as_u64);
    match schema.get("format").and_then(Value::as_str) {
        Some("email") => out.push(("a malformed email".to_string(), json!("not-an-email"))),
        Some("uuid") => out.push(("a malformed uuid".to_string(), json!("not-a-uuid"))),
        Some("date-time") => out.push(("a malformed date-time".to_string(), json!("yesterday at noon"))),
        Some("date") => out.push(("a malformed date".to_string(), json!("32/13/2020"))),
        _ => {}
    }
    if let Some(min) = count("minLength").filter(|m| *m > 0) {
        out.push((format!("shorter than minLength {min}"), json!("x".repeat(min as usize - 1))));
    }
    if let Some(max) = count("maxLength").filter(|m| *m < MAX_OVERLONG) {
        out.push((format!("longer than maxLength {max}"), json!("x".repeat(max as usize + 1))));
    }
    let integer = schema.get("type").and_then(Value::as_str) == Some("integer");
    let as_value = |v: f64| if integer { json!(v as i64) } else { json!(v) };
    if let Some(min) = number("minimum") {
        out.push((format!("below minimum {min}"), as_value(min - 1.0)));
    }
    if let Some(max) = number("maximum") {
        out.push((format!("above maximum {max}"), as_value(max + 1.0)));
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        let bad =
            if options.iter().all(Value::is_string) { json!("stethoscope-not-in-enum") } else { json!(-987654321) };
        if !options.contains(&bad) {
            out.push(("a value outside its enum".to_string(), bad));
        }
    }
    out
}

/// Reads the document (JSON only), or says why it cannot be used.
pub(super) fn load(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON OpenAPI: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "paths": {"/users": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewUser"}}}}}}},
            "components": {"schemas": {
                "NewUser": {"type": "object", "required": ["user"], "properties": {"user": {"$ref": "#/components/schemas/User"}}},
                "User": {"type": "object", "required": ["username", "email"], "properties": {
                    "username": {"type": "string", "minLength": 1, "maxLength": 20},
                    "email": {"type": "string", "format": "email"},
                    "role": {"type": "string", "enum": ["reader", "writer"]},
                    "age": {"type": "integer", "minimum": 13}
                }}
            }}
        })
    }

    #[test]
    fn violations_reach_inside_the_envelope() {
        let e = Endpoint::new("POST", "/users");
        let schema = for_endpoint(&doc(), &e).unwrap();
        let body = json!({"user": {"username": "ann", "email": "ann@example.com", "role": "reader", "age": 30}});
        let v = violations(&doc(), &schema, &body);
        let names: Vec<&str> = v.iter().map(|(n, _)| n.as_str()).collect();
        for want in [
            "missing required /user",
            "missing required /user/username",
            "missing required /user/email",
            "shorter than minLength 1 at /user/username",
            "longer than maxLength 20 at /user/username",
            "a malformed email at /user/email",
            "a value outside its enum at /user/role",
            "below minimum 13 at /user/age",
        ] {
            assert!(names.contains(&want), "{want} in {names:?}");
        }
        let (_, missing) = v.iter().find(|(n, _)| n == "missing required /user/email").unwrap();
        assert_eq!(missing, &json!({"user": {"username": "ann", "role": "reader", "age": 30}}));
        let (_, young) = v.iter().find(|(n, _)| n.starts_with("below minimum")).unwrap();
        assert_eq!(young["user"]["age"], json!(12));
    }

    #[test]
    fn an_unknown_operation_says_so() {
        let e = Endpoint::new("PUT", "/users");
        assert!(for_endpoint(&doc(), &e).unwrap_err().contains("no `PUT` operation"));
    }
}
