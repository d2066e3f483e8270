//! Endpoints from an OpenAPI 3 document (JSON), for `stethoscope init --openapi`.

use crate::exit::Failure;
use serde_json::Value;

/// What `init` takes from a document: its operations, its first server URL, and a warning
/// for each operation it skipped.
#[derive(Debug)]
pub struct Spec {
    /// One entry per usable operation, in document order.
    pub operations: Vec<Operation>,
    /// `servers[0].url`, when it is an absolute http(s) URL.
    pub server: Option<String>,
    /// Operations left out, and why.
    pub warnings: Vec<String>,
    /// Where the document came from (kept as `[target] openapi`).
    pub source: Option<String>,
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

fn is_public(doc: &Value, op: &Value) -> bool {
    // An empty requirement object makes security optional: the operation is public.
    match op.get("security").or_else(|| doc.get("security")) {
        None => true,
        Some(Value::Array(reqs)) => reqs.is_empty() || reqs.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())),
        Some(_) => false,
    }
}

/// The document's schema a `$ref` points to (local references only), or the schema itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut current = schema;
    // A bounded number of hops: a reference cycle must not hang `init`.
    for _ in 0..8 {
        match current.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => match doc.pointer(pointer) {
                Some(next) => current = next,
                None => return current,
            },
            None => return current,
        }
    }
    current
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

/// A path parameter's schema (operation parameters first, then the path item's).
fn param_schema<'a>(doc: &'a Value, op: &'a Value, item: &'a Value, name: &str) -> Option<&'a Value> {
    let params = op.get("parameters").into_iter().chain(item.get("parameters")).filter_map(Value::as_array).flatten();
    params
        .map(|p| resolve(doc, p))
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
        .map(|p| p.get("schema").map(|s| resolve(doc, s)).unwrap_or(p))
}

/// The value that marks a parameter nobody has filled in yet; `audit` refuses it.
pub const UNFILLED: &str = steth_core::config::UNFILLED_PARAM;

/// Values for a path parameter: the schema's `enum` or `example`, an integer range inside its
/// `minimum`/`maximum`, else the unfilled marker.
fn param_values(schema: Option<&Value>) -> toml_edit::Value {
    let schema = schema.unwrap_or(&Value::Null);
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), String::from);
    if let Some(values) = schema.get("enum").and_then(Value::as_array).filter(|v| !v.is_empty()) {
        return values.iter().take(20).map(text).collect::<toml_edit::Array>().into();
    }
    if let Some(example) = schema.get("example").filter(|v| !v.is_null()) {
        return [text(example)].into_iter().collect::<toml_edit::Array>().into();
    }
    if matches!(schema.get("type").and_then(Value::as_str), Some("integer") | Some("number")) {
        let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
        let max = schema.get("maximum").and_then(Value::as_i64).unwrap_or(min.saturating_add(99));
        let (start, end) = (min, max.min(min.saturating_add(99)).max(min));
        let mut table = toml_edit::InlineTable::new();
        table.insert("range", [start, end].into_iter().collect::<toml_edit::Array>().into());
        return table.into();
    }
    [UNFILLED].into_iter().collect::<toml_edit::Array>().into()
}

/// An example body for a request schema: its `example`, the first of its `examples`, else one
/// generated from its types (bounded in depth, so a recursive schema ends).
fn example_body(doc: &Value, media: &Value) -> Option<Value> {
    if let Some(example) = media.get("example") {
        return Some(example.clone());
    }
    if let Some(first) = media.get("examples").and_then(Value::as_object).and_then(|e| e.values().next())
        && let Some(value) = resolve(doc, first).get("value")
    {
        return Some(value.clone());
    }
    media.get("schema").map(|s| generate(doc, s, 0))
}

fn generate(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema.get("examples").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    if depth > 5 {
        return Value::Null;
    }
    if let Some(first) = ["allOf", "oneOf", "anyOf"].iter().find_map(|k| schema.get(*k)?.as_array()?.first()) {
        return generate(doc, first, depth + 1);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => {
            let props = schema.get("properties").and_then(Value::as_object);
            Value::Object(props.into_iter().flatten().map(|(k, v)| (k.clone(), generate(doc, v, depth + 1))).collect())
        }
        Some("array") => {
            Value::Array(schema.get("items").map(|i| vec![generate(doc, i, depth + 1)]).unwrap_or_default())
        }
        Some("integer") => schema.get("minimum").cloned().unwrap_or(Value::from(1)),
        Some("number") => schema.get("minimum").cloned().unwrap_or(Value::from(1.5)),
        Some("boolean") => Value::Bool(true),
        Some("string") => Value::String(
            match schema.get("format").and_then(Value::as_str) {
                Some("email") => "stethoscope@example.com",
                Some("uuid") => "00000000-0000-4000-8000-000000000000",
                Some("date") => "2024-01-01",
                Some("date-time") => "2024-01-01T00:00:00Z",
                Some("uri") => "https://example.com/",
                _ => "string",
            }
            .to_string(),
        ),
        Some("object") => Value::Object(Default::default()),
        _ => Value::Null,
    }
}

/// Whether an operation logs a user in: a POST whose path or operationId says so.
fn is_login(method: &str, path: &str, op: &Value) -> bool {
    const WORDS: [&str; 6] = ["login", "signin", "sign-in", "sign_in", "session", "token"];
    let id = op.get("operationId").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    method == "post" && WORDS.iter().any(|w| last.contains(w) || id.contains(&w.replace(['-', '_'], "")))
}

/// One operation turned into an `[[endpoints]]` table.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The endpoint's keys, values escaped by the TOML serializer.
    pub table: toml_edit::Table,
    /// PUT, PATCH and DELETE change data: written commented out, to be enabled on purpose.
    pub commented: bool,
    /// What the user has to do before it can run (unfilled parameters), if anything.
    pub todo: Option<String>,
}

/// Turns the document's operations into endpoint tables; operations that cannot become one are
/// skipped with a warning each.
pub fn endpoints(doc: &Value) -> Result<Spec, String> {
    if let Some(v) = doc.get("swagger") {
        return Err(format!(
            "a Swagger {} document: stethoscope reads OpenAPI 3; convert it first (e.g. `npx swagger2openapi`)",
            v.as_str().unwrap_or("2.0")
        ));
    }
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with('3') {
        return Err(format!("not an OpenAPI 3 document (openapi = `{}`)", version.escape_debug()));
    }
    let paths = doc.get("paths").and_then(Value::as_object).ok_or("the document has no `paths`")?;
    let mut operations = Vec::new();
    let mut warnings = Vec::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            match operation(doc, path, item, method, op) {
                Ok(o) => operations.push(o),
                Err(why) => {
                    warnings.push(format!("skipped {} {}: {why}", method.to_ascii_uppercase(), path.escape_debug()))
                }
            }
        }
    }
    if operations.is_empty() {
        return Err(match warnings.first() {
            Some(w) => format!("no usable operation ({w})"),
            None => "the document declares no operations".into(),
        });
    }
    let server = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| u.to_string());
    Ok(Spec { operations, server, warnings, source: None })
}

fn operation(doc: &Value, path: &str, item: &Value, method: &str, op: &Value) -> Result<Operation, String> {
    use toml_edit::value;
    if !path.starts_with('/') || path.chars().any(char::is_control) {
        return Err("the path does not start with `/` or holds control characters".into());
    }
    let mut table = toml_edit::Table::new();
    if let Some(id) = op.get("operationId").and_then(Value::as_str).filter(|id| !id.chars().any(char::is_control)) {
        table.insert("name", value(id));
    }
    let upper = method.to_ascii_uppercase();
    table.insert("method", value(upper.as_str()));
    table.insert("path", value(path));
    table.insert("kind", value(if method == "get" { "read" } else { "write" }));
    table.insert("public", value(is_public(doc, op)));
    if method == "get" && returns_list(doc, op) {
        table.insert("list", value(true));
    }
    let login = is_login(method, path, op);
    if login {
        table.insert("login", value(true));
    }
    let mut unfilled = Vec::new();
    let names = steth_core::config::placeholders(path);
    if !names.is_empty() {
        let mut params = toml_edit::Table::new();
        params.set_dotted(true);
        for name in names {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(format!("the placeholder `{{{}}}` is not a plain name", name.escape_debug()));
            }
            let values = param_values(param_schema(doc, op, item, name));
            if values.as_array().is_some_and(|a| a.iter().any(|v| v.as_str() == Some(UNFILLED))) {
                unfilled.push(name.to_string());
            }
            params.insert(name, toml_edit::Item::Value(values));
        }
        table.insert("params", toml_edit::Item::Table(params));
    }
    let media = op.pointer("/requestBody/content/application~1json").map(|m| resolve(doc, m));
    if let Some(body) = media.and_then(|m| example_body(doc, m)) {
        table.insert("body", value(body.to_string()));
    }
    let todo = (!unfilled.is_empty())
        .then(|| format!("replace {UNFILLED} in params.{} with values that exist", unfilled.join(", params.")));
    Ok(Operation { table, commented: matches!(method, "put" | "patch" | "delete"), todo })
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

    fn config(doc: &str) -> (String, Spec) {
        let doc: Value = serde_json::from_str(doc).unwrap();
        let spec = endpoints(&doc).unwrap();
        let base = spec.server.clone().unwrap_or_else(|| "http://127.0.0.1:8080".into());
        let text = crate::commands::init_starter(&base, Some(&spec)).unwrap_or_else(|e| panic!("{e}"));
        (text, spec)
    }

    #[test]
    fn operations_become_endpoints_that_parse() {
        let (text, spec) = config(DOC);
        assert_eq!(spec.server.as_deref(), Some("https://api.example.com/"));
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
        assert!(text.contains("# url = \"https://api.example.com/metrics\""), "{text}");
    }

    #[test]
    fn defaults_are_safe_unedited() {
        let (text, _) = config(
            r##"{"openapi": "3.1.0", "paths": {
              "/products/{id}": {
                "get": {"parameters": [{"name": "id", "in": "path", "schema": {"type": "integer", "minimum": 500, "maximum": 520}}]},
                "delete": {"parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}]},
                "put": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/P"}}}},
                        "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}]}},
              "/tabs/{tab}": {"get": {"parameters": [{"name": "tab", "in": "path", "schema": {"type": "string", "enum": ["a", "b"]}}]}},
              "/users/{slug}": {"get": {}},
              "/auth/login": {"post": {"operationId": "logIn", "requestBody": {"content": {"application/json": {
                  "examples": {"one": {"value": {"email": "a@b.c", "password": "pw"}}}}}}}},
              "/users": {"post": {"security": [{}, {"bearer": []}], "requestBody": {"content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/User"}}}}}}
            },
            "security": [{"bearer": []}],
            "components": {"schemas": {
              "P": {"type": "object", "properties": {"name": {"type": "string"}, "price": {"type": "number", "minimum": 2}}},
              "User": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}, "age": {"type": "integer"},
                       "tags": {"type": "array", "items": {"type": "string"}}, "self": {"$ref": "#/components/schemas/User"}}}}}
            }"##,
        );
        assert!(text.contains("params.id = { range = [500, 520] }"), "{text}");
        assert!(text.contains("params.tab = [\"a\", \"b\"]"), "{text}");
        assert!(text.contains("# [[endpoints]]\n# method = \"DELETE\""), "{text}");
        assert!(text.contains("# method = \"PUT\""), "{text}");
        assert!(text.contains("login = true"), "{text}");
        assert!(text.contains(r#"password\":\"pw\""#) || text.contains(r#""password":"pw""#), "{text}");
        assert!(text.contains("stethoscope@example.com"), "{text}");
        // Unedited, the unfilled parameter is refused by the validator.
        let e = steth_core::config::parse("x.toml", &text, &|_| Some(String::new())).unwrap_err();
        assert!(
            e.message.contains("REPLACE-ME") && e.key.as_deref().is_some_and(|k| k.ends_with("params.slug")),
            "{e}"
        );
        let plan = steth_core::config::parse("x.toml", &text.replace(UNFILLED, "alice"), &|_| None).unwrap();
        let methods: Vec<&str> = plan.endpoints.iter().map(|e| e.method.as_str()).collect();
        assert!(!methods.iter().any(|m| matches!(*m, "PUT" | "PATCH" | "DELETE")), "{methods:?}");
        let users = plan.endpoints.iter().find(|e| e.path == "/users" && e.method == "POST").unwrap();
        assert!(users.public, "optional security makes an operation public");
        assert!(plan.endpoints.iter().any(|e| e.login && e.path == "/auth/login"));
    }

    #[test]
    fn an_untrusted_document_cannot_inject_config() {
        let evil = "x\"\n[postgres]\nurl = \"postgresql://evil@h/db\"\n[na]\n\"6.1\" = \"gone\"\n#";
        let doc = serde_json::json!({
            "openapi": "3.0.0",
            "servers": [{"url": format!("http://h/{evil}")}],
            "paths": {
                format!("/a{evil}"): {"get": {}},
                "/ok/{id}": {"get": {
                    "operationId": evil,
                    "parameters": [{"name": "id", "in": "path", "schema": {"enum": [evil, "1"]}}]}},
                "/b": {"post": {"operationId": "b\n[na]\n\"2.2\" = \"x\"", "requestBody": {"content": {"application/json": {"example": {"k": evil}}}}}},
                "/c/{x}]\n[na]": {"delete": {}},
            }
        });
        let spec = endpoints(&doc).unwrap();
        assert!(!spec.warnings.is_empty(), "bad paths are skipped with a warning");
        let base = spec.server.clone().unwrap_or_else(|| "http://127.0.0.1:8080".into());
        let text = crate::commands::init_starter(&base, Some(&spec)).unwrap();
        let plan = steth_core::config::parse("x.toml", &text, &|_| Some(String::new())).unwrap();
        assert!(plan.postgres.is_none() && plan.policy.na.is_empty(), "{text}");
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        assert_eq!(doc.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["target", "endpoints"], "{text}");
        for e in &plan.endpoints {
            assert!(e.path == "/ok/{id}" || e.path == "/b", "{}", e.path);
        }
        // --target is serialized the same way.
        let text = crate::commands::init_starter(&format!("http://h/{evil}"), None).unwrap();
        assert!(
            steth_core::config::parse("x.toml", &text, &|_| None)
                .is_err_and(|e| e.key.as_deref() == Some("target.base_url"))
                || steth_core::config::parse("x.toml", &text, &|_| None).is_ok_and(|p| p.postgres.is_none())
        );
    }

    #[test]
    fn swagger_2_says_so() {
        let doc: Value = serde_json::from_str(r#"{"swagger": "2.0", "paths": {}}"#).unwrap();
        assert!(endpoints(&doc).unwrap_err().contains("a Swagger 2.0 document"));
    }
}
