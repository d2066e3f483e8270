//! The binary as users run it: exit codes, config errors, the catalog listing, explain, init,
//! report re-rendering.

use serde_json::Value;
use std::io::Write;
use std::process::Command;
#[path = "support/run.rs"]
mod run;
use run::{stethoscope, text};

#[test]
fn checks_lists_the_71_items_by_section() {
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(&["checks", "--format", "json"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = listing["items"].as_array().unwrap();
    assert_eq!(items.len(), 71);
    let mut ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 71, "ids are unique");
    let per_section: Vec<usize> =
        (1..=9).map(|s| ids.iter().filter(|id| id.split('.').next() == Some(&s.to_string())).count()).collect();
    assert_eq!(per_section, [6, 8, 8, 10, 8, 10, 8, 8, 5]);
    assert!(items.iter().any(|i| i["implemented"] == true));
    let table = stethoscope(&["checks"], dir.path());
    assert!(text(&table.stdout).contains("71 items"));
}

#[test]
fn explain_prints_the_four_headings_and_rejects_unknown_ids() {
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(&["explain", "fk-indexes"], dir.path());
    let body = text(&out.stdout);
    assert!(out.status.success());
    for heading in ["## What it checks", "## Why it matters", "## How it is measured", "## How to fix"] {
        assert!(body.contains(heading), "{body}");
    }
    let out = stethoscope(&["explain", "9.9"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown item `9.9`"));
}

fn config_error(config: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::File::create(dir.path().join("stethoscope.toml")).unwrap().write_all(config.as_bytes()).unwrap();
    let out = stethoscope(&["audit", "--quiet"], dir.path());
    (out.status.code().unwrap_or(-1), text(&out.stderr))
}

#[test]
fn malformed_configs_exit_2_naming_file_line_and_key() {
    let (code, err) = config_error("[target]\nbase_url = \"http://127.0.0.1:9\"\nbase_ulr = \"x\"\n");
    assert_eq!(code, 2);
    assert!(err.contains("stethoscope.toml:3:1: key `target.base_ulr`: unknown field"), "{err}");

    let (code, err) = config_error("[target]\nbase_url = \"http://127.0.0.1:9\"\nserverless = 3\n");
    assert_eq!(code, 2);
    assert!(
        err.contains("stethoscope.toml:3:") && err.contains("target.serverless") && err.contains("wrong type"),
        "{err}"
    );

    let (code, err) = config_error("[target]\nbase_url = \"ftp://127.0.0.1\"\n");
    assert_eq!(code, 2);
    assert!(err.contains("stethoscope.toml:2:") && err.contains("target.base_url"), "{err}");

    let (code, err) = config_error("[attest]\n\"11.2\" = \"we checked\"\n");
    assert_eq!(code, 2);
    assert!(err.contains("stethoscope.toml:2:") && err.contains("unknown item id `11.2`"), "{err}");
}

#[test]
fn missing_config_and_bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(&["audit"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("stethoscope init"));
    let out = stethoscope(&["audit", "--target", "http://127.0.0.1:9", "--only", "2.2,7.77"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown item `7.77`"));
    let out = stethoscope(&["audit", "--target", "http://127.0.0.1:9", "--app-role", "shop"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--app-role needs a database"), "{}", text(&out.stderr));
    let out = stethoscope(&["audit", "--target", "http://127.0.0.1:9", "--format", "yaml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreachable_target_reports_errors_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) is closed on loopback: every probe fails fast with connection refused.
    let out = stethoscope(&["audit", "--quiet", "--target", "http://127.0.0.1:9", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = |id: &str| report["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap().clone();
    assert_eq!(item("6.9")["status"], "error");
    assert!(item("6.9")["evidence"].as_str().unwrap().contains("connection"), "{}", item("6.9"));
    assert_eq!(item("2.2")["status"], "not_assessed");
    assert_eq!(item("2.2")["evidence"], "no [postgres] url in the config");
    assert_eq!(item("3.1")["evidence"], "no [redis] url in the config");
    let source = |name: &str| {
        report["run"]["sources"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["state"].clone()
    };
    assert_eq!(source("redis"), "not_configured", "a source the config never named");
    assert_eq!(source("http"), "failed");
    assert_eq!(item("7.6")["evidence"], "no collector yet");
}

#[test]
fn init_writes_a_config_that_audit_accepts_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(&["init", "--target", "http://127.0.0.1:9"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(dir.path().join("stethoscope.toml")).unwrap();
    assert!(written.contains("base_url = \"http://127.0.0.1:9/\""), "{written}");
    let again = stethoscope(&["init"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    let bad = stethoscope(&["init", "--target", "not-a-url", "--out", "bad.toml"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("--target `not-a-url` is not a valid URL"), "{}", text(&bad.stderr));
    let audit = stethoscope(&["audit", "--quiet", "--only", "6.9"], dir.path());
    assert_eq!(audit.status.code(), Some(3), "config is valid; the target is just down: {}", text(&audit.stderr));
}

#[test]
fn init_reads_an_openapi_file() {
    let dir = tempfile::tempdir().unwrap();
    let doc = r#"{"openapi":"3.1.0","paths":{"/items/{id}":{"get":{"parameters":[{"name":"id","in":"path","schema":{"type":"integer"}}]}},"/items":{"post":{}}}}"#;
    std::fs::write(dir.path().join("openapi.json"), doc).unwrap();
    let out = stethoscope(&["init", "--openapi", "openapi.json"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(dir.path().join("stethoscope.toml")).unwrap();
    assert!(
        written.contains("path = \"/items/{id}\"") && written.contains("params.id = { range = [1, 100] }"),
        "{written}"
    );
    assert!(written.contains("method = \"POST\"") && written.contains("kind = \"write\""));
    assert!(written.contains("openapi = \"openapi.json\""), "{written}");
}

#[test]
fn report_rerenders_a_saved_run_and_fail_under_sets_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(
        &["audit", "--quiet", "--target", "http://127.0.0.1:9", "--format", "json", "--out", "run.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3));
    let md = stethoscope(&["report", "run.json", "--format", "markdown"], dir.path());
    assert!(md.status.success(), "{}", text(&md.stderr));
    assert!(
        text(&md.stdout)
            .starts_with("## stethoscope: 0 % of the checklist, – of the 0 assessed item(s) — no band: 0 of"),
        "{}",
        text(&md.stdout)
    );
    let missing = stethoscope(&["report", "nope.json"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
}

/// A tiny HTTP server on loopback answering every request with the given headers.
fn serve_with_headers(headers: &'static str) -> std::net::SocketAddr {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200).flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut stream = stream;
            let _ = write!(stream, "HTTP/1.1 200 OK\r\n{headers}content-length: 2\r\nconnection: close\r\n\r\n{{}}");
        }
    });
    addr
}

#[test]
fn fail_under_exits_1_when_the_score_is_below() {
    let dir = tempfile::tempdir().unwrap();
    let addr = serve_with_headers("server: nginx/1.18.0\r\n");
    let target = format!("http://{addr}");
    let out =
        stethoscope(&["audit", "--quiet", "--target", &target, "--only", "6.9", "--fail-under", "90"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("Content-Security-Policy missing"));
    let healthy = serve_with_headers(
        "x-content-type-options: nosniff\r\nx-frame-options: DENY\r\ncontent-security-policy: default-src 'none'\r\nreferrer-policy: no-referrer\r\n",
    );
    let target = format!("http://{healthy}");
    let out =
        stethoscope(&["audit", "--quiet", "--target", &target, "--only", "6.9", "--fail-under", "90"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
}

#[test]
fn demo_json_validates_against_the_committed_schema() {
    let pg =
        std::net::TcpStream::connect_timeout(&"127.0.0.1:5432".parse().unwrap(), std::time::Duration::from_secs(1));
    if pg.is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide PostgreSQL (scripts/services.sh)");
        eprintln!("SKIPPED: PostgreSQL is not running on 127.0.0.1:5432");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(&["demo", "--quiet", "--format", "json", "--out", "demo.json"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&std::fs::read(dir.path().join("demo.json")).unwrap()).unwrap();
    let rerendered = stethoscope(&["report", "demo.json", "--format", "terminal"], dir.path());
    assert!(rerendered.status.success(), "a saved demo re-renders: {}", text(&rerendered.stderr));
    assert!(text(&rerendered.stdout).contains("Endpoints under normal load"));
    let schema: Value = serde_json::from_str(include_str!("../../../schema/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&report).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let status =
        |id: &str| report["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap()["status"].clone();
    assert_eq!(status("2.2"), "fail", "the demo plants fk-without-index");
    assert_eq!(status("6.9"), "fail", "the demo plants missing-security-headers");
    assert_eq!(status("6.8"), "pass");
    assert_eq!(report["items"].as_array().unwrap().len(), 71);
    // With the PostgreSQL server binaries installed, the demo's throwaway cluster preloads
    // pg_stat_statements, so the frequent statements' plans are reviewed.
    let server_binaries = std::fs::read_dir("/usr/lib/postgresql")
        .map(|versions| versions.flatten().any(|v| v.path().join("bin/initdb").exists()))
        .unwrap_or(false);
    if server_binaries {
        let plans = report["items"].as_array().unwrap().iter().find(|i| i["id"] == "2.7").unwrap();
        assert_eq!(plans["status"], "pass", "the demo assesses 2.7: {plans}");
        // ... and a streaming standby of it serves the shop's reads (8.4).
        let replicas = report["items"].as_array().unwrap().iter().find(|i| i["id"] == "8.4").unwrap();
        assert_eq!(replicas["status"], "pass", "the demo's shop reads from its standby: {replicas}");
    }
}

#[test]
fn demo_without_postgres_says_why_the_database_is_not_assessed() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stethoscope"))
        .args(["demo", "--quiet", "--format", "json", "--postgres", "postgresql://postgres@127.0.0.1:9/postgres"])
        .args(["--redis", "redis://127.0.0.1:9"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = |id: &str| report["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap().clone();
    assert_eq!(item("2.2")["status"], "not_assessed");
    assert!(item("2.2")["evidence"].as_str().unwrap().contains("PostgreSQL"), "{}", item("2.2"));
    assert_eq!(item("6.8")["status"], "pass", "HTTP items are still measured");
}

#[test]
fn flags_are_checked_before_any_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let target = "http://127.0.0.1:9";
    let out = stethoscope(&["audit", "--config", "missing.toml", "--target", target], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--config missing.toml: no such file"), "{}", text(&out.stderr));
    for bad in ["NaN", "101", "-1"] {
        let out = stethoscope(&["audit", "--target", target, &format!("--fail-under={bad}")], dir.path());
        assert_eq!(out.status.code(), Some(2), "--fail-under {bad}");
        assert!(text(&out.stderr).contains("not a percentage from 0 to 100"), "{}", text(&out.stderr));
    }
    let started = std::time::Instant::now();
    let out = stethoscope(&["audit", "--target", target, "--out", "no/such/dir/run.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("the directory no/such/dir does not exist") && !err.contains(".tmp"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "refused before the audit ran");
}

#[test]
fn load_against_a_closed_port_reports_no_throughput_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(&["load", "http://127.0.0.1:9/", "-d", "1s", "--quiet", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["achieved_rate"], 0.0, "failed requests are not throughput: {report}");
    assert_eq!(report["successes"], 0);
}

#[test]
fn an_empty_config_has_nothing_to_audit_and_exits_2() {
    let (code, err) = config_error("");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing to audit"), "{err}");
}

#[test]
fn an_attested_selection_gets_no_band_and_unassessed_sections_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = "[target]\nbase_url = \"http://127.0.0.1:9\"\n[attest]\n\"7.6\" = \"blue/green, runbook 3\"\n";
    std::fs::write(dir.path().join("stethoscope.toml"), config).unwrap();
    let out = stethoscope(&["audit", "--quiet", "--only", "7.6", "--format", "json"], dir.path());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["total"]["percent"], 100.0, "the checklist score as the seeds define it");
    assert_eq!(report["total"]["band"], Value::Null, "nothing was measured: no band");
    assert!(report["total"]["band_label"].as_str().unwrap().contains("0 of 1 applicable item(s) measured"));
    let out = stethoscope(&["audit", "--quiet", "--only", "7.6"], dir.path());
    let shown = text(&out.stdout);
    assert!(!shown.contains("ship it") && shown.contains("Verdict: 100 % of the checklist"), "{shown}");
    let out = stethoscope(&["audit", "--quiet", "--sections", "caching", "--no-load"], dir.path());
    assert!(text(&out.stdout).contains("3. Caching — 0/8 (not assessed)"), "{}", text(&out.stdout));
}

#[test]
fn an_unreachable_target_exits_3_even_when_postgres_works() {
    let pg =
        std::net::TcpStream::connect_timeout(&"127.0.0.1:5432".parse().unwrap(), std::time::Duration::from_secs(1));
    if pg.is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide PostgreSQL (scripts/services.sh)");
        eprintln!("SKIPPED: PostgreSQL is not running on 127.0.0.1:5432");
        return;
    }
    // A server that speaks garbage, then closes: not HTTP.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let garbage = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().take(50).flatten() {
            let _ = stream.write_all(b"\x00\x01 garbage, not HTTP\r\n\r\n");
        }
    });
    for target in ["http://127.0.0.1:9", garbage.as_str()] {
        let dir = tempfile::tempdir().unwrap();
        let args = ["audit", "--quiet", "--no-load", "--format", "json", "--target", target];
        let pg = ["--postgres", "postgresql://postgres@127.0.0.1:5432/postgres"];
        let out = stethoscope(&[&args[..], &pg[..]].concat(), dir.path());
        assert_eq!(out.status.code(), Some(3), "{target}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("the HTTP target could not be audited"), "{}", text(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let pg = report["run"]["sources"].as_array().unwrap().iter().find(|s| s["name"] == "pg").unwrap().clone();
        assert_eq!(pg["state"], "collected", "{pg}");
    }
}

#[test]
fn redis_can_be_given_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(&["audit", "--quiet", "--redis", "redis://127.0.0.1:9", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(3), "the only source is down: {}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let redis = report["run"]["sources"].as_array().unwrap().iter().find(|s| s["name"] == "redis").unwrap().clone();
    assert_eq!(redis["state"], "failed", "{redis}");
    let bad = stethoscope(&["audit", "--redis", "http://127.0.0.1:6379"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn an_audit_whose_every_load_request_failed_exits_3() {
    use std::io::{BufRead, BufReader};
    // Every request gets a 401, as with a wrong auth prefix.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                let mut line = String::new();
                loop {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if line == "\r\n" => {
                            let head = "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n";
                            if stream.write_all(head.as_bytes()).is_err() {
                                return;
                            }
                        }
                        Ok(_) => {}
                    }
                }
            });
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[target]\nbase_url = \"http://{addr}\"\n[[endpoints]]\npath = \"/me\"\n[load]\nrate = 30.0\n\
         duration = \"1s\"\nwarmup = \"100ms\"\nbaseline_duration = \"300ms\"\n"
    );
    std::fs::write(dir.path().join("stethoscope.toml"), config).unwrap();
    let out = stethoscope(&["audit", "--quiet", "--only", "1.1", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("every load request failed"), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &report["load"]["endpoints"][0];
    assert_eq!(row["status"], "fail", "{row}");
    assert_eq!(row["classes"]["4xx"].as_u64().map(|n| n > 0), Some(true), "{row}");
    assert_eq!(report["items"][0]["status"], "error", "{}", report["items"][0]);
}

#[test]
fn extended_items_follow_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    let addr = serve_with_headers("");
    let target = format!("http://{addr}");
    let out = stethoscope(&["audit", "--quiet", "--target", &target, "--only", "X.1", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let extended = report["extended"]["items"].as_array().unwrap();
    assert_eq!(extended.len(), 1, "{extended:?}");
    assert_eq!(extended[0]["id"], "X.1");
    assert_eq!(extended[0]["status"], "not_assessed", "a 2-byte answer says nothing about compression");
    let out = stethoscope(&["audit", "--quiet", "--target", &target, "--sections", "database"], dir.path());
    assert!(!text(&out.stdout).contains("scored apart from the 71"), "{}", text(&out.stdout));
}
