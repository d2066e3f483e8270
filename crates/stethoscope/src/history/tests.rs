//! The history store against real SQLite files in temp directories: round trip, atomicity,
//! migrations, a corrupt file, a locked file.

use super::*;
use steth_core::catalog;
use steth_core::outcome::Outcome;
use steth_core::policy::Assessed;
use steth_core::report::Run;

fn report(status_69: Status, started_at: &str) -> Report {
    let assessed = |id: &str, outcome: Outcome| {
        let item = catalog::find(id).expect("the item exists");
        Assessed { item, threshold: item.default_threshold.clone(), outcome }
    };
    let six_nine = match status_69 {
        Status::Fail => Outcome::fail("1 missing header(s)", "1 response checked")
            .with_findings(["GET /: Content-Security-Policy missing".to_string()]),
        _ => Outcome::pass("all headers set", "1 response checked"),
    };
    let items = vec![assessed("6.9", six_nine), assessed("2.5", Outcome::not_assessed("no database configured"))];
    let run = Run {
        started_at: started_at.into(),
        duration_ms: 120,
        target: Some("http://127.0.0.1:8080/".into()),
        config: None,
        selection: Some("--only 6.9,2.5".into()),
        sources: Vec::new(),
    };
    Report::build(run, &items, None)
}

fn count(path: &Path, table: &str) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn runs_are_appended_listed_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/history.sqlite");
    let mut store = Store::open(&path, true).unwrap();
    let first = report(Status::Pass, "2026-11-25T10:00:00Z");
    let a = store.append(&first, Some("0123456789abcdef")).unwrap();
    let b = store.append(&report(Status::Fail, "2026-11-25T11:00:00Z"), None).unwrap();
    assert!(b > a);
    drop(store);
    let store = Store::open(&path, false).unwrap();
    let runs = store.runs(10).unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a, b], "oldest first");
    assert_eq!(runs[0].commit.as_deref(), Some("0123456789abcdef"));
    assert_eq!((runs[0].failing, runs[1].failing), (0, 1));
    assert_eq!(store.runs(1).unwrap()[0].id, b, "the limit keeps the latest");
    let (back, commit) = store.report(a).unwrap();
    assert_eq!(back, first);
    assert_eq!(commit.as_deref(), Some("0123456789abcdef"));
    assert_eq!(store.resolve("latest").unwrap(), b);
    assert_eq!(store.resolve("previous").unwrap(), a);
    assert_eq!(store.resolve(&a.to_string()).unwrap(), a);
    assert!(store.resolve("99").unwrap_err().to_string().contains("no run 99"));
    assert_eq!(store.previous(Some("http://127.0.0.1:8080/"), None).unwrap(), Some(b));
    assert_eq!(store.previous(Some("http://127.0.0.1:8080/"), Some(b)).unwrap(), Some(a));
    assert_eq!(store.previous(Some("http://other/"), None).unwrap(), None);
    assert_eq!(count(&path, "items"), 4, "every item of both runs");
}

#[test]
fn reading_a_missing_history_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let e = Store::open(&dir.path().join("none.sqlite"), false).err().expect("no file, no store");
    assert!(e.to_string().contains("no history at"), "{e}");
}

#[test]
fn a_v1_database_is_upgraded_by_a_later_step_and_keeps_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let mut store = Store::open(&path, true).unwrap();
    assert_eq!(store.version().unwrap(), 1);
    let id = store.append(&report(Status::Fail, "2026-11-25T10:00:00Z"), None).unwrap();
    drop(store);
    // A v2 as a later stethoscope might ship it: a step appended to the list.
    let v2: Vec<&str> = MIGRATIONS.iter().copied().chain(["ALTER TABLE runs ADD COLUMN note TEXT;"]).collect();
    let store = Store::open_with(&path, false, &v2).unwrap();
    assert_eq!(store.version().unwrap(), 2);
    assert_eq!(store.report(id).unwrap().0.run.started_at, "2026-11-25T10:00:00Z");
    let note: Option<String> = store.conn.query_row("SELECT note FROM runs", [], |r| r.get(0)).unwrap();
    assert_eq!(note, None, "the new column exists");
    drop(store);
    // Opening the v2 file again with v2 runs no step twice.
    assert_eq!(Store::open_with(&path, false, &v2).unwrap().version().unwrap(), 2);
    // This build knows only v1: it refuses the newer file instead of misreading it.
    let e = Store::open(&path, false).err().expect("a newer schema is refused");
    assert!(e.to_string().contains("written by a newer stethoscope (history schema version 2"), "{e}");
}

#[test]
fn a_failing_migration_step_leaves_the_version_and_data_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let mut store = Store::open(&path, true).unwrap();
    store.append(&report(Status::Pass, "2026-11-25T10:00:00Z"), None).unwrap();
    drop(store);
    let broken: Vec<&str> = MIGRATIONS
        .iter()
        .copied()
        .chain(["ALTER TABLE runs ADD COLUMN a TEXT; ALTER TABLE nope ADD COLUMN b TEXT;"])
        .collect();
    assert!(Store::open_with(&path, false, &broken).is_err());
    let store = Store::open(&path, false).unwrap();
    assert_eq!(store.version().unwrap(), 1);
    let columns: i64 = store
        .conn
        .query_row("SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'a'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(columns, 0, "the half-applied step was rolled back");
    assert_eq!(store.runs(10).unwrap().len(), 1);
}

#[test]
fn a_corrupt_file_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    std::fs::write(&path, b"this is not SQLite at all, just some garbage bytes \x00\x01\x02".repeat(200)).unwrap();
    let e = Store::open(&path, true).err().expect("garbage is refused");
    let text = e.to_string();
    assert!(text.starts_with(&path.display().to_string()), "{text}");
    assert!(text.contains("not a stethoscope history database or is corrupt"), "{text}");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"this is not SQLite"), "the file is left as it was");
}

#[test]
fn a_locked_file_is_an_error_after_the_busy_timeout_and_nothing_is_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let mut store = Store::open(&path, true).unwrap();
    let holder = Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    let started = std::time::Instant::now();
    let e = store.append(&report(Status::Pass, "2026-11-25T10:00:00Z"), None).unwrap_err();
    assert!(e.to_string().contains("locked by another process"), "{e}");
    assert!(started.elapsed() >= BUSY_TIMEOUT.saturating_sub(Duration::from_millis(100)), "it waited");
    assert!(started.elapsed() < Duration::from_secs(10), "and gave up");
    holder.execute_batch("COMMIT;").unwrap();
    assert_eq!(count(&path, "runs"), 0);
    assert_eq!(count(&path, "items"), 0);
    store.append(&report(Status::Pass, "2026-11-25T10:00:00Z"), None).unwrap();
    assert_eq!(count(&path, "runs"), 1);
}

#[test]
fn the_sparkline_scales_0_to_100() {
    assert_eq!(sparkline(&[Some(0.0), Some(50.0), Some(100.0), None, Some(140.0)]), "▁▅█ █");
}

#[test]
fn an_endpoints_database_work_comes_from_its_normal_phase_row() {
    let row = |phase: Phase, queries: u64| PhaseRow {
        phase,
        requests: 200,
        achieved_rate: 20.0,
        latency: Default::default(),
        queries: Some(queries),
        queries_per_request: Some(queries as f64 / 200.0),
        seq_scans: Some(4),
        seq_rows: Some(40),
        new_connections: Some(2),
        cache_hits: None,
        cache_misses: None,
    };
    let phases = [row(Phase::Baseline, 7), row(Phase::Normal, 600)];
    let work = db_work(&phases).expect("a normal phase");
    assert_eq!((work.queries, work.queries_per_request), (Some(600), Some(3.0)), "the normal phase, not the baseline");
    assert!(db_work(&phases[..1]).is_none());
}
