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
fn an_endpoints_database_work_comes_from_its_normal_phase_window() {
    use steth_core::evidence::{
        Evidence, PgEvidence, PgWorkload, PhaseWindow, Slot, StatementDelta, StatementWindow, TableScans,
    };
    let window = |phase: Phase, calls: u64| PhaseWindow {
        endpoint: "GET /products".into(),
        phase,
        requests: 200,
        secs: 10.0,
        statements: Slot::collected(StatementWindow {
            statements: vec![StatementDelta {
                query: "SELECT * FROM products WHERE id = $1".into(),
                calls,
                mean_ms: 0.2,
                stddev_ms: 0.1,
                max_ms: 3.0,
                rows: calls,
            }],
            incomplete: None,
        }),
        tables: Slot::collected(vec![TableScans {
            table: "public.products".into(),
            live_rows: 10_000,
            seq_scans: 4,
            seq_rows: 40_000,
            index_scans: 596,
        }]),
        new_sessions: Slot::collected(2),
    };
    let pg = PgEvidence {
        server_version: "16.4".into(),
        database: "shop".into(),
        app_role: "shop".into(),
        app_role_assumed: false,
        schema: Slot::unavailable("not read"),
        settings: Slot::unavailable("not read"),
        workload: Slot::collected(PgWorkload { windows: vec![window(Phase::Baseline, 7), window(Phase::Normal, 600)] }),
        activity: Slot::default(),
        index_bloat: Slot::default(),
        plans: Slot::default(),
        pooler: Slot::default(),
        scan_totals: Slot::default(),
        bloat_estimate: Slot::default(),
        replication: Slot::default(),
        statement_totals: Slot::unavailable("not read"),
    };
    let mut r = report(Status::Pass, "2026-11-25T10:00:00Z");
    r.raw_evidence = Some(Evidence { pg: Slot::collected(pg), ..Evidence::default() });
    let work = db_work(&r, "GET /products");
    assert_eq!(work.queries, Some(600), "the normal phase, not the baseline");
    assert_eq!(work.per_request, Some(3.0));
    assert_eq!((work.seq_scans, work.new_connections), (Some(4), Some(2)));
    let none = db_work(&r, "GET /other");
    assert_eq!((none.queries, none.per_request, none.seq_scans, none.new_connections), (None, None, None, None));
}
