//! Config parsing and the errors it gives.

use super::*;
use crate::threshold::Threshold;

fn env(name: &str) -> Option<String> {
    match name {
        "DB_PASSWORD" => Some("s3cret".into()),
        "ALICE_TOKEN" => Some("alice-token-123456".into()),
        _ => None,
    }
}

fn ok(text: &str) -> Plan {
    parse("stethoscope.toml", text, &env).unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str) -> ConfigError {
    parse("stethoscope.toml", text, &env).expect_err("config should be rejected")
}

const FULL: &str = r#"
[target]
base_url = "http://127.0.0.1:8080"
timeout = "3s"

[[endpoints]]
path = "/products/{id}"
public = true
p99_budget = "150ms"
params.id = { range = [1, 20000] }

[[endpoints]]
method = "post"
path = "/orders"
body = '{"items":[{"product_id":1,"quantity":1}]}'
identity = "alice"

[identities.alice]
headers = { Authorization = "Bearer ${ALICE_TOKEN}" }

[postgres]
url = "postgresql://shop:${DB_PASSWORD}@127.0.0.1:5432/shop"

[redis]
url = "redis://127.0.0.1:6379"

[thresholds]
"1.1" = "150ms"

[attest]
"7.6" = "blue/green via Argo Rollouts"

[na]
"4.10" = "not serverless"
"#;

#[test]
fn a_full_config_parses() {
    let plan = ok(FULL);
    assert_eq!(plan.target.as_ref().unwrap().timeout, Duration::from_secs(3));
    assert_eq!(plan.endpoints.len(), 2);
    assert_eq!(plan.endpoints[0].kind, EndpointKind::Read);
    assert_eq!(plan.endpoints[0].p99_budget, Some(Duration::from_millis(150)));
    assert_eq!(plan.endpoints[1].method, "POST");
    assert_eq!(plan.endpoints[1].kind, EndpointKind::Write);
    assert_eq!(plan.identities["alice"].headers[0].1.expose(), "Bearer alice-token-123456");
    let pg = plan.postgres.as_ref().unwrap();
    assert!(pg.url.expose().contains("s3cret"));
    assert!(!pg.url.to_string().contains("s3cret"));
    assert_eq!(plan.policy.thresholds["1.1"], Threshold::latency_below_ms(150));
    assert_eq!(plan.policy.attest["7.6"], "blue/green via Argo Rollouts");
    assert_eq!(plan.policy.na["4.10"], "not serverless");
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let e = err("[target]\nbase_url = \"http://x\"\nbase_ulr = \"http://y\"\n");
    assert_eq!((e.file.as_str(), e.line), ("stethoscope.toml", Some(3)));
    assert_eq!(e.key.as_deref(), Some("base_ulr"));
    assert!(e.message.contains("unknown field"), "{e}");
    assert!(e.to_string().starts_with("stethoscope.toml:3:1: key `base_ulr`: unknown field"), "{e}");
}

#[test]
fn wrong_type_names_line_and_key() {
    let e = err("[target]\nbase_url = \"http://x\"\nserverless = \"yes\"\n");
    assert_eq!(e.line, Some(3));
    assert_eq!(e.key.as_deref(), Some("target.serverless"));
    assert!(e.message.contains("invalid type"), "{e}");
}

#[test]
fn bad_url_names_line_and_key() {
    let e = err("[postgres]\nurl = \"mysql://root@db/shop\"\n");
    assert_eq!((e.line, e.column), (Some(2), Some(7)));
    assert_eq!(e.key.as_deref(), Some("postgres.url"));
    assert!(e.message.contains("expected postgres or postgresql"), "{e}");
    let e = err("[target]\nbase_url = \"not a url\"\n");
    assert_eq!(e.key.as_deref(), Some("target.base_url"));
}

#[test]
fn bad_url_never_prints_the_password() {
    let e = err("[postgres]\nurl = \"mysql://root:hunter2@db/shop\"\n");
    assert!(!e.to_string().contains("hunter2"), "{e}");
}

#[test]
fn the_query_histogram_is_optional_and_must_state_its_unit() {
    let plan = ok("[metrics]\nurl = \"http://127.0.0.1:8080/metrics\"\n");
    assert_eq!(plan.metrics.as_ref().and_then(|m| m.query_histogram.as_deref()), None);
    let plan = ok("[metrics]\nurl = \"http://127.0.0.1:8080/metrics\"\nquery_histogram = \"db_query_duration_ms\"\n");
    assert_eq!(plan.metrics.as_ref().and_then(|m| m.query_histogram.as_deref()), Some("db_query_duration_ms"));
    let e = err("[metrics]\nurl = \"http://x/metrics\"\nquery_histogram = \"db_query_duration\"\n");
    assert_eq!((e.line, e.column, e.key.as_deref()), (Some(3), Some(19), Some("metrics.query_histogram")));
    assert!(e.message.contains("does not state its unit"), "{e}");
    assert!(
        e.to_string().starts_with("stethoscope.toml:3:19: key `metrics.query_histogram`: `db_query_duration`"),
        "{e}"
    );
    let e = err("[metrics]\nurl = \"http://x/metrics\"\nquery_histogram = \"db_query_duration_seconds_bucket\"\n");
    assert!(e.message.contains("e.g. `db_query_duration_seconds`"), "{e}");
    let e = err("[metrics]\nurl = \"http://x/metrics\"\nquery_histogram = \"9 lives_seconds\"\n");
    assert!(e.message.contains("is not a metric name"), "{e}");
    let e = err("[metrics]\nurl = \"http://x/metrics\"\nquery_histogram = 3\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("metrics.query_histogram")));
}

#[test]
fn duration_units_come_from_the_suffix_only() {
    assert_eq!(DurationUnit::of("db_query_duration_seconds"), Some(DurationUnit::Seconds));
    assert_eq!(DurationUnit::of("query_duration_milliseconds"), Some(DurationUnit::Milliseconds));
    assert_eq!(DurationUnit::of("query_duration_ms"), Some(DurationUnit::Milliseconds));
    assert_eq!(DurationUnit::of("query_duration"), None);
    assert_eq!(DurationUnit::of("query_duration_msec"), None);
}

#[test]
fn unknown_item_id_names_line_and_key() {
    let e = err("[thresholds]\n\"1.1\" = \"150ms\"\n\"9.9\" = \"3\"\n");
    assert_eq!(e.line, Some(3));
    assert_eq!(e.key.as_deref(), Some("thresholds.\"9.9\""));
    assert!(e.message.contains("unknown item id `9.9`"), "{e}");
    let e = err("[attest]\n\"10.1\" = \"we promise\"\n");
    assert_eq!(e.key.as_deref(), Some("attest.\"10.1\""));
}

#[test]
fn bad_threshold_value_is_explained() {
    let e = err("[thresholds]\n\"1.1\" = \"fast\"\n");
    assert!(e.message.contains("a duration"), "{e}");
    let e = err("[thresholds]\n\"2.2\" = \"50\"\n");
    assert!(e.message.contains("requirement"), "{e}");
}

#[test]
fn missing_env_var_is_named() {
    let e = err("[redis]\nurl = \"redis://:${REDIS_PW}@127.0.0.1\"\n");
    assert!(e.message.contains("`REDIS_PW` is not set"), "{e}");
    assert_eq!(e.line, Some(2));
}

#[test]
fn placeholders_need_values_and_identities_must_exist() {
    let e = err("[[endpoints]]\npath = \"/p/{id}\"\n");
    assert!(e.message.contains("`{id}` has no values"), "{e}");
    assert_eq!(e.key.as_deref(), Some("endpoints[0].path"));
    let e = err("[[endpoints]]\npath = \"/p\"\nidentity = \"bob\"\n");
    assert!(e.message.contains("no identity `bob`"), "{e}");
}

#[test]
fn syntax_error_is_located() {
    let e = err("[target\nbase_url = 1\n");
    assert_eq!(e.line, Some(1));
}

#[test]
fn health_paths_keep_defaults_after_configured_ones() {
    let plan = ok("[health]\nreadiness = [\"/status/ready\"]\n");
    assert_eq!(plan.health.readiness[0], "/status/ready");
    assert!(plan.health.readiness.contains(&"/readyz".to_string()));
}

#[test]
fn identities_can_log_in_themselves() {
    let plan = ok(r#"
[identities.alice]
owns = "/orders/7"
login = { path = "/login", body = '{"email":"a@x","password":"${ALICE_TOKEN}"}' }

[identities.bob.login]
path = "/auth/token"
body = '{"user":"bob"}'
token = "/data/access_token"
header = "X-Api-Key"
prefix = ""
"#);
    let alice = plan.identities["alice"].login.as_ref().expect("alice logs in");
    assert_eq!((alice.path.as_str(), alice.token_pointer.as_str()), ("/login", "/token"));
    assert_eq!((alice.header.as_str(), alice.prefix.as_str()), ("Authorization", "Bearer "));
    assert!(alice.body.expose().contains("alice-token-123456"));
    assert!(!format!("{:?}", plan.identities["alice"]).contains("alice-token-123456"));
    let bob = plan.identities["bob"].login.as_ref().expect("bob logs in");
    assert_eq!(
        (bob.token_pointer.as_str(), bob.header.as_str(), bob.prefix.as_str()),
        ("/data/access_token", "X-Api-Key", "")
    );
}

#[test]
fn bad_login_blocks_name_line_and_key() {
    let e = err("[identities.alice.login]\npath = \"/login\"\nbody = '{\"email\": '\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("identities.alice.login.body")));
    assert!(e.message.contains("not valid JSON"), "{e}");
    let e = err("[identities.alice.login]\npath = \"/login\"\nbody = '{}'\ntoken = \"token\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("identities.alice.login.token")));
    let e = err("[identities.alice.login]\npath = \"login\"\nbody = '{}'\n");
    assert_eq!(e.key.as_deref(), Some("identities.alice.login.path"));
    let e = err("[identities.alice.login]\npath = \"/login\"\nbody = '{}'\nheader = \"X Key\"\n");
    assert_eq!(e.key.as_deref(), Some("identities.alice.login.header"));
    let e = err("[identities.alice.login]\npath = \"/login\"\n");
    assert!(e.message.contains("missing field `body`"), "{e}");
}

#[test]
fn probe_bounds_parse_and_are_checked() {
    assert_eq!(ok("").probes, ProbeSettings::default());
    let plan = ok("[probes]\nbody_size = \"4MiB\"\nburst_requests = 500\nlogin_window = \"30s\"\n");
    assert_eq!(plan.probes.body_size, 4 * 1024 * 1024);
    assert_eq!(plan.probes.burst_requests, 500);
    assert_eq!(plan.probes.login_window, Duration::from_secs(30));
    assert_eq!(plan.probes.max_response, ProbeSettings::default().max_response);
    let e = err("[probes]\nburst_requests = 0\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("probes.burst_requests")));
    let e = err("[probes]\nmax_response = \"lots\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("probes.max_response")));
    let e = err("[probes]\nburst_window = \"soon\"\n");
    assert_eq!(e.key.as_deref(), Some("probes.burst_window"));
    let e = err("[probes]\nburst_size = 3\n");
    assert_eq!(e.key.as_deref(), Some("burst_size"));
}

#[test]
fn database_cores_are_a_positive_count() {
    let plan = ok("[postgres]\nurl = \"postgresql://app@127.0.0.1/app\"\ncores = 8\n");
    assert_eq!(plan.postgres.unwrap().cores, Some(8));
    assert_eq!(ok("[postgres]\nurl = \"postgresql://app@127.0.0.1/app\"\n").postgres.unwrap().cores, None);
    let e = err("[postgres]\nurl = \"postgresql://app@127.0.0.1/app\"\ncores = 0\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("postgres.cores")));
    assert!(e.message.contains("core count"), "{e}");
}

#[test]
fn the_session_watch_and_the_peak_rate_are_read_and_checked() {
    let pg = "[postgres]\nurl = \"postgresql://app@127.0.0.1/app\"\n";
    assert_eq!(ok(pg).postgres.unwrap().session_watch, Duration::from_secs(60));
    let plan = ok(&format!("{pg}session_watch = \"5s\"\n"));
    assert_eq!(plan.postgres.unwrap().session_watch, Duration::from_secs(5));
    let e = err(&format!("{pg}session_watch = \"soon\"\n"));
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("postgres.session_watch")));
    let target = "[target]\nbase_url = \"http://127.0.0.1:8080\"\n";
    assert_eq!(ok(target).target.unwrap().peak_rps, None);
    assert_eq!(ok(&format!("{target}peak_rps = 120\n")).target.unwrap().peak_rps, Some(120.0));
    assert_eq!(ok(&format!("{target}peak_rps = 12.5\n")).target.unwrap().peak_rps, Some(12.5));
    let e = err(&format!("{target}peak_rps = 0\n"));
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("target.peak_rps")));
}
