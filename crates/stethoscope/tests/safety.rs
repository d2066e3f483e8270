//! Safe to point at production, proved on the binary: no command that takes a URL panics
//! (plain HTTP and an HTTPS server with an untrusted certificate), no planted secret is ever
//! printed or stored, every fetch is bounded, a selection sends only the traffic its items
//! need, and Ctrl-C stops the traffic.

#[path = "safety/servers.rs"]
mod servers;

use serde_json::Value;
use servers::{Hostility, Https, Recorder, hostile};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn stethoscope(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stethoscope"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, content: &str) {
    std::fs::write(dir.join(name), content).unwrap();
}

fn assert_no_panic(out: &Output, what: &str) {
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{what} exited 101: {stderr}");
    assert!(out.status.code().is_some(), "{what} died of a signal: {stderr}");
    assert!(!stderr.contains("panicked"), "{what} panicked: {stderr}");
}

#[test]
fn no_command_that_takes_a_url_panics_on_http_or_https() {
    let dir = tempfile::tempdir().unwrap();
    let https = Https::start(dir.path());
    let http = Recorder::start();
    for base in [https.url.as_str(), http.url.as_str()] {
        let openapi = format!("{base}/openapi.json");
        let out = stethoscope(&["init", "--openapi", &openapi, "--out", "init.toml", "--force"], dir.path(), &[]);
        assert_no_panic(&out, &format!("init --openapi {openapi}"));
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let out = stethoscope(&["init", "--target", base, "--out", "t.toml", "--force"], dir.path(), &[]);
        assert_no_panic(&out, "init --target");
        let config = format!(
            "[target]\nbase_url = \"{base}\"\ntimeout = \"2s\"\n\n[[endpoints]]\npath = \"/products\"\npublic = true\n\n\
             [metrics]\nurl = \"{base}/metrics\"\n\n[redis]\nurl = \"redis://127.0.0.1:6379\"\n\
             [redis.stampede]\npath = \"/products\"\nkey = \"steth-safety:none\"\nrequests = 2\n\
             [redis.negative]\npath = \"/products/0\"\n"
        );
        write(dir.path(), "stethoscope.toml", &config);
        for args in [
            vec!["audit", "--quiet", "--no-load", "--only", "6.9,6.8"],
            vec!["audit", "--quiet", "--only", "3.6,3.7", "--active", "--no-load"],
            vec!["audit", "--quiet", "--only", "5.2,4.7", "--no-load"],
            vec![
                "audit",
                "--quiet",
                "--no-load",
                "--only",
                "2.2",
                "--postgres",
                "postgresql://postgres@127.0.0.1:1/x?sslmode=require",
            ],
        ] {
            let out = stethoscope(&args, dir.path(), &[]);
            assert_no_panic(&out, &format!("{args:?} against {base}"));
        }
        let out = stethoscope(
            &["audit", "--quiet", "--config", "none.toml", "--target", base, "--only", "6.9"],
            dir.path(),
            &[],
        );
        assert_no_panic(&out, "audit --target");
        let out = stethoscope(
            &["load", &format!("{base}/"), "-n", "3", "-c", "1", "--quiet", "--timeout", "2s"],
            dir.path(),
            &[],
        );
        assert_no_panic(&out, &format!("load {base}"));
    }
}

/// Every secret the test plants, each distinct so a leak names its source.
const SECRETS: [&str; 12] = [
    "TARGET-PW-S1",
    "PG-USERINFO-S2",
    "PG-QUERY-S3",
    "REDIS-PW-S4",
    "IDENTITY-HDR-S5",
    "ENV-SECRET-S6",
    servers::RIGHT_PASSWORD,
    "WRONG-LOGIN-PW-S8",
    servers::ISSUED_TOKEN,
    "METRICS-TOK-S10",
    "ENDPOINT-HDR-S11",
    "BADURL-S12",
];

fn assert_no_secret(what: &str, out: &str) {
    for secret in SECRETS.iter().chain(["LOAD-PW-S13", "DEMO-ENV-S14"].iter()) {
        assert!(!out.contains(secret), "{what} printed the secret {secret}:\n{out}");
    }
}

fn secret_config(target: &str, pg: &str, redis: &str, login_password: &str) -> String {
    format!(
        r#"[target]
base_url = "{target}"
timeout = "2s"

[[endpoints]]
path = "/products"
public = true
list = true
headers = {{ "X-Endpoint-Secret" = "ENDPOINT-HDR-S11" }}

[[endpoints]]
method = "POST"
path = "/orders"
identity = "alice"
body = '{{"quantity": 1}}'

[[endpoints]]
method = "POST"
path = "/login"
login = true
body = '{{"user": "bob", "password": "{login_password}"}}'

[identities.alice]
headers = {{ Authorization = "Bearer ${{STETH_SAFETY_ENV}}", "X-Api-Key" = "IDENTITY-HDR-S5" }}

[identities.bob.login]
path = "/login"
body = '{{"user": "bob", "password": "{login_password}"}}'

[postgres]
url = "{pg}"

[redis]
url = "{redis}"

[metrics]
url = "{target}/metrics?token=METRICS-TOK-S10"

[load]
rate = 5.0
duration = "1s"
warmup = "0s"
baseline_duration = "1s"

[probes]
burst_requests = 20
login_attempts = 3
"#
    )
}

#[test]
fn no_planted_secret_is_printed_or_stored() {
    let dir = tempfile::tempdir().unwrap();
    let service = Recorder::start();
    let port = service.url.trim_start_matches("http://127.0.0.1:");
    let target = format!("http://probe:TARGET-PW-S1@127.0.0.1:{port}");
    let pg = "postgresql://postgres:PG-USERINFO-S2@127.0.0.1:5432/postgres?password=PG-QUERY-S3&sslmode=disable";
    let redis = "redis://:REDIS-PW-S4@127.0.0.1:6379";
    let env = [("STETH_SAFETY_ENV", "ENV-SECRET-S6")];
    let mut everything = String::new();
    let mut run = |what: &str, args: &[&str]| {
        let out = stethoscope(args, dir.path(), &env);
        assert_no_panic(&out, what);
        let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_no_secret(what, &shown);
        everything.push_str(&shown);
        out
    };
    // Everything reachable, the right login password, load phases on; then every re-render.
    write(dir.path(), "stethoscope.toml", &secret_config(&target, pg, redis, servers::RIGHT_PASSWORD));
    run("audit (json)", &["audit", "--format", "json", "--out", "run.json"]);
    let saved = std::fs::read_to_string(dir.path().join("run.json")).unwrap();
    assert_no_secret("run.json", &saved);
    let json: Value = serde_json::from_str(&saved).unwrap();
    assert!(json["raw_evidence"]["http"]["data"]["base_url"].as_str().unwrap().contains("probe:***@"));
    for format in ["terminal", "markdown", "json", "junit"] {
        run(&format!("report --format {format}"), &["report", "run.json", "--format", format]);
    }
    assert!(service.requests().iter().any(|r| r.path == "/login"), "the login was exercised");
    // A wrong login password, shown in the terminal.
    write(dir.path(), "stethoscope.toml", &secret_config(&target, pg, redis, "WRONG-LOGIN-PW-S8"));
    run("audit with a wrong password", &["audit", "--no-load"]);
    // The history holds both runs: neither its file nor what `history` and `diff` print has a secret.
    let history = std::fs::read(dir.path().join(".stethoscope/history.sqlite")).unwrap();
    assert_no_secret("history.sqlite", &String::from_utf8_lossy(&history));
    run("history", &["history", "--format", "json"]);
    for format in ["terminal", "markdown", "json"] {
        let out = run(&format!("diff --format {format}"), &["diff", "previous", "latest", "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    // Nothing reachable: every error message names the place without the secret.
    let dead = "http://probe:TARGET-PW-S1@127.0.0.1:1";
    let dead_pg = "postgresql://postgres:PG-USERINFO-S2@127.0.0.1:1/postgres?password=PG-QUERY-S3";
    write(dir.path(), "stethoscope.toml", &secret_config(dead, dead_pg, "redis://:REDIS-PW-S4@127.0.0.1:1", "x"));
    let out = run("audit of an unreachable host", &["audit", "--no-load", "--format", "markdown"]);
    assert!(text(&out.stderr).contains("probe:***@127.0.0.1:1"), "{}", text(&out.stderr));
    run(
        "audit --target/--postgres flags",
        &[
            "audit",
            "--no-load",
            "--config",
            "absent.toml",
            "--target",
            dead,
            "--postgres",
            dead_pg,
            "--only",
            "6.9,2.2",
        ],
    );
    // A config error masks only the secret part, so the mistake stays visible.
    write(dir.path(), "stethoscope.toml", "[target]\nbase_url = \"http://u:BADURL-S12@\"\n");
    let out = run("config error", &["audit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("http://u:***@"), "{}", text(&out.stderr));
    write(dir.path(), "stethoscope.toml", "[target]\nbase_url = \"http://\"\n");
    let out = run("config error", &["audit"]);
    assert!(text(&out.stderr).contains("`http://` is not a valid URL"), "{}", text(&out.stderr));
    // `load` prints the URL in its header and its JSON.
    let load_url = format!("http://u:LOAD-PW-S13@127.0.0.1:{port}/products?token=LOAD-PW-S13");
    for format in ["terminal", "json"] {
        run("load", &["load", &load_url, "-n", "3", "-c", "1", "--quiet", "--format", format]);
    }
    // clap shows environment values in help unless told not to.
    let out = stethoscope(
        &["demo", "--help"],
        dir.path(),
        &[("STETHOSCOPE_DEMO_POSTGRES", "postgresql://x:DEMO-ENV-S14@h/db")],
    );
    assert_no_secret("demo --help", &text(&out.stdout));
    // Every secret was really sent where it belongs (the test would prove nothing otherwise).
    let sent: String = service.requests().iter().map(|r| format!("{} {}\n", r.path, r.body)).collect();
    assert!(sent.contains(servers::RIGHT_PASSWORD) && sent.contains("WRONG-LOGIN-PW-S8"), "{sent}");
}

fn selection_config(target: &str) -> String {
    format!(
        r#"[target]
base_url = "{target}"
timeout = "2s"

[[endpoints]]
path = "/products"
public = true
list = true

[[endpoints]]
method = "POST"
path = "/orders"
body = '{{"quantity": 1}}'

[[endpoints]]
method = "POST"
path = "/login"
login = true
body = '{{"user": "bob", "password": "nope"}}'

[load]
rate = 20.0
duration = "30s"
warmup = "0s"
baseline_duration = "1s"
"#
    )
}

/// What a selection sent: (requests, oversized chunked bodies, malformed or idempotency
/// POSTs to /orders, GETs of the public list, login POSTs).
fn traffic(service: &Recorder) -> (usize, usize, usize, usize, usize) {
    let seen = service.requests();
    let orders = seen.iter().filter(|r| r.method == "POST" && r.path == "/orders").count();
    (
        seen.len(),
        seen.iter().filter(|r| r.chunked).count(),
        orders,
        seen.iter().filter(|r| r.method == "GET" && r.path.starts_with("/products")).count(),
        seen.iter().filter(|r| r.path == "/login").count(),
    )
}

#[test]
fn a_selection_sends_only_the_traffic_its_items_need() {
    let dir = tempfile::tempdir().unwrap();
    let service = Recorder::start();
    write(dir.path(), "stethoscope.toml", &selection_config(&service.url));
    let audit = |extra: &[&str]| {
        service.clear();
        let mut args = vec!["audit", "--quiet", "--no-load", "--format", "json"];
        args.extend_from_slice(extra);
        let out = stethoscope(&args, dir.path(), &[]);
        assert_no_panic(&out, &format!("{extra:?}"));
        traffic(&service)
    };
    // Everything: the burst, the streamed 16 MiB body, malformed POSTs, failed logins.
    let (all, chunked, orders, list, logins) = audit(&[]);
    assert!(
        all >= 200 && chunked >= 1 && orders >= 4 && list >= 150 && logins >= 10,
        "{all} {chunked} {orders} {list} {logins}"
    );
    // CORS only: a few GET/OPTIONS, nothing written, no burst.
    let (all, chunked, orders, list, logins) = audit(&["--only", "6.8"]);
    assert!(
        all <= 12 && chunked == 0 && orders == 0 && logins == 0,
        "--only 6.8 sent {all} requests: {:?}",
        service.requests()
    );
    assert!(list <= 6, "{list}");
    // The costly probes skipped: no burst, no oversized body, no malformed or repeated POSTs,
    // no failed logins (6.4's burst and X.6's two enumeration logins).
    let (all, chunked, orders, list, logins) = audit(&["--skip", "6.3,6.4,1.6,6.6,X.3,X.6"]);
    assert!(chunked == 0 && logins == 0 && list < 50, "{all} {chunked} {orders} {list} {logins}");
    let bodies: Vec<String> =
        service.requests().iter().filter(|r| r.path == "/orders").map(|r| r.body.clone()).collect();
    assert!(bodies.iter().all(|b| b.is_empty() || b == r#"{"quantity": 1}"#), "{bodies:?}");
    // Sections work the same way.
    let (all, chunked, _, list, logins) = audit(&["--sections", "reliability"]);
    assert!(all <= 8 && chunked == 0 && logins == 0 && list == 0, "{all}: {:?}", service.requests());
}

/// Sends SIGINT to a running child.
fn interrupt(child: &std::process::Child) {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

/// Waits for a child with a bound; returns its exit code and when it exited.
fn wait_bounded(child: &mut std::process::Child, bound: Duration) -> (Option<i32>, Instant) {
    let deadline = Instant::now() + bound;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), Instant::now());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the process did not exit within {bound:?} of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn(args: &[&str], dir: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_stethoscope"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until the service has seen `n` requests.
fn wait_for_requests(service: &Recorder, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while service.requests().len() < n {
        assert!(Instant::now() < deadline, "only {} requests arrived", service.requests().len());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_stops_the_traffic_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let service = Recorder::start();
    write(dir.path(), "stethoscope.toml", &selection_config(&service.url));
    // The audit, interrupted in its load phases: no burst afterwards, exit 130 with a report.
    let mut child = spawn(&["audit", "--skip", "6.6,1.6", "--format", "json", "--out", "run.json"], dir.path());
    wait_for_requests(&service, 260);
    std::thread::sleep(Duration::from_millis(1500));
    interrupt(&child);
    let signalled = Instant::now();
    let (code, exited) = wait_bounded(&mut child, Duration::from_secs(20));
    assert_eq!(code, Some(130));
    let after: Vec<_> =
        service.requests().into_iter().filter(|r| r.at > signalled + Duration::from_millis(200)).collect();
    assert!(after.len() <= 3, "{} requests after Ctrl-C: {after:?}", after.len());
    assert!(exited - signalled < Duration::from_secs(15));
    assert!(dir.path().join("run.json").exists(), "what was measured is reported");
    assert!(!dir.path().join(".stethoscope").exists(), "an interrupted audit is not recorded in the history");
    // `load`: the same.
    service.clear();
    let url = format!("{}/products", service.url);
    let mut child = spawn(&["load", &url, "--rate", "50", "-d", "60s", "--quiet"], dir.path());
    wait_for_requests(&service, 20);
    interrupt(&child);
    let signalled = Instant::now();
    let (code, _) = wait_bounded(&mut child, Duration::from_secs(15));
    assert_eq!(code, Some(130));
    let after = service.requests().iter().filter(|r| r.at > signalled + Duration::from_millis(200)).count();
    assert!(after <= 3, "{after} requests after Ctrl-C");
    // A second Ctrl-C exits at once, whatever is running.
    let mut child = spawn(
        &["load", &format!("{}/", hostile(Hostility::Drip)), "-c", "4", "-d", "60s", "--timeout", "60s", "--quiet"],
        dir.path(),
    );
    std::thread::sleep(Duration::from_millis(800));
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(200));
    interrupt(&child);
    let signalled = Instant::now();
    let (code, exited) = wait_bounded(&mut child, Duration::from_secs(5));
    assert_eq!(code, Some(130));
    assert!(exited - signalled < Duration::from_secs(2));
}

#[test]
fn every_fetch_outside_the_probes_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // OpenAPI: an endless document stops at the cap, a dripping one at the deadline.
    for (how, says) in [(Hostility::Endless, "larger than 32 MiB"), (Hostility::Drip, "timed out")] {
        let url = format!("{}/openapi.json", hostile(how));
        let started = Instant::now();
        let out = stethoscope(&["init", "--openapi", &url, "--out", "x.toml"], dir.path(), &[]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
        assert!(started.elapsed() < Duration::from_secs(25));
    }
    // A login whose answer never ends, or drips: the identity fails to log in, in bounded time.
    for (how, says) in [(Hostility::Endless, "not JSON"), (Hostility::Drip, "timed out")] {
        let config = format!(
            "[target]\nbase_url = \"{}\"\ntimeout = \"3s\"\n\n[identities.bob.login]\npath = \"/login\"\nbody = '{{}}'\n",
            hostile(how)
        );
        write(dir.path(), "stethoscope.toml", &config);
        let started = Instant::now();
        let out = stethoscope(&["audit", "--quiet", "--no-load", "--only", "6.9", "--format", "json"], dir.path(), &[]);
        assert_no_panic(&out, "audit with a hostile login");
        assert!(started.elapsed() < Duration::from_secs(30));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let logins = report["raw_evidence"]["http"]["data"]["logins"].to_string();
        assert!(logins.contains(says), "{logins}");
    }
    // The active probe's statement counter read from an endless /metrics.
    let service = Recorder::start();
    let metrics = format!("{}/metrics", hostile(Hostility::Endless));
    let config = format!(
        "[target]\nbase_url = \"{}\"\ntimeout = \"5s\"\n\n[metrics]\nurl = \"{metrics}\"\n\n\
         [redis]\nurl = \"redis://127.0.0.1:6379\"\nactive = true\n[redis.negative]\npath = \"/products/0\"\n",
        service.url
    );
    write(dir.path(), "stethoscope.toml", &config);
    let started = Instant::now();
    let out = stethoscope(&["audit", "--quiet", "--no-load", "--only", "3.7", "--format", "json"], dir.path(), &[]);
    assert_no_panic(&out, "audit --only 3.7 with an endless /metrics");
    assert!(started.elapsed() < Duration::from_secs(30));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let negative = report["raw_evidence"]["redis"]["data"]["negative"].to_string();
    assert!(negative.contains("stopped reading"), "{negative}");
}

#[test]
fn writes_are_loaded_only_when_allowed_and_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let service = Recorder::start();
    let config = |writes: &str| {
        format!(
            "[target]\nbase_url = \"{}\"\ntimeout = \"2s\"\n\n[[endpoints]]\npath = \"/products\"\npublic = true\n\n\
             [[endpoints]]\nmethod = \"POST\"\npath = \"/orders\"\n\
             body = '{{\"quantity\": {{rand:1-3}}, \"ref\": \"r{{seq}}\", \"id\": \"{{uuid}}\"}}'\n\n\
             [load]\nrate = 10.0\nduration = \"1s\"\nwarmup = \"0s\"\nbaseline_duration = \"1s\"\n{writes}",
            service.url
        )
    };
    let posts = |service: &Recorder| service.requests().iter().filter(|r| r.method == "POST").count();
    write(dir.path(), "stethoscope.toml", &config(""));
    let out = stethoscope(&["audit", "--quiet", "--only", "1.1,1.2", "--format", "json"], dir.path(), &[]);
    assert_no_panic(&out, "audit without writes");
    assert_eq!(posts(&service), 0, "no write without [load] writes");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = report["items"].as_array().unwrap().iter().find(|i| i["id"] == "1.2").unwrap().clone();
    assert_eq!(item["status"], "not_assessed");
    assert!(item["evidence"].as_str().unwrap().contains("`[load] writes = true`"), "{item}");
    service.clear();
    write(dir.path(), "stethoscope.toml", &config("writes = true\n"));
    let out = stethoscope(&["audit", "--quiet", "--only", "1.1,1.2"], dir.path(), &[]);
    let sent = posts(&service);
    assert!(sent >= 10, "{sent} writes");
    let shown = text(&out.stdout);
    assert!(shown.contains("Writes made by the load phases") && shown.contains("POST /orders:"), "{shown}");
    assert!(shown.contains("2xx"), "{shown}");
    // Placeholders make every created record distinct.
    let mut bodies: Vec<String> =
        service.requests().into_iter().filter(|r| r.method == "POST").map(|r| r.body).collect();
    assert!(bodies.iter().all(|b| !b.contains("{seq}") && !b.contains("{uuid}") && !b.contains("{rand")), "{bodies:?}");
    let n = bodies.len();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), n, "every body is distinct");
    // A cleanup deletes every record the phases created, warm-ups included, by Location or
    // by a JSON pointer into the answer.
    for cleanup in ["location", "/order/id"] {
        service.clear();
        write(
            dir.path(),
            "stethoscope.toml",
            &config("writes = true\n").replace("[load]", &format!("cleanup = \"{cleanup}\"\n\n[load]")),
        );
        let out = stethoscope(&["audit", "--quiet", "--only", "1.2", "--format", "json"], dir.path(), &[]);
        assert_no_panic(&out, "audit with a cleanup");
        let seen = service.requests();
        let created = seen.iter().filter(|r| r.method == "POST" && r.path == "/orders").count();
        let deleted: Vec<&str> = seen.iter().filter(|r| r.method == "DELETE").map(|r| r.path.as_str()).collect();
        assert!(created > 0 && deleted.len() == created, "{cleanup}: {created} created, {deleted:?}");
        assert!(deleted.iter().all(|p| p.starts_with("/orders/")), "{deleted:?}");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let done = &report["load"]["writes"][0]["cleanup"];
        assert_eq!(done["deleted"].as_u64(), Some(created as u64), "{done}");
    }
    // The probes' own writes are listed too.
    let out = stethoscope(&["audit", "--quiet", "--no-load", "--only", "6.6"], dir.path(), &[]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("Requests the probes sent that may change data")
            && shown.contains("POST /orders (6.6 malformed JSON): 1; 2xx 1"),
        "{shown}"
    );
    // A placeholder nobody defines is a config error naming the key.
    write(dir.path(), "stethoscope.toml", &config("").replace("{uuid}", "{n}"));
    let out = stethoscope(&["audit", "--quiet", "--only", "1.2"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("endpoints[1].body") && text(&out.stderr).contains("unknown placeholder `{n}`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_dry_run_lists_the_traffic_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let service = Recorder::start();
    write(dir.path(), "stethoscope.toml", &selection_config(&service.url));
    let out = stethoscope(&["audit", "--dry-run"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::thread::sleep(Duration::from_millis(200));
    assert!(service.requests().is_empty(), "a dry run sent {:?}", service.requests());
    let shown = text(&out.stdout);
    for expected in [
        "6.3 rate-limit burst",
        "GET     /products",
        "≤ 200",
        "1.6 oversized body (16 MiB streamed)",
        "6.4 failed logins",
        "(changes data)",
        "Not loaded, because they change data: POST /orders",
        "load: normal phase",
    ] {
        assert!(shown.contains(expected), "{expected} missing:\n{shown}");
    }
    let narrow = text(&stethoscope(&["audit", "--dry-run", "--only", "6.8"], dir.path(), &[]).stdout);
    assert!(!narrow.contains("6.3") && !narrow.contains("changes data") && narrow.contains("6.8 CORS"), "{narrow}");
}
