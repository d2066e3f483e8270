//! Endpoints from an OpenAPI 3 document (JSON), for `stethoscope init --openapi`.

use crate::exit::Failure;
use serde_json::Value;
use std::fmt::Write as _;

/// Endpoints found in a document, as config text, and its first server URL.
#[derive(Debug)]
pub struct Spec {
    /// `[[endpoints]]` tables.
    pub toml: String,
    /// `servers[0].url`, when absolute.
    pub server: Option<String>,
}

/// Most bytes read of a fetched document.
const MAX_DOCUMENT: u64 = 32 * 1024 * 1024;

/// The whole download's time limit.
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Reads a document from a URL or a file.
pub fn fetch(source: &str) -> Result<Value, Failure> {
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let rt = crate::commands::runtime_for_fetch()?;
        let shown = steth_core::config::redact_url(source);
        rt.block_on(async {
            let client = steth_collect::http::http_client(FETCH_TIMEOUT)?;
            let fetched = steth_collect::http::fetch_url(client.get(source), MAX_DOCUMENT, FETCH_TIMEOUT).await?;
            if !(200..300).contains(&fetched.answer.status) {
                return Err(format!("answered HTTP {}", fetched.answer.status));
            }
            if fetched.truncated {
                return Err(format!("the document is larger than {} MiB; stopped reading", MAX_DOCUMENT >> 20));
            }
            Ok(String::from_utf8_lossy(&fetched.body).into_owned())
        })
        .map_err(|e| Failure::usage(format!("cannot fetch {shown}: {e}")))?
    } else {
        std::fs::read_to_string(source).map_err(|e| Failure::usage(format!("cannot read {source}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "{source} is not a JSON OpenAPI document ({e}); YAML documents are not read yet: convert with `yq -o json`"
        ))
    })
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn is_public(doc: &Value, op: &Value) -> bool {
    match op.get("security").or_else(|| doc.get("security")) {
        None => true,
        Some(Value::Array(reqs)) => reqs.is_empty() || reqs.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())),
        Some(_) => false,
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(schema),
        None => schema,
    }
}

fn returns_list(doc: &Value, op: &Value) -> bool {
    let Some(schema) = op.pointer("/responses/200/content/application~1json/schema") else { return false };
    let schema = resolve(doc, schema);
    if schema.get("type").and_then(Value::as_str) == Some("array") {
        return true;
    }
    schema.get("properties").and_then(Value::as_object).is_some_and(|props| {
        props.values().any(|p| resolve(doc, p).get("type").and_then(Value::as_str) == Some("array"))
    })
}

fn param_type<'a>(doc: &'a Value, op: &'a Value, item: &'a Value, name: &str) -> Option<&'a str> {
    let params = op.get("parameters").into_iter().chain(item.get("parameters")).filter_map(Value::as_array).flatten();
    params
        .map(|p| resolve(doc, p))
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|p| p.get("schema"))
        .map(|s| resolve(doc, s))
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
}

/// Turns the document's operations into `[[endpoints]]` config text.
pub fn endpoints(doc: &Value) -> Result<Spec, String> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with('3') {
        return Err(format!("not an OpenAPI 3 document (openapi = `{version}`)"));
    }
    let paths = doc.get("paths").and_then(Value::as_object).ok_or("the document has no `paths`")?;
    let mut out =
        String::from("\n# Endpoints from the OpenAPI document. Replace the placeholder values with real ids.\n");
    let mut count = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            count += 1;
            let upper = method.to_ascii_uppercase();
            let _ = writeln!(out, "\n[[endpoints]]");
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                let _ = writeln!(out, "name = {}", quoted(id));
            }
            let _ = writeln!(out, "method = \"{upper}\"\npath = {}", quoted(path));
            let _ = writeln!(out, "kind = \"{}\"", if method == "get" { "read" } else { "write" });
            let _ = writeln!(out, "public = {}", is_public(doc, op));
            if method == "get" && returns_list(doc, op) {
                let _ = writeln!(out, "list = true");
            }
            for name in steth_core::config::placeholders(path) {
                match param_type(doc, op, item, name) {
                    Some("integer") | Some("number") => {
                        let _ = writeln!(out, "params.{name} = {{ range = [1, 100] }}   # TODO: ids that exist");
                    }
                    _ => {
                        let _ = writeln!(out, "params.{name} = [\"REPLACE-ME\"]   # TODO: values that exist");
                    }
                }
            }
            if let Some(example) = op.pointer("/requestBody/content/application~1json/example") {
                let _ = writeln!(out, "body = {}", quoted(&example.to_string()));
            }
        }
    }
    if count == 0 {
        return Err("the document declares no operations".into());
    }
    let server = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .map(String::from);
    Ok(Spec { toml: out, server })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"{
      "openapi": "3.0.3",
      "servers": [{"url": "https://api.example.com"}],
      "security": [{"bearer": []}],
      "paths": {
        "/products": {"get": {"operationId": "listProducts", "security": [],
          "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}}},
        "/products/{id}": {"parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}],
          "get": {"security": [], "responses": {"200": {}}}},
        "/orders": {"post": {"requestBody": {"content": {"application/json": {"example": {"items": [{"product_id": 1, "quantity": 2}]}}}},
          "responses": {"201": {}}}}
      },
      "components": {"schemas": {"Page": {"type": "object", "properties": {"items": {"type": "array"}}}}}
    }"##;

    #[test]
    fn operations_become_endpoints_that_parse() {
        let doc: Value = serde_json::from_str(DOC).unwrap();
        let spec = endpoints(&doc).unwrap();
        assert_eq!(spec.server.as_deref(), Some("https://api.example.com"));
        let text = crate::commands::init_starter("https://api.example.com", Some(&spec.toml));
        let plan = steth_core::config::parse("x.toml", &text, &|_| Some(String::new())).unwrap();
        let summary: Vec<(String, String, &str, bool, bool)> = plan
            .endpoints
            .iter()
            .map(|e| (e.method.clone(), e.path.clone(), e.kind.word(), e.public, e.list))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("POST".into(), "/orders".into(), "write", false, false),
                ("GET".into(), "/products".into(), "read", true, true),
                ("GET".into(), "/products/{id}".into(), "read", true, false),
            ]
        );
        assert!(plan.endpoints[0].body.as_ref().unwrap().expose().contains("product_id"));
    }

    #[test]
    fn swagger_2_is_refused() {
        let doc: Value = serde_json::from_str(r#"{"swagger": "2.0", "paths": {}}"#).unwrap();
        assert!(endpoints(&doc).unwrap_err().contains("not an OpenAPI 3"));
    }
}
