//! The HTML report in a real browser: the demo's audit rendered with `--format html`, opened in
//! headless Chromium (Debian's `chromium`, installed by `scripts/browser.sh`), which must log no
//! console error and whose DOM must hold the charts and every item; a screenshot is written.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
#[path = "support/run.rs"]
mod run;
use run::{stethoscope, text};

const CHROMIUM: &str = "/usr/bin/chromium";
/// The most a Chromium run may take before the test fails.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// The browser, or a failure that says how to get it: CI installs it, so a missing browser is
/// a broken setup, not a reason to pass.
fn chromium() -> PathBuf {
    let path = std::env::var_os("STETHOSCOPE_CHROMIUM").map_or_else(|| PathBuf::from(CHROMIUM), PathBuf::from);
    assert!(
        path.exists(),
        "{} is missing: run `scripts/browser.sh` (it installs Debian's chromium package; scripts/test.sh does)",
        path.display()
    );
    path
}

/// Runs headless Chromium on a file with a fresh profile, killed after `BROWSER_TIMEOUT`.
fn headless(page: &Path, profile: &Path, extra: &[&str]) -> Output {
    let url = format!("file://{}", page.display());
    let mut child = Command::new(chromium())
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check"])
        .args(["--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio"])
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes on threads so a full pipe cannot stall the browser.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).ok();
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf).ok();
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for chromium") {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within {BROWSER_TIMEOUT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
}

/// Console messages from Chromium's stderr log. The page runs no script, so any message is an
/// error: an uncaught exception, or its Content-Security-Policy (`default-src 'none'`) blocking
/// a fetch of something the page should not need.
fn console_errors(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("net::ERR_")).collect()
}

#[test]
fn the_demo_report_renders_in_headless_chromium() {
    let browser = chromium();
    let dir = tempfile::tempdir().unwrap();
    let audit = stethoscope(&["demo", "--quiet", "--format", "json", "--out", "demo.json"], dir.path());
    assert!(audit.status.success(), "the demo runs: {}", text(&audit.stderr));
    let report: Value = serde_json::from_slice(&std::fs::read(dir.path().join("demo.json")).unwrap()).unwrap();
    let html = stethoscope(&["report", "demo.json", "--format", "html", "--out", "demo.html"], dir.path());
    assert!(html.status.success(), "the saved demo renders as HTML: {}", text(&html.stderr));
    let page = dir.path().join("demo.html");
    let source = std::fs::read_to_string(&page).unwrap();
    assert!(source.len() <= 500 * 1024, "the demo's HTML report is {} bytes, over 500 KB", source.len());
    assert!(!source.to_lowercase().contains("<script"), "no script in the page");

    let started = Instant::now();
    let profile = tempfile::tempdir().unwrap();
    let dom = headless(&page, profile.path(), &["--dump-dom", "--virtual-time-budget=2000"]);
    let log = text(&dom.stderr);
    assert!(dom.status.success(), "{} --dump-dom failed: {log}", browser.display());
    let errors = console_errors(&log);
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    let dom = text(&dom.stdout);
    assert!(dom.contains("<main>") && dom.contains("</html>"), "the DOM was dumped: {}", &dom[..dom.len().min(300)]);

    // The charts: score ring, coverage, sections, and two per loaded endpoint, each an image
    // with a title a screen reader reads.
    let endpoints = report["load"]["endpoints"].as_array().map_or(0, Vec::len);
    let svgs = dom.matches("<svg").count();
    assert!(svgs >= 3 + 2 * endpoints, "{svgs} charts for {endpoints} endpoint(s)");
    assert_eq!(dom.matches("<svg role=\"img\"").count(), svgs, "every chart has role=img");
    assert!(dom.matches("<title id=\"t-").count() >= svgs, "every chart has a title");
    for id in ["t-gauge", "t-coverage", "t-sections"] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "chart {id} is in the DOM");
    }

    // Every item, the 71 and the extended ones, has its row.
    let mut ids: Vec<&str> = report["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    if let Some(extended) = report["extended"]["items"].as_array() {
        ids.extend(extended.iter().map(|i| i["id"].as_str().unwrap()));
    }
    assert!(ids.len() >= 71, "the demo reports every item");
    for id in &ids {
        assert!(dom.contains(&format!("id=\"item-{id}\"")), "item {id} is in the DOM");
    }

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    std::fs::remove_file(&shot).ok();
    let profile = tempfile::tempdir().unwrap();
    let screenshot = headless(
        &page,
        profile.path(),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1280,2400", "--hide-scrollbars"],
    );
    assert!(screenshot.status.success(), "screenshot failed: {}", text(&screenshot.stderr));
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "a screenshot was written to {}", shot.display());
    eprintln!(
        "html report: {} bytes, {} items, {svgs} charts; browser test {:.1} s; screenshot {}",
        source.len(),
        ids.len(),
        started.elapsed().as_secs_f64(),
        shot.display()
    );
}

/// The console check catches what it is there for: a page that fetches something and runs a
/// script, under the report's own Content-Security-Policy, logs messages the test sees.
#[test]
fn the_console_check_sees_a_blocked_fetch_and_script() {
    chromium();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\"></head><body><img src=\"http://127.0.0.1:9/x.png\"><script>undefinedFn()</script></body></html>",
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = headless(&page, profile.path(), &["--dump-dom"]);
    let log = text(&out.stderr);
    assert!(console_errors(&log).len() >= 2, "the blocked image and script are logged: {log}");
}
