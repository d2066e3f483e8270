//! Read replicas (8.4): the standbys the configured server streams to
//! (`pg_stat_replication`, or `pg_stat_wal_receiver` when it is a standby itself), and the
//! `ReplicaObserver`, which snapshots each `[postgres] replicas` server's `pg_stat_statements`,
//! `pg_stat_user_tables` and `pg_stat_database` around every load phase, as the `PgObserver`
//! does on the primary. Its own statements carry [`MARK`](super::MARK) and are never counted.
//!
//! A service that reads from a replica runs those statements where the primary's counters
//! cannot see them, so [`ReplicaFindings::join_into`] adds each replica's window to the
//! primary's window of the same endpoint and phase: the workload the checks read (2.x, 4.1) is the
//! service's on every server. The service's statements on a replica during the read
//! endpoints' phases are 8.4's evidence.

use super::frequent;
use super::session::{Session, connect, describe};
use super::workload::{PgFindings, Snapshot, phase_window, snapshot};
use futures_util::future::BoxFuture;
use std::collections::{BTreeSet, HashMap};
use steth_core::config::{Plan, PostgresTarget};
use steth_core::evidence::{
    Phase, PhaseResult, PhaseWindow, ReplicaReads, ReplicaWindow, Replication, Slot, Standby, StatementDelta,
    StatementPlan, StatementWindow, TableScans,
};
use tokio::sync::Mutex;
use tokio_postgres::Client;

use crate::load::{Finish, PhaseInfo, PhaseObserver};

const STANDBYS: &str =
    "/* stethoscope */ SELECT coalesce(application_name, ''), client_addr::text, coalesce(state, ''),
       (extract(epoch FROM replay_lag) * 1000)::float8
  FROM pg_stat_replication ORDER BY application_name";

const RECEIVER: &str = "/* stethoscope */ SELECT coalesce(sender_host, '') FROM pg_stat_wal_receiver";

/// Who stethoscope is on the replica and which database it reads.
const WHO: &str = "/* stethoscope */ SELECT current_user::text, (SELECT oid FROM pg_roles WHERE rolname = current_user), current_database()::text";

const RECOVERY: &str = "/* stethoscope */ SELECT pg_is_in_recovery(),
       (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8";

/// The standbys the server streams to and the primary it follows, if any; the replicas' reads
/// join them when the evidence is assembled (`PgCatalog::with`).
pub async fn standbys(client: &Client) -> Slot<Replication> {
    let rows = match client.query(STANDBYS, &[]).await {
        Ok(rows) => rows,
        Err(e) => return Slot::unavailable(format!("cannot read pg_stat_replication: {}", describe(&e))),
    };
    let standbys = rows
        .iter()
        .map(|r| Standby { name: r.get(0), client: r.get(1), state: r.get(2), replay_lag_ms: r.get(3) })
        .collect();
    let follows = match client.query(RECEIVER, &[]).await {
        Ok(rows) => rows.first().map(|r| r.get::<_, String>(0)),
        Err(_) => None,
    };
    Slot::collected(Replication { standbys, follows, replicas: Vec::new() })
}

struct Replica {
    shown: String,
    session: Result<Session, String>,
    /// stethoscope's role on the replica when it differs from the service's (excluded).
    own_role: Option<u32>,
    database: String,
    open: Option<(String, Phase, Snapshot)>,
    /// Every phase's window on this replica.
    windows: Vec<PhaseWindow>,
    /// The full text of every statement the windows show shortened.
    texts: HashMap<String, String>,
}

/// Snapshots each configured replica's counters around every load phase, each on a read-only
/// session of its own.
pub struct ReplicaObserver {
    replicas: Vec<Mutex<Replica>>,
    reads: BTreeSet<String>,
}

impl ReplicaObserver {
    /// Connects to every `[postgres] replicas` server; `None` when none is configured.
    pub async fn connect(plan: &Plan, app_role: &str) -> Option<ReplicaObserver> {
        let target = plan.postgres.as_ref()?;
        if target.replicas.is_empty() {
            return None;
        }
        let mut replicas = Vec::new();
        for url in &target.replicas {
            let replica = PostgresTarget { url: url.clone(), replicas: Vec::new(), ..target.clone() };
            let session = connect(&replica).await;
            let (mut own_role, mut database) = (None, String::new());
            if let Ok(s) = &session
                && let Ok(row) = s.client.query_one(WHO, &[]).await
            {
                if row.get::<_, String>(0) != app_role {
                    own_role = Some(row.get(1));
                }
                database = row.get(2);
            }
            replicas.push(Mutex::new(Replica {
                shown: url.redacted(),
                session,
                own_role,
                database,
                open: None,
                windows: Vec::new(),
                texts: HashMap::new(),
            }));
        }
        let reads = plan
            .endpoints
            .iter()
            .filter(|e| matches!(e.method.to_ascii_uppercase().as_str(), "GET" | "HEAD"))
            .map(|e| e.name.clone())
            .collect();
        Some(ReplicaObserver { replicas, reads })
    }

    /// The last readings: each replica's recovery state and replay delay, 8.4's reads, its
    /// windows to join to the primary's, and the generic plans of the statements it ran often
    /// under normal load, explained on it (a physical copy of the primary).
    async fn findings(self) -> ReplicaFindings {
        let mut reads = Vec::new();
        let mut joins = Vec::new();
        let mut plans = Vec::new();
        for replica in self.replicas {
            let replica = replica.into_inner();
            let (in_recovery, lag_ms) = match &replica.session {
                Ok(s) => match s.client.query_one(RECOVERY, &[]).await {
                    Ok(row) => (row.get(0), row.get(1)),
                    Err(_) => (false, None),
                },
                Err(_) => (false, None),
            };
            let windows = match &replica.session {
                Err(e) => Slot::failed(e.clone()),
                Ok(_) => read_windows(&replica.windows, &self.reads),
            };
            let served = replica
                .windows
                .iter()
                .any(|w| w.phase == Phase::Normal && w.statements.data().is_some_and(|s| !s.statements.is_empty()));
            match &replica.session {
                Ok(session) if in_recovery && served => {
                    let explained = frequent::plan_frequent(&session.client, &replica.windows, &replica.texts).await;
                    if let Slot::Collected { data } = explained {
                        plans.extend(data);
                    }
                }
                _ => {}
            }
            // A URL that reaches a server not in recovery is no replica (8.4 says so): its
            // statements are not the service's reads off the primary, and joining them would
            // count the primary twice when the URL names the primary itself.
            match replica.session {
                Err(e) => joins.push((replica.shown.clone(), Err(e))),
                Ok(_) if in_recovery => joins.push((replica.shown.clone(), Ok(replica.windows))),
                Ok(_) => {}
            }
            reads.push(ReplicaReads { url: replica.shown, in_recovery, lag_ms, windows });
        }
        ReplicaFindings { reads, joins, plans }
    }
}

/// What the [`ReplicaObserver`] hands over: its own part of the PostgreSQL evidence.
#[derive(Debug, Clone, Default)]
pub struct ReplicaFindings {
    /// Each `[postgres] replicas` server's reads (8.4).
    pub reads: Vec<ReplicaReads>,
    /// Each replica's windows, or why it could not be read.
    joins: Vec<(String, Result<Vec<PhaseWindow>, String>)>,
    /// Generic plans of the statements the replicas ran often, explained there.
    plans: Vec<StatementPlan>,
}

impl ReplicaFindings {
    /// Adds each replica's windows to the primary's window of the same endpoint and phase, and
    /// its frequent statements' plans to the primary's (whose plan is kept for a statement
    /// both explained); returns 8.4's reads.
    pub fn join_into(self, found: &mut PgFindings) -> Vec<ReplicaReads> {
        if let Slot::Collected { data } = &mut found.workload {
            for (shown, windows) in &self.joins {
                for window in &mut data.windows {
                    match windows {
                        Err(e) => note(window, &format!("{shown} could not be read ({e})")),
                        Ok(windows) => {
                            match windows.iter().find(|w| w.endpoint == window.endpoint && w.phase == window.phase) {
                                Some(theirs) => join(window, theirs, shown),
                                None => note(window, &format!("{shown} was not read around this phase")),
                            }
                        }
                    }
                }
            }
        }
        if let Slot::Collected { data } = &mut found.plans {
            for plan in self.plans {
                if !data.iter().any(|p| p.query == plan.query) {
                    data.push(plan);
                }
            }
            data.sort_by(|a, b| b.calls_per_day.total_cmp(&a.calls_per_day));
        }
        self.reads
    }
}

impl Finish for ReplicaObserver {
    type Found = ReplicaFindings;

    fn finish(self) -> impl std::future::Future<Output = ReplicaFindings> + Send {
        self.findings()
    }
}

/// The service's statements on a replica during each read endpoint's phase, or why they could
/// not be counted.
fn read_windows(windows: &[PhaseWindow], reads: &BTreeSet<String>) -> Slot<Vec<ReplicaWindow>> {
    let mut out = Vec::new();
    for w in windows.iter().filter(|w| reads.contains(&w.endpoint)) {
        match &w.statements {
            Slot::Collected { data } => out.push(ReplicaWindow {
                endpoint: w.endpoint.clone(),
                phase: w.phase,
                statements: data.statements.iter().map(|s| s.calls).sum(),
            }),
            Slot::Unavailable { reason } => return Slot::unavailable(format!("on the replica: {reason}")),
            Slot::Failed { error } => return Slot::failed(format!("on the replica: {error}")),
        }
    }
    Slot::collected(out)
}

/// Says in a window that a replica's statements are missing from it.
fn note(window: &mut PhaseWindow, why: &str) {
    if let Slot::Collected { data } = &mut window.statements {
        let why = format!("replica {why}: its statements are not counted");
        data.incomplete = Some(match data.incomplete.take() {
            Some(before) => format!("{before}; {why}"),
            None => why,
        });
    }
}

/// Adds a replica's window of the same endpoint and phase to the primary's: statements of the
/// same text are one statement run on two servers, table scans add up, and so do new sessions.
/// A counter the replica could not read leaves the joined one unavailable (or failed) with the
/// replica's reason, as a partial count would understate the service's statements.
fn join(window: &mut PhaseWindow, theirs: &PhaseWindow, replica: &str) {
    let on_replica = |why: &str| format!("on replica {replica}: {why}");
    window.statements = match (std::mem::replace(&mut window.statements, Slot::unavailable("")), &theirs.statements) {
        (Slot::Collected { data }, Slot::Collected { data: other }) => {
            Slot::collected(join_statements(data, other, replica))
        }
        (Slot::Collected { .. }, Slot::Unavailable { reason }) => Slot::unavailable(on_replica(reason)),
        (Slot::Collected { .. }, Slot::Failed { error }) => Slot::failed(on_replica(error)),
        (mine, _) => mine,
    };
    window.tables = match (std::mem::replace(&mut window.tables, Slot::unavailable("")), &theirs.tables) {
        (Slot::Collected { data }, Slot::Collected { data: other }) => Slot::collected(join_tables(data, other)),
        (Slot::Collected { .. }, Slot::Unavailable { reason }) => Slot::unavailable(on_replica(reason)),
        (Slot::Collected { .. }, Slot::Failed { error }) => Slot::failed(on_replica(error)),
        (mine, _) => mine,
    };
    if let (Slot::Collected { data }, Slot::Collected { data: other }) =
        (&mut window.new_sessions, &theirs.new_sessions)
    {
        *data += other;
    }
}

fn join_statements(mut mine: StatementWindow, theirs: &StatementWindow, replica: &str) -> StatementWindow {
    for s in &theirs.statements {
        match mine.statements.iter_mut().find(|m| m.query == s.query) {
            Some(m) => *m = combine(m, s),
            None => mine.statements.push(s.clone()),
        }
    }
    mine.statements.sort_by_key(|s| std::cmp::Reverse(s.calls));
    if let Some(why) = &theirs.incomplete {
        let why = format!("on replica {replica}: {why}");
        mine.incomplete = Some(match mine.incomplete.take() {
            Some(before) => format!("{before}; {why}"),
            None => why,
        });
    }
    mine
}

/// One statement's counters over two servers: calls and rows add up, the mean is weighted and
/// the standard deviation comes from the summed squares.
fn combine(a: &StatementDelta, b: &StatementDelta) -> StatementDelta {
    let (na, nb) = (a.calls as f64, b.calls as f64);
    let n = (na + nb).max(1.0);
    let mean = (a.mean_ms * na + b.mean_ms * nb) / n;
    let squares = na * (a.stddev_ms.powi(2) + a.mean_ms.powi(2)) + nb * (b.stddev_ms.powi(2) + b.mean_ms.powi(2));
    StatementDelta {
        query: a.query.clone(),
        calls: a.calls + b.calls,
        mean_ms: mean,
        stddev_ms: (squares / n - mean * mean).max(0.0).sqrt(),
        max_ms: a.max_ms.max(b.max_ms),
        rows: a.rows + b.rows,
    }
}

fn join_tables(mut mine: Vec<TableScans>, theirs: &[TableScans]) -> Vec<TableScans> {
    for t in theirs {
        match mine.iter_mut().find(|m| m.table == t.table) {
            Some(m) => {
                m.live_rows = m.live_rows.max(t.live_rows);
                m.seq_scans += t.seq_scans;
                m.seq_rows += t.seq_rows;
                m.index_scans += t.index_scans;
            }
            None => mine.push(t.clone()),
        }
    }
    mine.sort_by(|x, y| x.table.cmp(&y.table));
    mine
}

impl PhaseObserver for ReplicaObserver {
    fn before(&self, info: &PhaseInfo) -> BoxFuture<'_, ()> {
        let (endpoint, phase) = (info.endpoint.clone(), info.phase);
        Box::pin(async move {
            for replica in &self.replicas {
                let mut replica = replica.lock().await;
                let Ok(session) = &replica.session else { continue };
                let taken = snapshot(&session.client, replica.own_role, &replica.database).await;
                replica.open = Some((endpoint.clone(), phase, taken));
            }
        })
    }

    fn after<'a>(&'a self, info: &'a PhaseInfo, result: &'a PhaseResult) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            for replica in &self.replicas {
                let mut replica = replica.lock().await;
                let Replica { session: Ok(session), open, windows, texts, own_role, database, .. } = &mut *replica
                else {
                    continue;
                };
                let Some((endpoint, phase, before)) = open.take() else { continue };
                let after = snapshot(&session.client, *own_role, database).await;
                if let Slot::Collected { data } = &after.statements {
                    texts.extend(data.values().map(|c| (c.query.clone(), c.text.clone())));
                }
                if endpoint != info.endpoint || phase != info.phase {
                    continue;
                }
                windows.push(phase_window(endpoint, phase, result.requests, &before, &after));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(query: &str, samples: &[f64]) -> StatementDelta {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        StatementDelta {
            query: query.into(),
            calls: samples.len() as u64,
            mean_ms: mean,
            stddev_ms: variance.sqrt(),
            max_ms: samples.iter().copied().fold(0.0, f64::max),
            rows: samples.len() as u64,
        }
    }

    fn window(statements: Slot<StatementWindow>, tables: Vec<TableScans>, new_sessions: u64) -> PhaseWindow {
        PhaseWindow {
            endpoint: "GET /products".into(),
            phase: Phase::Normal,
            requests: 10,
            secs: 2.0,
            statements,
            tables: Slot::collected(tables),
            new_sessions: Slot::collected(new_sessions),
        }
    }

    fn scans(table: &str, seq: u64, idx: u64) -> TableScans {
        TableScans { table: table.into(), live_rows: 100, seq_scans: seq, seq_rows: seq * 100, index_scans: idx }
    }

    #[test]
    fn one_statement_on_two_servers_is_combined_exactly() {
        let joined = combine(&delta("SELECT 1", &[1.0, 3.0]), &delta("SELECT 1", &[5.0, 7.0, 9.0]));
        let whole = delta("SELECT 1", &[1.0, 3.0, 5.0, 7.0, 9.0]);
        assert_eq!((joined.calls, joined.rows, joined.max_ms), (5, 5, 9.0));
        assert!((joined.mean_ms - whole.mean_ms).abs() < 1e-9, "{joined:?}");
        assert!((joined.stddev_ms - whole.stddev_ms).abs() < 1e-9, "{joined:?}");
    }

    #[test]
    fn a_replica_window_adds_its_statements_scans_and_sessions() {
        let mine = StatementWindow { statements: vec![delta("INSERT INTO orders", &[2.0])], incomplete: None };
        let theirs = StatementWindow {
            statements: vec![delta("SELECT name FROM products", &[1.0; 40])],
            incomplete: Some("pg_stat_statements deallocated entries".into()),
        };
        let mut primary = window(Slot::collected(mine), vec![scans("public.orders", 0, 1)], 1);
        let replica =
            window(Slot::collected(theirs), vec![scans("public.orders", 1, 0), scans("public.products", 0, 40)], 2);
        join(&mut primary, &replica, "postgres://replica/shop");
        let statements = primary.statements.data().expect("joined");
        assert_eq!(statements.statements[0].query, "SELECT name FROM products", "most calls first");
        assert_eq!(statements.statements.iter().map(|s| s.calls).sum::<u64>(), 41);
        assert!(statements.incomplete.as_deref().is_some_and(|i| i.contains("on replica postgres://replica/shop")));
        let tables = primary.tables.data().expect("joined");
        assert_eq!(tables.len(), 2);
        assert_eq!((tables[0].seq_scans, tables[0].index_scans), (1, 1));
        assert_eq!(primary.new_sessions.data(), Some(&3));
    }

    #[test]
    fn a_replica_counter_that_could_not_be_read_leaves_the_joined_one_without_a_count() {
        let mut primary = window(Slot::collected(StatementWindow::default()), Vec::new(), 0);
        let replica = window(Slot::unavailable("pg_stat_statements is not preloaded"), Vec::new(), 0);
        join(&mut primary, &replica, "postgres://replica/shop");
        match &primary.statements {
            Slot::Unavailable { reason } => assert!(reason.contains("on replica postgres://replica/shop"), "{reason}"),
            other => panic!("a partial count: {other:?}"),
        }
        let mut missing = window(Slot::collected(StatementWindow::default()), Vec::new(), 0);
        note(&mut missing, "postgres://replica/shop could not be read (refused)");
        let incomplete = missing.statements.data().and_then(|s| s.incomplete.clone()).unwrap_or_default();
        assert!(incomplete.contains("its statements are not counted"), "{incomplete}");
    }

    #[test]
    fn only_the_read_endpoints_phases_are_8_4s_evidence() {
        let reads: BTreeSet<String> = ["GET /products".to_string()].into();
        let statements = StatementWindow { statements: vec![delta("SELECT 1", &[1.0; 7])], incomplete: None };
        let mut write = window(Slot::collected(statements.clone()), Vec::new(), 0);
        write.endpoint = "POST /orders".into();
        let windows = [window(Slot::collected(statements), Vec::new(), 0), write];
        let counted = read_windows(&windows, &reads);
        assert_eq!(counted.data().map(|w| w.iter().map(|w| w.statements).collect::<Vec<_>>()), Some(vec![7]));
    }
}
