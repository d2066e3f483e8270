//! `stethoscope init`: writes a commented starter config, optionally filled from OpenAPI.

use crate::cli::InitArgs;
use crate::exit::{Exit, Failure};
use crate::openapi::{self, Spec};
use crate::output;

const HEADER: &str = r#"# stethoscope.toml — what `stethoscope audit` measures.
# Every key is optional except where noted; `stethoscope explain ID` documents each item.
# Values may reference environment variables as ${NAME}, so secrets stay out of this file.

[target]
base_url = BASE_URL        # the service's HTTP base URL (required for HTTP checks)
# timeout = "10s"          # per probe request
# serverless = false       # true makes 4.10 (connection proxy) apply

# [postgres]
# url = "postgresql://app:${DB_PASSWORD}@127.0.0.1:5432/app"   # stethoscope's session is read-only
# app_role = "app"          # the service's role (default: the URL's user)
# statement_timeout = "5s"  # stethoscope's own statement timeout
# lock_timeout = "1s"
# cores = 8                 # the database server's CPU cores, for the pool-size formula (4.2)

# [redis]
# url = "redis://127.0.0.1:6379"
# key_pattern = "app:*"     # the key sample sees only these keys
# active = false            # 3.6/3.7 active tests (or --active): delete one key, send a burst
# [redis.stampede]          # 3.6: a hot read path and the key it fills
# path = "/products/42"
# key = "app:product:42"
# [redis.negative]          # 3.7: a path for an id that does not exist
# path = "/products/999999999"

# [load]                    # load phases per endpoint (defaults shown)
# writes = false            # true: POST/PUT/PATCH/DELETE endpoints are loaded too (creates records)
# rate = 20.0               # normal load, requests per second per endpoint (open model)
# duration = "10s"          # measured, after a 1 s warm-up and a 3 s baseline at 2 req/s
# stress = 2.5              # optional stress phase at 2.5x the normal rate

# [metrics]
# url = METRICS_URL
# query_histogram = "db_query_duration_seconds"  # 2.1 (default: the one histogram named *query*duration*)

# [source]
# path = "."

# [history]                 # every audit is recorded here (`stethoscope history`, `diff`)
# path = ".stethoscope/history.sqlite"   # relative to this file (the default)
# enabled = true            # false (or --no-history) records nothing

# [health]                  # tried first, before /livez, /healthz, /health, /readyz, /ready
# liveness = ["/health/live"]
# readiness = ["/health/ready"]

# [identities.alice]        # two users for authentication and authorization probes
# headers = { Authorization = "Bearer ${ALICE_TOKEN}" }
# owns = "/orders/1001"     # a resource only alice may read or change
# [identities.bob.login]    # or: bob logs in by itself before the probes
# path = "/login"
# body = '{"email":"bob@example.com","password":"${BOB_PASSWORD}"}'
# token = "/token"          # JSON pointer of the token in the answer
# header = "Authorization"  # where the token goes, after the prefix
# prefix = "Bearer "

# [probes]                  # bounds of the HTTP probes
# body_size = "16MiB"       # oversized body streamed to write endpoints (1.6)
# max_response = "4MiB"     # most body bytes read from one answer
# burst_requests = 200      # public-endpoint burst (6.3): set it above your rate limit
# burst_window = "10s"
# login_attempts = 20       # failed logins (6.4), to the endpoint marked `login = true`
# login_window = "60s"

# [thresholds]              # override a numeric default
# "1.1" = "150ms"
# "3.1" = "90%"

# [attest]                  # vouch for what cannot be measured; shown as attested, not passed
# "7.6" = "blue/green via Argo Rollouts, see runbook §3"

# [na]                      # items that do not apply; removed from the score
# "4.10" = "not serverless"
"#;

const EXAMPLE_ENDPOINTS: &str = r#"
# Hot endpoints: each gets its own probes (and later its own load phase).
# [[endpoints]]
# method = "GET"
# path = "/products/{id}"
# params.id = { range = [1, 1000] }   # or a list: params.id = ["a1", "b2"]
# kind = "read"                        # read | write | batch (default: GET is read, others write)
# public = true                        # reachable without credentials by design
# list = false                         # returns a list (pagination checks apply)
# login = false                        # the login endpoint (stricter rate limit expected)
# p99_budget = "150ms"                 # this endpoint's latency budget
#
# [[endpoints]]
# method = "POST"
# path = "/orders"
# identity = "alice"
# body = '{"items":[{"product_id":1,"quantity":1}]}'
"#;

/// Written above each data-changing operation, which stays commented out.
const CHANGES_DATA: &str = "# PUT, PATCH and DELETE change or remove data: uncomment only against a test tenant.\n";

/// A one-line TOML string literal, escaped by the serializer (never pasted). The serializer
/// may choose a multi-line string for text with line breaks; the template puts literals on
/// one line (one of them in a comment), so those are escaped as a basic string instead.
fn literal(text: &str) -> String {
    let serialized = toml_edit::Value::from(text).to_string().trim().to_string();
    if !serialized.contains('\n') {
        return serialized;
    }
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One `[[endpoints]]` table as text, serialized by toml_edit.
fn endpoint_text(table: &toml_edit::Table) -> String {
    let mut doc = toml_edit::DocumentMut::new();
    let mut array = toml_edit::ArrayOfTables::new();
    array.push(table.clone());
    doc.insert("endpoints", toml_edit::Item::ArrayOfTables(array));
    doc.to_string()
}

/// The starter config text: the commented template with the base URL (and the metrics URL
/// derived from it) serialized as TOML strings, then the document's operations.
pub fn starter(base_url: &str, spec: Option<&Spec>) -> Result<String, String> {
    let metrics = format!("{}/metrics", base_url.trim_end_matches('/'));
    let mut text = HEADER.replacen("BASE_URL", &literal(base_url), 1).replacen("METRICS_URL", &literal(&metrics), 1);
    if let Some(source) = spec.and_then(|s| s.source.as_deref()) {
        let line = format!("openapi = {}   # the document the endpoints came from\n", literal(source));
        text = text.replacen("# timeout = \"10s\"", &format!("{line}# timeout = \"10s\""), 1);
    }
    match spec {
        None => text.push_str(EXAMPLE_ENDPOINTS),
        Some(spec) => {
            text.push_str("\n# Endpoints from the OpenAPI document.\n");
            for op in &spec.operations {
                text.push('\n');
                if let Some(todo) = &op.todo {
                    text.push_str(&format!("# TODO: {todo}\n"));
                }
                let table = endpoint_text(&op.table);
                if op.commented {
                    text.push_str(CHANGES_DATA);
                    table.lines().for_each(|l| text.push_str(&format!("# {l}\n")));
                } else {
                    text.push_str(&table);
                }
            }
        }
    }
    check_shape(&text)?;
    Ok(text)
}

/// The generated text holds only what `init` means to write: `[target]` and `[[endpoints]]`
/// tables, whatever the document contained.
fn check_shape(text: &str) -> Result<(), String> {
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("not TOML: {e}"))?;
    match doc.iter().map(|(k, _)| k).find(|k| !matches!(*k, "target" | "endpoints")) {
        Some(k) => Err(format!("unexpected table `{k}`")),
        None => Ok(()),
    }
}

/// Runs `stethoscope init`.
pub fn run(args: InitArgs) -> Result<Exit, Failure> {
    if args.out.exists() && !args.force {
        return Err(Failure::usage(format!("{} exists; pass --force to overwrite it", args.out.display())));
    }
    let target = match &args.target {
        Some(target) => {
            let shown = steth_core::config::redact_url(target);
            match url::Url::parse(target) {
                // The parsed form: the URL parser drops line breaks and percent-encodes quotes.
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Some(u.to_string()),
                Ok(_) => return Err(Failure::usage(format!("--target `{shown}` must be an http:// or https:// URL"))),
                Err(e) => return Err(Failure::usage(format!("--target `{shown}` is not a valid URL: {e}"))),
            }
        }
        None => None,
    };
    let spec = match &args.openapi {
        Some(source) => {
            let doc = openapi::fetch(source)?;
            let shown = steth_core::config::redact_url(source);
            let mut spec = openapi::endpoints(&doc).map_err(|e| Failure::usage(format!("{shown}: {e}")))?;
            spec.source = Some(source.clone());
            for warning in &spec.warnings {
                eprintln!("warning: {warning}");
            }
            Some(spec)
        }
        None => None,
    };
    let server = spec.as_ref().and_then(|s| s.server.clone());
    let base = target.or(server).unwrap_or_else(|| "http://127.0.0.1:8080".to_string());
    let text = starter(&base, spec.as_ref())
        .map_err(|e| Failure::could_not_run(format!("generated config is malformed ({e}); please report this")))?;
    // The text must be a valid config (env references and unfilled parameters aside).
    let checked = text.replace(openapi::UNFILLED, "x");
    steth_core::config::parse(&args.out.display().to_string(), &checked, &|_| Some(String::new()))
        .map_err(|e| Failure::could_not_run(format!("generated config does not parse ({e}); please report this")))?;
    output::emit(Some(&args.out), |w| w.write_all(text.as_bytes()))?;
    let todo = spec.iter().flat_map(|s| &s.operations).filter(|o| o.todo.is_some()).count();
    if todo > 0 {
        eprintln!(
            "wrote {}; {todo} endpoint(s) need values (the TODO lines), then run `stethoscope audit`",
            args.out.display()
        );
    } else {
        eprintln!("wrote {}; edit it, then run `stethoscope audit`", args.out.display());
    }
    Ok(Exit::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_commented_example_parses_when_uncommented() {
        let uncommented: String = starter("http://127.0.0.1:8080", None)
            .unwrap()
            .lines()
            .map(|l| l.strip_prefix("# ").filter(|rest| rest.starts_with('[') || rest.contains(" = ")).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        steth_core::config::parse("stethoscope.toml", &uncommented, &|_| Some("x".into()))
            .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    }

    #[test]
    fn starter_config_parses() {
        let text = starter("http://127.0.0.1:8080", None).unwrap();
        let plan = steth_core::config::parse("stethoscope.toml", &text, &|_| None).unwrap();
        assert_eq!(plan.target.unwrap().base_url.as_str(), "http://127.0.0.1:8080/");
    }
}
