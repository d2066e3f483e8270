//! The run history: every audit appended to a SQLite file (one transaction per run), read
//! back by `stethoscope history`, `stethoscope diff` and `audit --fail-on-regression`.

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use steth_core::evidence::Phase;
use steth_core::report::{PhaseRow, Report};
use steth_core::{Status, diff};

/// Where the history lives unless `[history] path` or `--history` says otherwise, relative
/// to the config file's directory (or the current directory without a config).
pub const DEFAULT_FILE: &str = ".stethoscope/history.sqlite";

/// How long a write waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_millis(1500);

/// The schema, one step per version: `PRAGMA user_version` counts the steps applied, and a
/// newer stethoscope only ever appends steps.
pub const MIGRATIONS: &[&str] = &[include_str!("history/v1.sql")];

/// Why the history could not be used: one sentence naming the file.
#[derive(Debug)]
pub struct HistoryError(String);

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An SQLite error in the user's words.
fn explain(path: &Path, e: &rusqlite::Error) -> HistoryError {
    use rusqlite::ErrorCode;
    let why = match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
            "the file is not a stethoscope history database or is corrupt (move it away to start a new history)"
                .to_string()
        }
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            format!("the database is locked by another process (gave up after {} ms)", BUSY_TIMEOUT.as_millis())
        }
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::PermissionDenied) => "the file is not writable".to_string(),
        Some(ErrorCode::CannotOpen) => "the file cannot be opened".to_string(),
        _ => e.to_string(),
    };
    HistoryError(format!("{}: {why}", path.display()))
}

/// One run as `stethoscope history` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunRow {
    /// The run's id, for `stethoscope diff`.
    pub id: i64,
    /// When it started.
    pub started_at: String,
    /// The audited base URL, redacted.
    pub target: Option<String>,
    /// The source commit, when known.
    pub commit: Option<String>,
    /// Points earned.
    pub score: u32,
    /// Applicable items.
    pub max: u32,
    /// The checklist score.
    pub percent: Option<f64>,
    /// The band (`some_gaps`), absent when too little was measured.
    pub band: Option<String>,
    /// Items measured (pass, fail, warn).
    pub measured: u32,
    /// Items that failed.
    pub failing: u32,
    /// Which items were selected, when not all.
    pub selection: Option<String>,
}

/// An open history database, migrated to the current schema.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (and with `create`, creates) the database and brings its schema up to date.
    pub fn open(path: &Path, create: bool) -> Result<Store, HistoryError> {
        Store::open_with(path, create, MIGRATIONS)
    }

    /// [`Store::open`] with a given list of migrations (tests add a step to check upgrades).
    pub fn open_with(path: &Path, create: bool, migrations: &[&str]) -> Result<Store, HistoryError> {
        if !create && !path.is_file() {
            return Err(HistoryError(format!(
                "no history at {}: `stethoscope audit` records one run per audit there",
                path.display()
            )));
        }
        if create
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| HistoryError(format!("{}: cannot create the directory: {e}", dir.display())))?;
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| explain(path, &e))?;
        let mut store = Store { conn, path: path.to_path_buf() };
        store.prepare(migrations).map_err(|e| match e {
            Prepared::Sql(e) => explain(path, &e),
            Prepared::Newer(found) => HistoryError(format!(
                "{}: written by a newer stethoscope (history schema version {found}, this one reads up to {})",
                path.display(),
                migrations.len()
            )),
        })?;
        Ok(store)
    }

    fn prepare(&mut self, migrations: &[&str]) -> Result<(), Prepared> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        self.conn.pragma_update(None, "foreign_keys", true)?;
        // Reading the version reads the header: a file of garbage fails here.
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = migrations.len() as i64;
        if version > known {
            return Err(Prepared::Newer(version));
        }
        for (n, step) in migrations.iter().enumerate().skip(version.max(0) as usize) {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Another process may have migrated between our read and our lock.
            let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if now > n as i64 {
                continue;
            }
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", n as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The schema version of the open database.
    #[cfg(test)]
    pub fn version(&self) -> Result<i64, HistoryError> {
        self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| explain(&self.path, &e))
    }

    /// Appends one run in one transaction: all of it is recorded, or nothing.
    pub fn append(&mut self, report: &Report, commit: Option<&str>) -> Result<i64, HistoryError> {
        let path = self.path.clone();
        self.insert(report, commit).map_err(|e| explain(&path, &e))
    }

    fn insert(&mut self, report: &Report, commit: Option<&str>) -> rusqlite::Result<i64> {
        let json = serde_json::to_string(report).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let band =
            report.total.band.and_then(|b| serde_json::to_value(b).ok()).and_then(|v| v.as_str().map(String::from));
        let c = &report.coverage;
        tx.execute(
            "INSERT INTO runs (started_at, duration_ms, target, config, selection, tool_version, report_schema,
                git_commit, score, max, percent, band, band_label, measured, attested, not_assessed, errors, na,
                failing, report_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            params![
                report.run.started_at,
                i64::try_from(report.run.duration_ms).unwrap_or(i64::MAX),
                report.run.target,
                report.run.config,
                report.run.selection,
                report.tool.version,
                report.schema_version,
                commit,
                report.total.score,
                report.total.max,
                report.total.percent,
                band,
                report.total.band_label,
                c.measured,
                c.attested,
                c.not_assessed,
                c.error,
                c.na,
                report.count(Status::Fail) as i64,
                json,
            ],
        )?;
        let run = tx.last_insert_rowid();
        {
            let mut item = tx.prepare(
                "INSERT INTO items (run_id, id, section, title, status, measured, threshold, extended)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let extended = report.extended.iter().flat_map(|e| &e.items).map(|i| (i, true));
            for (i, is_extended) in report.items.iter().map(|i| (i, false)).chain(extended) {
                item.execute(params![
                    run,
                    i.id,
                    i.section.key(),
                    i.title,
                    status_key(i.status),
                    i.measured,
                    i.threshold,
                    is_extended
                ])?;
            }
            let mut endpoint = tx.prepare(
                "INSERT INTO endpoints (run_id, name, method, p50_ms, p95_ms, p99_ms, max_ms, requests,
                    throughput_rps, failures, status, queries, queries_per_request, seq_scans, new_connections)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            for row in report.load.iter().flat_map(|l| &l.endpoints) {
                let db = db_work(&row.phases);
                let count = |n: Option<u64>| n.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
                endpoint.execute(params![
                    run,
                    row.name,
                    row.method,
                    row.p50_ms,
                    row.p95_ms,
                    row.p99_ms,
                    row.max_ms,
                    i64::try_from(row.requests).unwrap_or(i64::MAX),
                    row.achieved_rate,
                    i64::try_from(row.failures).unwrap_or(i64::MAX),
                    status_key(row.status),
                    count(db.and_then(|d| d.queries)),
                    db.and_then(|d| d.queries_per_request),
                    count(db.and_then(|d| d.seq_scans)),
                    count(db.and_then(|d| d.new_connections)),
                ])?;
            }
        }
        tx.commit()?;
        Ok(run)
    }

    /// The last `limit` runs, oldest first.
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRow>, HistoryError> {
        let read = || -> rusqlite::Result<Vec<RunRow>> {
            let mut stmt = self.conn.prepare(
                "SELECT id, started_at, target, git_commit, score, max, percent, band, measured, failing, selection
                 FROM runs ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    target: r.get(2)?,
                    commit: r.get(3)?,
                    score: r.get(4)?,
                    max: r.get(5)?,
                    percent: r.get(6)?,
                    band: r.get(7)?,
                    measured: r.get(8)?,
                    failing: r.get(9)?,
                    selection: r.get(10)?,
                })
            })?;
            let mut runs = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            runs.reverse();
            Ok(runs)
        };
        read().map_err(|e| explain(&self.path, &e))
    }

    /// A run's saved report and the source commit recorded with it.
    pub fn report(&self, id: i64) -> Result<(Report, Option<String>), HistoryError> {
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row("SELECT report_json, git_commit FROM runs WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(|e| explain(&self.path, &e))?;
        let (json, commit) = row.ok_or_else(|| {
            HistoryError(format!("{}: no run {id} (`stethoscope history` lists them)", self.path.display()))
        })?;
        let report = steth_report::json::load(&json)
            .map_err(|e| HistoryError(format!("{}: run {id}: {e}", self.path.display())))?;
        Ok((report, commit))
    }

    /// The most recent run against `target` before run `before` (or before any new run).
    pub fn previous(&self, target: Option<&str>, before: Option<i64>) -> Result<Option<i64>, HistoryError> {
        self.conn
            .query_row(
                "SELECT id FROM runs WHERE target IS ?1 AND id < ?2 ORDER BY id DESC LIMIT 1",
                params![target, before.unwrap_or(i64::MAX)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| explain(&self.path, &e))
    }

    /// A run named on the command line: its id, `latest` or `previous` (the one before latest).
    pub fn resolve(&self, name: &str) -> Result<i64, HistoryError> {
        let nth = |n: i64| -> Result<i64, HistoryError> {
            self.conn
                .query_row("SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?1", [n], |r| r.get(0))
                .optional()
                .map_err(|e| explain(&self.path, &e))?
                .ok_or_else(|| {
                    HistoryError(format!(
                        "{}: `{name}`: the history holds fewer than {} run(s)",
                        self.path.display(),
                        n + 1
                    ))
                })
        };
        match name {
            "latest" => nth(0),
            "previous" => nth(1),
            _ => {
                let id: i64 = name.trim_start_matches('#').parse().map_err(|_| {
                    HistoryError(format!(
                        "`{name}` is neither a run id, `latest`, `previous` nor an existing JSON report file"
                    ))
                })?;
                let found: Option<i64> = self
                    .conn
                    .query_row("SELECT id FROM runs WHERE id = ?1", [id], |r| r.get(0))
                    .optional()
                    .map_err(|e| explain(&self.path, &e))?;
                found.ok_or_else(|| {
                    HistoryError(format!("{}: no run {id} (`stethoscope history` lists them)", self.path.display()))
                })
            }
        }
    }
}

enum Prepared {
    Sql(rusqlite::Error),
    Newer(i64),
}

impl From<rusqlite::Error> for Prepared {
    fn from(e: rusqlite::Error) -> Prepared {
        Prepared::Sql(e)
    }
}

/// The JSON word of a status (`not_assessed`), as the report's JSON spells it.
fn status_key(status: Status) -> String {
    serde_json::to_value(status).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// What the database did for one endpoint in its normal-load phase, as the report's endpoint
/// row gives it (counted as 2.4 counts: the driver's housekeeping left out).
fn db_work(phases: &[PhaseRow]) -> Option<&PhaseRow> {
    phases.iter().find(|p| p.phase == Phase::Normal)
}

/// The history file for a config: `[history] path`, else `.stethoscope/history.sqlite` beside
/// the config file, else in the current directory.
pub fn default_path(config: Option<&Path>) -> PathBuf {
    let dir = config.and_then(Path::parent).filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    dir.join(DEFAULT_FILE)
}

/// The trend of scores as a sparkline, one bar per run (` ` for a run without a score).
pub fn sparkline(percents: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    percents
        .iter()
        .map(|p| match p {
            Some(p) if p.is_finite() => BARS[((p.clamp(0.0, 100.0) / 100.0) * 7.0).round() as usize],
            _ => ' ',
        })
        .collect()
}

/// The diff side of a history run.
pub fn side(id: i64, report: &Report, commit: Option<String>) -> diff::Side {
    diff::Side::of(format!("run {id}"), report, commit)
}

#[cfg(test)]
mod tests;
