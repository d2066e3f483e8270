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
    assert_eq!(e.key.as_deref(), Some("target.base_ulr"));
    assert!(e.message.contains("unknown field"), "{e}");
    assert!(e.to_string().starts_with("stethoscope.toml:3:1: key `target.base_ulr`: unknown field"), "{e}");
}

#[test]
fn wrong_type_names_line_and_key() {
    let e = err("[target]\nbase_url = \"http://x\"\nserverless = \"yes\"\n");
    assert_eq!(e.line, Some(3));
    assert_eq!(e.key.as_deref(), Some("target.serverless"));
    assert!(e.message.contains("wrong type: string \"yes\", expected `true` or `false`"), "{e}");
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
    let e = err("[target]\nbase_url = \"http://h\"\n[[endpoints]]\npath = \"/p/{id}\"\n");
    assert!(e.message.contains("`{id}` has no values"), "{e}");
    assert_eq!(e.key.as_deref(), Some("endpoints[0].path"));
    let e = err("[target]\nbase_url = \"http://h\"\n[[endpoints]]\npath = \"/p\"\nidentity = \"bob\"\n");
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
fn owned_resources_say_what_others_may_read() {
    let plan = ok(r#"
[identities.alice]
headers = { Authorization = "Bearer a" }
owns = [{ path = "/posts/42", read = "public" }, { path = "/drafts/7", destructive = true }]
[identities.bob]
headers = { Authorization = "Bearer b" }
owns = "/orders/1"
"#);
    assert_eq!(
        plan.identities["alice"].owns,
        vec![
            Owned { path: "/posts/42".into(), public_read: true, destructive: false },
            Owned { path: "/drafts/7".into(), public_read: false, destructive: true },
        ]
    );
    assert_eq!(plan.identities["bob"].owns, vec![Owned::private("/orders/1")]);
    let e = err("[identities.alice]\nowns = [{ path = \"/p\", read = \"world\" }]\n");
    assert!(e.to_string().contains("identities.alice.owns") && e.to_string().contains("`world`"), "{e}");
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
    assert_eq!(e.key.as_deref(), Some("probes.burst_size"));
}

#[test]
fn a_base_url_query_and_dot_segment_values_are_refused() {
    let e = err("[target]\nbase_url = \"http://127.0.0.1:8080/api/v1?tenant=acme\"\n");
    assert!(e.to_string().contains("target.base_url") && e.to_string().contains("query string"), "{e}");
    let e = err(
        "[target]\nbase_url = \"http://h:1\"\n[[endpoints]]\npath = \"/products/{id}\"\nparams.id = [\"1\", \"..\"]\n",
    );
    assert!(e.to_string().contains("dot segment"), "{e}");
}

#[test]
fn one_url_rule_and_one_encoding() {
    let base: Url = "http://h:1/api/v1/".parse().unwrap();
    assert_eq!(join_url(&base, "/products/1?x=1").as_str(), "http://h:1/api/v1/products/1?x=1");
    assert_eq!(join_url(&"http://h:1".parse().unwrap(), "/a").as_str(), "http://h:1/a");
    let mut e = Endpoint::new("GET", "/s/{q}");
    e.params.insert("q".into(), ParamValues::List(vec!["a b/c?d".into()]));
    assert_eq!(e.path_for(0), "/s/a%20b%2Fc%3Fd");
    assert_eq!(join_url(&base, &e.path_for(0)).path(), "/api/v1/s/a%20b%2Fc%3Fd");
}

mod properties {
    //! Whatever a config file holds, parsing ends in a plan or a located error, never a panic.
    use super::*;
    use proptest::prelude::*;

    /// Values of every TOML type and of the shapes the validator parses (durations, sizes,
    /// URLs, ranges), including their near misses.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|f| format!("{f:?}")),
            Just("nan".to_string()),
            Just("inf".to_string()),
            Just("true".to_string()),
            "[0-9]{0,20}(ms|s|m|h|d|us|ns|x|)".prop_map(|d| format!("\"{d}\"")),
            "[0-9]{0,25}(B|KiB|MiB|GiB|TiB|kb|)".prop_map(|d| format!("\"{d}\"")),
            "(http|https|postgres|redis|ftp)://[a-z:@0-9.]{0,20}/?[a-z{}?=&]{0,10}".prop_map(|u| format!("\"{u}\"")),
            "[ -~]{0,30}".prop_map(|s| format!("{s:?}")),
            (any::<i64>(), any::<i64>()).prop_map(|(a, b)| format!("{{ range = [{a}, {b}] }}")),
            Just("[]".to_string()),
            Just("{}".to_string()),
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,300}") {
            let _ = parse("p.toml", &text, &env);
        }

        /// Every value of the full config replaced, one at a time, by another value: the
        /// result is a plan or an error that names the file and its line.
        #[test]
        fn any_value_anywhere_gives_a_plan_or_a_located_error(line in 0usize..40, replacement in value()) {
            let lines: Vec<&str> = FULL.lines().collect();
            let n = line % lines.len();
            let mut mutated: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            if let Some((key, _)) = lines[n].split_once(" = ") {
                mutated[n] = format!("{key} = {replacement}");
            }
            if let Err(e) = parse("p.toml", &mutated.join("\n"), &env) {
                prop_assert_eq!(&e.file, "p.toml");
                prop_assert!(e.line.is_some(), "no line in {}", e);
                prop_assert!(!e.message.contains("RawParam") && !e.message.contains("untagged"), "serde internals in {}", e);
            }
        }
    }
}

#[test]
fn the_openapi_document_is_kept() {
    let plan = parse("x.toml", "[target]\nbase_url = \"http://h\"\nopenapi = \"api/openapi.json\"\n", &env).unwrap();
    assert_eq!(plan.openapi.as_deref(), Some(std::path::Path::new("api/openapi.json")));
    let e = err("[target]\nbase_url = \"http://h\"\nopenapi = \" \"\n");
    assert_eq!(e.key.as_deref(), Some("target.openapi"));
}

#[test]
fn gaps_found_in_production_use_are_refused_with_the_full_key_and_the_expected_form() {
    let target = "[target]\nbase_url = \"http://127.0.0.1:8080\"\n";
    let cases: [(String, &str, &str); 10] = [
        (
            "[target]\nbase_url = \"http://h\"\ntimeout = \"0s\"\n".to_string(),
            "target.timeout",
            "above zero such as `500ms`",
        ),
        (
            format!("{target}[[endpoints]]\npath = \"/a\"\n[[endpoints]]\nmethod = \"get\"\npath = \"/a\"\n"),
            "endpoints[1].path",
            "GET /a is already endpoints[0]",
        ),
        ("[[endpoints]]\npath = \"/a\"\n".to_string(), "endpoints[0]", "need a [target]"),
        (
            format!(
                "{target}[[endpoints]]\npath = \"/a\"\n[[endpoints]]\npath = \"/p/{{id}}\"\nparams.id = {{ range = [1, 2], step = 1 }}\n"
            ),
            "endpoints[1].params.id.step",
            "unknown key `step`; expected a list such as",
        ),
        (
            format!("{target}[[endpoints]]\npath = \"/p/{{id}}\"\nparams.id = 7\n"),
            "endpoints[0].params.id",
            "or an inclusive range such as `{ range = [1, 100] }`",
        ),
        (
            format!("{target}[[endpoints]]\npath = \"/a\"\nheaders = {{ \"X-A\" = \"ok\\r\\nInjected: 1\" }}\n"),
            "endpoints[0].headers.X-A",
            "not a valid HTTP header value",
        ),
        (
            format!("{target}[identities.bob]\nheaders = {{ \"Bad Name\" = \"x\" }}\n"),
            "identities.bob.headers.Bad Name",
            "not an HTTP header name",
        ),
        (format!("{target}[probes]\nbody_size = \"999999999999999GiB\"\n"), "probes.body_size", "to 1GiB"),
        (format!("{target}[load]\nrate = \"fast\"\n"), "load.rate", "expected a number such as `2.5`"),
        (
            format!("{target}[identities.bob.login]\npath = \"/login\"\nbody = '{{}}'\ntokn = \"/t\"\n"),
            "identities.bob.login.tokn",
            "unknown field `tokn`",
        ),
    ];
    for (text, key, message) in cases {
        let e = err(&text);
        assert_eq!(e.key.as_deref(), Some(key), "{e}\n{text}");
        assert!(e.message.contains(message), "{e}\n{text}");
        for internal in ["RawParam", "untagged", "f64", "i64"] {
            assert!(!e.message.contains(internal), "{e}");
        }
    }
}

#[test]
fn the_source_table_parses_with_defaults() {
    let plan = ok("[source]\npath = \".\"\n");
    let s = plan.source.expect("source");
    assert_eq!(s, SourcePlan::new("."));
    assert!(s.history);
    assert_eq!(s.max_blob_bytes, DEFAULT_MAX_BLOB_BYTES);
    let plan = ok(r#"
[source]
path = "../svc"
history = false
exclude = ["vendor/**", "*.min.js"]
max_blob_bytes = "64MiB"
fixtures = ["spec/support/**"]
migrations = ["db/migrate/*.rb"]
baseline = "origin/main"
advisories = "osv/"
"#);
    let s = plan.source.expect("source");
    assert_eq!((s.history, s.max_blob_bytes), (false, 64 << 20));
    assert_eq!(s.exclude, ["vendor/**", "*.min.js"]);
    assert_eq!(s.fixtures, ["spec/support/**"]);
    assert_eq!(s.migrations, ["db/migrate/*.rb"]);
    assert_eq!(s.baseline.as_deref(), Some("origin/main"));
    assert_eq!(s.advisories, Some(PathBuf::from("osv/")));
}

#[test]
fn source_errors_name_line_and_key() {
    let e = err("[source]\npath = \".\"\nexclude = [\"ok/**\", \"a[\"]\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("source.exclude")));
    let e = err("[source]\npath = \".\"\nmax_blob_bytes = \"12\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("source.max_blob_bytes")));
    let e = err("[source]\npath = \".\"\nbaseline = \"--exec=x\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("source.baseline")));
    let e = err("[source]\npath = \".\"\nhistory = \"yes\"\n");
    assert_eq!(e.line, Some(3));
    let e = err("[source]\npath = \".\"\nmigration = []\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("source.migration")));
}

#[test]
fn alert_rules_need_no_scrape_url_and_resolve_next_to_the_config() {
    let text = "[metrics]\nrule_files = [\"ops/prometheus/*.yml\", \"/etc/alerts.yml\"]\nprometheus = \"http://127.0.0.1:9090\"\n";
    let plan = parse("deploy/stethoscope.toml", text, &env).unwrap_or_else(|e| panic!("{e}"));
    let metrics = plan.metrics.as_ref().expect("metrics target");
    assert!(metrics.url.is_none());
    let files: Vec<String> = metrics.rule_files.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(files, ["deploy/ops/prometheus/*.yml", "/etc/alerts.yml"]);
    assert_eq!(metrics.prometheus.as_ref().map(|u| u.as_str()), Some("http://127.0.0.1:9090/"));
    let e = err("[metrics]\nquery_histogram = \"db_query_duration_seconds\"\n");
    assert!(e.message.contains("needs url, rule_files or prometheus"), "{e}");
    let e = err("[metrics]\nprometheus = \"ftp://prom:9090\"\n");
    assert_eq!(e.key.as_deref(), Some("metrics.prometheus"));
}

#[test]
fn replica_urls_are_secrets_and_checked() {
    let plan =
        ok("[postgres]\nurl = \"postgres://app@db/shop\"\nreplicas = [\"postgres://app:hunter2@replica/shop\"]\n");
    let replicas = &plan.postgres.as_ref().expect("postgres").replicas;
    assert_eq!(replicas.len(), 1);
    assert!(!format!("{replicas:?}").contains("hunter2"));
    assert!(!replicas[0].redacted().contains("hunter2"));
    let e = err("[postgres]\nurl = \"postgres://app@db/shop\"\nreplicas = [\"mysql://root:hunter2@db/shop\"]\n");
    assert_eq!(e.key.as_deref(), Some("postgres.replicas"));
    assert!(!e.to_string().contains("hunter2"), "{e}");
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

#[test]
fn history_path_resolves_beside_the_config_and_is_validated() {
    let plan = parse("ci/stethoscope.toml", "[source]\npath = \".\"\n[history]\npath = \"audits/h.sqlite\"\n", &env)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.history.path, Some(std::path::PathBuf::from("ci/audits/h.sqlite")));
    assert!(plan.history.enabled);
    assert_eq!(ok("[source]\npath = \".\"\n").history, HistoryPlan::default());
    assert!(!ok("[source]\npath = \".\"\n[history]\nenabled = false\n").history.enabled);
    let e = err("[source]\npath = \".\"\n[history]\npath = \"\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("history.path")), "{e}");
    let e = err("[source]\npath = \".\"\n[history]\npath = \"audits/\"\n");
    assert!(e.message.contains("names a directory"), "{e}");
    let e = err("[history]\nkeep = 3\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("history.keep")), "{e}");
}
