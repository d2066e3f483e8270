//! The run history as users meet it: audits recorded across runs, `history`, `diff`, the
//! regression gate, and a corrupt or locked history file that must not stop the report.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
#[path = "support/run.rs"]
mod run;
use run::{stethoscope, text};

const HEALTHY: &str = "x-content-type-options: nosniff\r\nx-frame-options: DENY\r\ncontent-security-policy: default-src 'none'\r\nreferrer-policy: no-referrer\r\n";
const MISSING_CSP: &str =
    "x-content-type-options: nosniff\r\nx-frame-options: DENY\r\nreferrer-policy: no-referrer\r\n";

/// A loopback HTTP server answering every request with the headers currently set, so the
/// same target can pass 6.9 in one audit and fail it in the next.
struct Switchable {
    target: String,
    headers: Arc<Mutex<&'static str>>,
    delay: Arc<Mutex<std::time::Duration>>,
}

impl Switchable {
    fn start(headers: &'static str) -> Switchable {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Mutex::new(headers));
        let served = Arc::clone(&shared);
        let delay = Arc::new(Mutex::new(std::time::Duration::ZERO));
        let slow = Arc::clone(&delay);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let headers = *served.lock().unwrap();
                std::thread::sleep(*slow.lock().unwrap());
                let mut stream = stream;
                let _ =
                    write!(stream, "HTTP/1.1 200 OK\r\n{headers}content-length: 2\r\nconnection: close\r\n\r\n{{}}");
            }
        });
        Switchable { target: format!("http://{addr}"), headers: shared, delay }
    }

    fn set(&self, headers: &'static str) {
        *self.headers.lock().unwrap() = headers;
    }

    fn slow_down(&self, by: std::time::Duration) {
        *self.delay.lock().unwrap() = by;
    }
}

/// A config in `ci/` naming the server, so the history lands in `ci/.stethoscope/`.
fn project(server: &Switchable) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ci")).unwrap();
    std::fs::write(dir.path().join("ci/stethoscope.toml"), format!("[target]\nbase_url = \"{}\"\n", server.target))
        .unwrap();
    dir
}

const AUDIT: &[&str] = &["audit", "--config", "ci/stethoscope.toml", "--only", "6.9", "--no-load"];

fn audit(dir: &Path, extra: &[&str]) -> Output {
    let args: Vec<&str> = AUDIT.iter().chain(extra).copied().collect();
    stethoscope(&args, dir)
}

#[test]
fn history_survives_three_runs_and_diff_compares_two_of_them() {
    let server = Switchable::start(HEALTHY);
    let dir = project(&server);
    let first = audit(dir.path(), &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        text(&first.stderr).contains("recorded as run 1 in ci/.stethoscope/history.sqlite"),
        "{}",
        text(&first.stderr)
    );
    server.set(MISSING_CSP);
    assert_eq!(audit(dir.path(), &["--quiet"]).status.code(), Some(0));
    server.set(HEALTHY);
    assert_eq!(audit(dir.path(), &["--quiet"]).status.code(), Some(0));
    assert!(dir.path().join("ci/.stethoscope/history.sqlite").is_file());

    let listed = stethoscope(&["history", "--config", "ci/stethoscope.toml"], dir.path());
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let shown = text(&listed.stdout);
    assert!(
        shown.contains("(3 run(s) shown)") && shown.contains("Score trend (oldest → latest, 0–100 %): █▁█"),
        "{shown}"
    );
    let json =
        stethoscope(&["history", "--config", "ci/stethoscope.toml", "--format", "json", "--limit", "2"], dir.path());
    let runs: Value = serde_json::from_slice(&json.stdout).unwrap();
    let ids: Vec<i64> = runs["runs"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [2, 3], "the last two, oldest first");
    assert_eq!(runs["runs"][0]["failing"], 1);
    assert_eq!(runs["runs"][1]["failing"], 0);

    let worse = stethoscope(&["diff", "1", "2", "--config", "ci/stethoscope.toml"], dir.path());
    let shown = text(&worse.stdout);
    assert_eq!(worse.status.code(), Some(0), "without --fail-on-regression a diff exits 0");
    assert!(shown.contains("New failures (1):") && shown.contains("6.9 Security headers"), "{shown}");
    assert!(shown.contains("✓ pass → ✗ fail"), "{shown}");
    assert!(shown.contains("New findings (1):") && shown.contains("Content-Security-Policy missing"), "{shown}");
    assert!(shown.contains("Noise rule: a latency change counts only when an endpoint's p99 moves by more than 20 %"));
    let gated = stethoscope(&["diff", "1", "2", "--config", "ci/stethoscope.toml", "--fail-on-regression"], dir.path());
    assert_eq!(gated.status.code(), Some(1), "{}", text(&gated.stderr));
    assert!(
        text(&gated.stderr).contains("regression against run 1: 1 new failure(s) (6.9)"),
        "{}",
        text(&gated.stderr)
    );
    let better = stethoscope(
        &[
            "diff",
            "previous",
            "latest",
            "--history",
            "ci/.stethoscope/history.sqlite",
            "--fail-on-regression",
            "--format",
            "markdown",
        ],
        dir.path(),
    );
    assert_eq!(better.status.code(), Some(0), "{}", text(&better.stderr));
    let md = text(&better.stdout);
    assert!(
        md.starts_with("## stethoscope diff: run 2 (")
            && md.contains("### Fixed (1)")
            && md.contains("### Fixed findings (1)"),
        "{md}"
    );
    let missing = stethoscope(&["diff", "1", "9", "--config", "ci/stethoscope.toml"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("no run 9"), "{}", text(&missing.stderr));
}

#[test]
fn diff_reads_two_json_reports_and_junit_renders_a_saved_run() {
    let server = Switchable::start(HEALTHY);
    let dir = project(&server);
    assert_eq!(
        audit(dir.path(), &["--quiet", "--no-history", "--format", "json", "--out", "a.json"]).status.code(),
        Some(0)
    );
    server.set(MISSING_CSP);
    assert_eq!(
        audit(dir.path(), &["--quiet", "--no-history", "--format", "json", "--out", "b.json"]).status.code(),
        Some(0)
    );
    assert!(!dir.path().join("ci/.stethoscope").exists(), "--no-history writes nothing");
    let d = stethoscope(&["diff", "a.json", "b.json", "--format", "json", "--fail-on-regression"], dir.path());
    assert_eq!(d.status.code(), Some(1));
    let diff: Value = serde_json::from_slice(&d.stdout).unwrap();
    assert_eq!(diff["new_failures"][0]["id"], "6.9");
    assert_eq!(diff["before"]["label"], "a.json");
    assert_eq!(diff["regressions"], 1);
    let junit = stethoscope(&["report", "b.json", "--format", "junit"], dir.path());
    assert!(junit.status.success(), "{}", text(&junit.stderr));
    let xml = text(&junit.stdout);
    assert!(
        xml.starts_with("<?xml") && xml.contains("<testcase name=\"6.9 ") && xml.contains("<failure message="),
        "{xml}"
    );
}

#[test]
fn audit_fail_on_regression_compares_with_the_previous_run_of_the_target() {
    let server = Switchable::start(HEALTHY);
    let dir = project(&server);
    let first = audit(dir.path(), &["--quiet", "--fail-on-regression"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        text(&first.stderr).contains("no previous run of http://127.0.0.1:")
            && text(&first.stderr).contains("this run is the baseline, not a regression"),
        "{}",
        text(&first.stderr)
    );
    server.set(MISSING_CSP);
    let second = audit(dir.path(), &["--quiet", "--fail-on-regression"]);
    assert_eq!(second.status.code(), Some(1), "{}", text(&second.stderr));
    assert!(text(&second.stdout).contains("Content-Security-Policy missing"), "the report still prints");
    assert!(
        text(&second.stderr)
            .contains("regression against run 1: 1 new failure(s) (6.9); `stethoscope diff 1 2` shows the details"),
        "{}",
        text(&second.stderr)
    );
    // The same failure again is no new failure; --no-history compares without recording.
    let third = audit(dir.path(), &["--quiet", "--fail-on-regression", "--no-history"]);
    assert_eq!(third.status.code(), Some(0), "{}", text(&third.stderr));
    assert!(text(&third.stderr).contains("no regression against run 2"), "{}", text(&third.stderr));
    let json = stethoscope(&["history", "--config", "ci/stethoscope.toml", "--format", "json"], dir.path());
    let runs: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 2, "the --no-history run was not recorded");
    // A dry run sends nothing and records nothing.
    let dry = audit(dir.path(), &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0));
    let json = stethoscope(&["history", "--config", "ci/stethoscope.toml", "--format", "json"], dir.path());
    let runs: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 2, "the dry run was not recorded");
}

#[test]
fn a_corrupt_history_is_one_warning_and_the_report_still_prints() {
    let server = Switchable::start(MISSING_CSP);
    let dir = project(&server);
    std::fs::create_dir(dir.path().join("ci/.stethoscope")).unwrap();
    let file = dir.path().join("ci/.stethoscope/history.sqlite");
    std::fs::write(&file, b"garbage, not SQLite \xff\xfe\x00".repeat(300)).unwrap();
    let out = audit(dir.path(), &["--quiet", "--fail-under", "90"]);
    assert_eq!(out.status.code(), Some(1), "the audit keeps its own exit code: below --fail-under");
    assert!(text(&out.stdout).contains("Content-Security-Policy missing"), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains("not a stethoscope history database or is corrupt"), "{err}");
    assert!(std::fs::read(&file).unwrap().starts_with(b"garbage"), "the file is left for the user to look at");
    let listed = stethoscope(&["history", "--config", "ci/stethoscope.toml"], dir.path());
    assert_eq!(listed.status.code(), Some(2));
    assert!(text(&listed.stderr).contains("is corrupt"), "{}", text(&listed.stderr));
}

#[test]
fn a_locked_history_is_one_warning_and_the_report_still_prints() {
    let server = Switchable::start(HEALTHY);
    let dir = project(&server);
    assert_eq!(audit(dir.path(), &["--quiet"]).status.code(), Some(0));
    let file = dir.path().join("ci/.stethoscope/history.sqlite");
    let holder = rusqlite::Connection::open(&file).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    let out = audit(dir.path(), &["--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("6.9"), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert_eq!(err.lines().filter(|l| l.starts_with("warning:")).count(), 1, "{err}");
    assert!(err.contains("locked by another process"), "{err}");
    holder.execute_batch("COMMIT;").unwrap();
    let json = stethoscope(&["history", "--config", "ci/stethoscope.toml", "--format", "json"], dir.path());
    let runs: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1, "nothing half-written by the locked run");
}

#[test]
fn a_p99_rise_past_the_noise_rule_is_a_regression_and_endpoints_are_recorded() {
    let server = Switchable::start(HEALTHY);
    let dir = project(&server);
    let config = format!(
        "[target]\nbase_url = \"{}\"\n\n[[endpoints]]\npath = \"/products\"\npublic = true\n\n\
         [load]\nrate = 10.0\nduration = \"1s\"\nwarmup = \"0s\"\nbaseline_duration = \"1s\"\n",
        server.target
    );
    std::fs::write(dir.path().join("ci/stethoscope.toml"), config).unwrap();
    let args = ["audit", "--quiet", "--config", "ci/stethoscope.toml", "--only", "1.1", "--fail-on-regression"];
    let fast = stethoscope(&args, dir.path());
    assert_eq!(fast.status.code(), Some(0), "{}{}", text(&fast.stdout), text(&fast.stderr));
    server.slow_down(std::time::Duration::from_millis(40));
    let slow = stethoscope(&args, dir.path());
    assert_eq!(slow.status.code(), Some(1), "{}{}", text(&slow.stdout), text(&slow.stderr));
    let err = text(&slow.stderr);
    assert!(err.contains("regression against run 1: 1 latency regression(s) (GET /products p99 "), "{err}");
    let db = rusqlite::Connection::open(dir.path().join("ci/.stethoscope/history.sqlite")).unwrap();
    let rows: Vec<(i64, f64, f64, f64)> = db
        .prepare(
            "SELECT run_id, p50_ms, p99_ms, throughput_rps FROM endpoints WHERE name = 'GET /products' ORDER BY run_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[1].2 >= 40.0 && rows[1].2 > rows[0].2 + 5.0, "{rows:?}");
    assert!(rows.iter().all(|r| r.3 > 0.0), "throughput recorded: {rows:?}");
    let d = stethoscope(&["diff", "1", "2", "--config", "ci/stethoscope.toml"], dir.path());
    let shown = text(&d.stdout);
    assert!(shown.contains("Endpoint latency (1):") && shown.contains("regression"), "{shown}");
}

#[test]
fn the_source_commit_is_recorded_even_when_no_source_item_is_selected() {
    let server = Switchable::start(HEALTHY);
    let dir = project(&server);
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&repo)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_string()
    };
    git(&["init", "-q"]);
    std::fs::write(repo.join("README.md"), "service\n").unwrap();
    git(&["add", "README.md"]);
    git(&["commit", "-q", "-m", "first"]);
    let head = git(&["rev-parse", "HEAD"]);
    let config = format!("[target]\nbase_url = \"{}\"\n\n[source]\npath = \"repo\"\n", server.target);
    std::fs::write(dir.path().join("ci/stethoscope.toml"), config).unwrap();
    // `[source] path` is relative to the current directory; --only 6.9 reads no repository
    // evidence, so the commit comes from `git rev-parse` alone.
    assert_eq!(audit(dir.path(), &["--quiet"]).status.code(), Some(0));
    let json = stethoscope(&["history", "--config", "ci/stethoscope.toml", "--format", "json"], dir.path());
    let runs: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(runs["runs"][0]["commit"], head.as_str());
    let listed = text(&stethoscope(&["history", "--config", "ci/stethoscope.toml"], dir.path()).stdout);
    assert!(listed.contains(&head[..8]), "{listed}");
}

#[test]
fn an_audit_that_could_not_run_is_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(&["audit", "--quiet", "--target", "http://127.0.0.1:9", "--only", "6.9"], dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(!dir.path().join(".stethoscope").exists(), "partial numbers would read as fixes and regressions");
    let listed = stethoscope(&["history"], dir.path());
    assert_eq!(listed.status.code(), Some(2));
    assert!(text(&listed.stderr).contains("no history at ./.stethoscope/history.sqlite"), "{}", text(&listed.stderr));
}
