//! Counter snapshots around each load phase: `pg_stat_statements`, `pg_stat_user_tables` and
//! `pg_stat_database` right before and right after the phase, turned into the phase's deltas
//! (evidence for 2.1, 2.3, 2.4 and 4.1). After the last phase it samples the service's sessions
//! (4.5, 4.6). Every statement it runs carries the [`MARK`] comment and is excluded.

use super::activity::SessionLog;
use super::frequent;
use super::session::{Session, connect, describe};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use steth_core::config::Plan;
use steth_core::evidence::{
    PgActivity, PgWorkload, Phase, PhaseResult, PhaseWindow, Slot, StatementDelta, StatementPlan, StatementTotals,
    StatementWindow, TableScans,
};
use tokio::sync::Mutex;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use crate::load::{Finish, PhaseInfo, PhaseObserver};

/// Leads every statement stethoscope runs while observing, so `pg_stat_statements` entries of
/// its own can be told apart from the service's.
pub const MARK: &str = "/* stethoscope */";

const STATEMENTS: &str = "/* stethoscope */ SELECT userid, queryid, calls, total_exec_time, stddev_exec_time,
       max_exec_time, rows, query
  FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())";

const STATEMENTS_INFO: &str = "/* stethoscope */ SELECT dealloc, stats_reset::text FROM pg_stat_statements_info";

pub(super) const TABLES: &str =
    "/* stethoscope */ SELECT format('%I.%I', t.schemaname, t.relname), coalesce(t.seq_scan, 0),
       coalesce(t.seq_tup_read, 0), coalesce(t.idx_scan, 0), greatest(t.n_live_tup, c.reltuples::bigint, 0)
  FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid";

const SESSIONS: &str = "/* stethoscope */ SELECT sessions, current_setting('server_version_num')::int FROM pg_stat_database WHERE datname = current_database()";

/// One statement's cumulative counters.
#[derive(Clone)]
pub(super) struct StatementCounters {
    calls: i64,
    total_ms: f64,
    sum_squares: f64,
    max_ms: f64,
    rows: i64,
    /// The text shown in the evidence: whitespace collapsed, at most [`SHOWN_CHARS`] characters.
    pub(super) query: String,
    /// The full normalized text, newlines and comments intact: what gets explained.
    pub(super) text: String,
}

/// The length of a statement's text as the evidence shows it.
const SHOWN_CHARS: usize = 300;

/// A statement's text for the evidence: whitespace collapsed and cut to [`SHOWN_CHARS`].
fn shown(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

#[derive(Clone)]
struct TableCounters {
    seq_scans: i64,
    seq_rows: i64,
    index_scans: i64,
    live_rows: i64,
}

/// `dealloc` and `stats_reset` of `pg_stat_statements_info` (PostgreSQL 14+).
pub(super) type StatementsInfo = Option<(i64, Option<String>)>;

/// Everything read at one instant.
pub(super) struct Snapshot {
    at: Instant,
    pub(super) statements: Slot<HashMap<(u32, i64), StatementCounters>>,
    info: StatementsInfo,
    tables: Slot<HashMap<String, TableCounters>>,
    sessions: Slot<i64>,
}

struct State {
    session: Result<Session, String>,
    open: Option<(String, Phase, Snapshot)>,
    windows: Vec<PhaseWindow>,
    sessions: SessionLog,
    /// The full text of every statement the windows show shortened, to explain it whole.
    texts: HashMap<String, String>,
}

/// What the observer hands over when the audit's load phases are done: its own slots of the
/// PostgreSQL evidence.
#[derive(Debug, Clone)]
pub struct PgFindings {
    /// The windows recorded around the load phases.
    pub workload: Slot<PgWorkload>,
    /// The service's sessions, watched past the load phases while idle ones could still be judged.
    pub activity: Slot<PgActivity>,
    /// Generic plans of the frequent statements (under load, or since the counters' reset).
    pub plans: Slot<Vec<StatementPlan>>,
    /// The cumulative statement counters, read when no load phase ran.
    pub totals: Slot<StatementTotals>,
}

impl PgFindings {
    /// Findings where the observer found nothing, every slot missing as `why` is.
    pub fn missing(why: &Slot<()>) -> PgFindings {
        use crate::load::missing_as as like;
        PgFindings { workload: like(why), activity: like(why), plans: like(why), totals: like(why) }
    }
}

/// Snapshots PostgreSQL's counters around every load phase on one session of its own.
pub struct PgObserver {
    state: Mutex<State>,
    app_role: String,
    /// stethoscope's own role, when it differs from the service's (its statements are excluded).
    own_role: Option<u32>,
    database: String,
    warmup: Duration,
    session_watch: Duration,
    started: Instant,
}

impl PgObserver {
    /// Opens the observing session; `None` without a `[postgres]` target. A failed connection
    /// is kept and reported by its [`Finish::finish`].
    pub async fn connect(plan: &Plan) -> Option<PgObserver> {
        let target = plan.postgres.as_ref()?;
        let session = connect(target).await;
        let mut app_role = target.app_role.clone().unwrap_or_default();
        let mut own_role = None;
        let mut database = String::new();
        if let Ok(s) = &session {
            let sql = "/* stethoscope */ SELECT current_user::text, (SELECT oid FROM pg_roles WHERE rolname = current_user), current_database()::text";
            if let Ok(row) = s.client.query_one(sql, &[]).await {
                let me: String = row.get(0);
                if app_role.is_empty() {
                    app_role = me.clone();
                }
                if me != app_role {
                    own_role = Some(row.get(1));
                }
                database = row.get(2);
            }
        }
        let mut sessions = SessionLog::default();
        if let Ok(s) = &session {
            sessions.sample(&s.client, &app_role, "before the load phases").await;
        }
        let state = State { session, open: None, windows: Vec::new(), sessions, texts: HashMap::new() };
        Some(PgObserver {
            state: Mutex::new(state),
            app_role,
            own_role,
            database,
            warmup: plan.load.warmup,
            session_watch: target.session_watch,
            started: Instant::now(),
        })
    }

    /// The windows recorded; the service's sessions with a last sample taken now, and the
    /// sessions idle at that moment watched until their stay can be judged (at most
    /// `[postgres] session_watch`); the generic plans of the statements run often under normal
    /// load or, without load, since the counters' last reset (read last: planning touches no
    /// counter the windows use, but nothing is left to chance).
    async fn findings(self) -> PgFindings {
        let mut state = self.state.into_inner();
        let session = match &state.session {
            Ok(s) => s,
            Err(e) => return PgFindings::missing(&Slot::failed(e.as_str())),
        };
        let client = &session.client;
        state.sessions.sample(client, &self.app_role, "after the load phases").await;
        let watched = state.sessions.watch_idle(client, &self.app_role, self.session_watch).await;
        let activity = state.sessions.finish(self.started.elapsed().as_secs_f64(), watched, self.session_watch);
        if state.windows.is_empty() {
            let none = "no load phase ran";
            let (totals, texts) = frequent::read_totals(client, self.own_role, &self.database).await;
            let plans = match &totals {
                Slot::Collected { data } => frequent::plan_cumulative(client, data, &texts).await,
                Slot::Unavailable { reason } => Slot::unavailable(reason.clone()),
                Slot::Failed { error } => Slot::failed(error.clone()),
            };
            return PgFindings { workload: Slot::unavailable(none), activity, plans, totals };
        }
        let plans = frequent::plan_frequent(client, &state.windows, &state.texts).await;
        let totals = Slot::unavailable("load phases ran: the windows' counters are used");
        PgFindings { workload: Slot::collected(PgWorkload { windows: state.windows }), activity, plans, totals }
    }
}

/// Reads the counters a window compares, on `client`, at one instant.
pub(super) async fn snapshot(client: &Client, own_role: Option<u32>, database: &str) -> Snapshot {
    let at = Instant::now();
    let statements = read_statements(client, own_role, database).await;
    let info = match client.query_one(STATEMENTS_INFO, &[]).await {
        Ok(row) => Some((row.get(0), row.get(1))),
        Err(_) => None,
    };
    let tables = match client.query(TABLES, &[]).await {
        Ok(rows) => Slot::collected(
            rows.iter()
                .map(|r| {
                    let c = TableCounters {
                        seq_scans: r.get(1),
                        seq_rows: r.get(2),
                        index_scans: r.get(3),
                        live_rows: r.get(4),
                    };
                    (r.get::<_, String>(0), c)
                })
                .collect(),
        ),
        Err(e) => Slot::failed(format!("cannot read pg_stat_user_tables: {}", describe(&e))),
    };
    let sessions = match client.query_one(SESSIONS, &[]).await {
        Ok(row) if row.get::<_, i32>(1) >= 140_000 => Slot::collected(row.get(0)),
        Ok(_) => Slot::unavailable("pg_stat_database.sessions needs PostgreSQL 14 or later"),
        Err(e) => Slot::failed(format!("cannot read pg_stat_database: {}", describe(&e))),
    };
    Snapshot { at, statements, info, tables, sessions }
}

pub(super) async fn read_statements(
    client: &Client,
    own_role: Option<u32>,
    database: &str,
) -> Slot<HashMap<(u32, i64), StatementCounters>> {
    let rows = match client.query(STATEMENTS, &[]).await {
        Ok(rows) => rows,
        Err(e) => return statements_unavailable(&e, database),
    };
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let userid: u32 = r.get(0);
        let text: String = r.get::<_, Option<String>>(7).unwrap_or_default();
        if text.trim_start().starts_with(MARK) || own_role == Some(userid) {
            continue;
        }
        let Some(queryid) = r.get::<_, Option<i64>>(1) else {
            return Slot::unavailable(
                "stethoscope's role cannot see the service's statements in pg_stat_statements: \
                 GRANT pg_read_all_stats TO <stethoscope's role>; (pg_monitor includes it)",
            );
        };
        let calls: i64 = r.get(2);
        let (total_ms, stddev): (f64, f64) = (r.get(3), r.get(4));
        let mean = if calls > 0 { total_ms / calls as f64 } else { 0.0 };
        // pg_stat_statements keeps the population variance, so calls × (sd² + mean²) is the
        // sum of squares, which subtracts exactly between two snapshots.
        let sum_squares = calls as f64 * (stddev * stddev + mean * mean);
        let query = shown(&text);
        let c = StatementCounters { calls, total_ms, sum_squares, max_ms: r.get(5), rows: r.get(6), query, text };
        out.insert((userid, queryid), c);
    }
    Slot::collected(out)
}

fn statements_unavailable<T>(e: &tokio_postgres::Error, database: &str) -> Slot<T> {
    match e.code() {
        Some(c) if *c == SqlState::UNDEFINED_TABLE => Slot::unavailable(format!(
            "pg_stat_statements is not installed in database {database}: CREATE EXTENSION pg_stat_statements; \
             (with pg_stat_statements in shared_preload_libraries)"
        )),
        Some(c) if *c == SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE => Slot::unavailable(
            "pg_stat_statements is not preloaded: add it to shared_preload_libraries in postgresql.conf and restart PostgreSQL",
        ),
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => Slot::unavailable(format!(
            "stethoscope's role may not read pg_stat_statements ({}): GRANT pg_monitor TO <stethoscope's role>;",
            describe(e)
        )),
        _ => Slot::failed(format!("cannot read pg_stat_statements: {}", describe(e))),
    }
}

/// Combines two slots read at either end of a window.
fn both<'a, A, B, T>(before: &'a Slot<A>, after: &'a Slot<B>, f: impl FnOnce(&'a A, &'a B) -> T) -> Slot<T> {
    match (before, after) {
        (Slot::Collected { data: a }, Slot::Collected { data: b }) => Slot::collected(f(a, b)),
        (Slot::Failed { error }, _) | (_, Slot::Failed { error }) => Slot::failed(error.clone()),
        (Slot::Unavailable { reason }, _) | (_, Slot::Unavailable { reason }) => Slot::unavailable(reason.clone()),
    }
}

pub(super) fn statement_deltas(
    before: &HashMap<(u32, i64), StatementCounters>,
    after: &HashMap<(u32, i64), StatementCounters>,
    info: (&StatementsInfo, &StatementsInfo),
) -> StatementWindow {
    let mut statements = Vec::new();
    let mut went_back = 0;
    for (key, a) in after {
        let b = before.get(key);
        let calls = a.calls - b.map_or(0, |b| b.calls);
        if calls < 0 {
            went_back += 1;
            continue;
        }
        if calls == 0 {
            continue;
        }
        let n = calls as f64;
        let total = a.total_ms - b.map_or(0.0, |b| b.total_ms);
        let squares = a.sum_squares - b.map_or(0.0, |b| b.sum_squares);
        let mean = total / n;
        statements.push(StatementDelta {
            query: a.query.clone(),
            calls: calls as u64,
            mean_ms: mean,
            stddev_ms: (squares / n - mean * mean).max(0.0).sqrt(),
            max_ms: a.max_ms,
            rows: (a.rows - b.map_or(0, |b| b.rows)).max(0) as u64,
        });
    }
    statements.sort_by_key(|s| std::cmp::Reverse(s.calls));
    let mut incomplete = Vec::new();
    if let (Some((dealloc_before, reset_before)), Some((dealloc_after, reset_after))) = info {
        if reset_before != reset_after {
            incomplete.push("pg_stat_statements was reset during the window".to_string());
        }
        if dealloc_after > dealloc_before {
            incomplete.push(format!(
                "pg_stat_statements deallocated entries {} time(s) during the window (raise pg_stat_statements.max)",
                dealloc_after - dealloc_before
            ));
        }
    }
    if went_back > 0 {
        incomplete.push(format!("{went_back} statement(s) had fewer calls after the window than before"));
    }
    let gone = before.keys().filter(|k| !after.contains_key(k)).count();
    if gone > 0 {
        incomplete.push(format!("{gone} statement(s) disappeared from pg_stat_statements during the window"));
    }
    StatementWindow { statements, incomplete: (!incomplete.is_empty()).then(|| incomplete.join("; ")) }
}

/// One phase's window: the deltas between the snapshots at either end.
pub(super) fn phase_window(
    endpoint: String,
    phase: Phase,
    requests: u64,
    before: &Snapshot,
    after: &Snapshot,
) -> PhaseWindow {
    PhaseWindow {
        endpoint,
        phase,
        requests,
        secs: after.at.duration_since(before.at).as_secs_f64(),
        statements: both(&before.statements, &after.statements, |b, a| {
            statement_deltas(b, a, (&before.info, &after.info))
        }),
        tables: both(&before.tables, &after.tables, table_deltas),
        new_sessions: both(&before.sessions, &after.sessions, |b, a| (a - b).max(0) as u64),
    }
}

fn table_deltas(before: &HashMap<String, TableCounters>, after: &HashMap<String, TableCounters>) -> Vec<TableScans> {
    let mut out: Vec<TableScans> = after
        .iter()
        .filter_map(|(table, a)| {
            let b = before.get(table);
            let seq = a.seq_scans - b.map_or(0, |b| b.seq_scans);
            let idx = a.index_scans - b.map_or(0, |b| b.index_scans);
            (seq > 0 || idx > 0).then(|| TableScans {
                table: table.clone(),
                live_rows: a.live_rows.max(0) as u64,
                seq_scans: seq.max(0) as u64,
                seq_rows: (a.seq_rows - b.map_or(0, |b| b.seq_rows)).max(0) as u64,
                index_scans: idx.max(0) as u64,
            })
        })
        .collect();
    out.sort_by(|x, y| x.table.cmp(&y.table));
    out
}

impl Finish for PgObserver {
    type Found = PgFindings;

    fn finish(self) -> impl std::future::Future<Output = PgFindings> + Send {
        self.findings()
    }
}

impl PhaseObserver for PgObserver {
    fn before(&self, info: &PhaseInfo) -> BoxFuture<'_, ()> {
        let (endpoint, phase) = (info.endpoint.clone(), info.phase);
        Box::pin(async move {
            let mut state = self.state.lock().await;
            let State { session: Ok(session), sessions, open, .. } = &mut *state else { return };
            let snapshot = snapshot(&session.client, self.own_role, &self.database).await;
            sessions.sample(&session.client, &self.app_role, &format!("before {phase} {endpoint}")).await;
            *open = Some((endpoint, phase, snapshot));
        })
    }

    fn after<'a>(&'a self, info: &'a PhaseInfo, result: &'a PhaseResult) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            let State { session: Ok(session), sessions, .. } = &mut *state else { return };
            let after = snapshot(&session.client, self.own_role, &self.database).await;
            sessions.sample(&session.client, &self.app_role, &format!("after {} {}", info.phase, info.endpoint)).await;
            if let Slot::Collected { data } = &after.statements {
                state.texts.extend(data.values().map(|c| (c.query.clone(), c.text.clone())));
            }
            let Some((endpoint, phase, before)) = state.open.take() else { return };
            if endpoint != info.endpoint || phase != info.phase {
                return;
            }
            // The engine counts measured requests only; the warm-up sent requests at the same
            // rate, and the database saw them inside this window.
            let warmup = result.target_rate.unwrap_or(result.achieved_rate) * self.warmup.as_secs_f64();
            state.windows.push(phase_window(endpoint, phase, result.requests + warmup.round() as u64, &before, &after));
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shown_text_is_collapsed_and_cut_while_the_full_text_is_kept_apart() {
        let long = format!("SELECT a -- first\n  FROM t\n WHERE {}", "x = $1 AND ".repeat(40));
        let shown = super::shown(&long);
        assert!(shown.starts_with("SELECT a -- first FROM t WHERE x = $1"), "{shown}");
        assert_eq!(shown.chars().count(), super::SHOWN_CHARS + 1, "300 characters and an ellipsis");
        assert!(shown.ends_with('…'));
        assert_eq!(super::shown("SELECT 1"), "SELECT 1");
    }
}
