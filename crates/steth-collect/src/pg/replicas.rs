//! Read replicas (8.4): the standbys the configured server streams to
//! (`pg_stat_replication`, or `pg_stat_wal_receiver` when it is a standby itself), and the
//! `ReplicaObserver`, which counts the service's statements in each `[postgres] replicas`
//! server's `pg_stat_statements` around the read endpoints' load phases. Its own statements
//! carry [`MARK`](super::MARK) and run under stethoscope's role, so they are never counted.

use super::session::{Session, connect, describe};
use futures_util::future::BoxFuture;
use std::collections::BTreeSet;
use steth_core::config::{Plan, PostgresTarget};
use steth_core::evidence::{PhaseResult, ReplicaReads, ReplicaWindow, Replication, Slot, Standby};
use tokio::sync::Mutex;
use tokio_postgres::Client;

use crate::load::{Finish, PhaseInfo, PhaseObserver};

const STANDBYS: &str =
    "/* stethoscope */ SELECT coalesce(application_name, ''), client_addr::text, coalesce(state, ''),
       (extract(epoch FROM replay_lag) * 1000)::float8
  FROM pg_stat_replication ORDER BY application_name";

const RECEIVER: &str = "/* stethoscope */ SELECT coalesce(sender_host, '') FROM pg_stat_wal_receiver";

/// The service's calls: every statement of its role except stethoscope's own marked ones.
const CALLS: &str = "/* stethoscope */ SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND userid = (SELECT oid FROM pg_roles WHERE rolname = $1)
   AND query NOT LIKE '/* stethoscope */%'";

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
    open: Option<i64>,
    windows: Vec<ReplicaWindow>,
    broken: Option<String>,
}

/// Counts the service's statements on each configured replica around the read endpoints'
/// load phases, each on a read-only session of its own.
pub struct ReplicaObserver {
    replicas: Vec<Mutex<Replica>>,
    app_role: String,
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
            replicas.push(Mutex::new(Replica {
                shown: url.redacted(),
                session,
                open: None,
                windows: Vec::new(),
                broken: None,
            }));
        }
        let reads = plan
            .endpoints
            .iter()
            .filter(|e| matches!(e.method.to_ascii_uppercase().as_str(), "GET" | "HEAD"))
            .map(|e| e.name.clone())
            .collect();
        Some(ReplicaObserver { replicas, app_role: app_role.to_string(), reads })
    }

    /// Each replica's reads, to be joined to the standbys read from the primary.
    async fn reads(self) -> Vec<ReplicaReads> {
        let mut found = Vec::new();
        for replica in self.replicas {
            let replica = replica.into_inner();
            let (in_recovery, lag_ms) = match &replica.session {
                Ok(s) => match s.client.query_one(RECOVERY, &[]).await {
                    Ok(row) => (row.get(0), row.get(1)),
                    Err(_) => (false, None),
                },
                Err(_) => (false, None),
            };
            let windows = match (&replica.session, replica.broken) {
                (Err(e), _) => Slot::failed(e.clone()),
                (_, Some(e)) => Slot::failed(e),
                (Ok(_), None) => Slot::collected(replica.windows),
            };
            found.push(ReplicaReads { url: replica.shown, in_recovery, lag_ms, windows });
        }
        found
    }
}

impl Finish for ReplicaObserver {
    type Found = Vec<ReplicaReads>;

    fn finish(self) -> impl std::future::Future<Output = Vec<ReplicaReads>> + Send {
        self.reads()
    }
}

async fn calls(client: &Client, role: &str) -> Result<i64, String> {
    let row = client.query_one(CALLS, &[&role]).await.map_err(|e| format!("pg_stat_statements: {}", describe(&e)))?;
    Ok(row.get(0))
}

impl PhaseObserver for ReplicaObserver {
    fn before(&self, info: &PhaseInfo) -> BoxFuture<'_, ()> {
        let read = self.reads.contains(&info.endpoint);
        Box::pin(async move {
            if !read {
                return;
            }
            for replica in &self.replicas {
                let mut replica = replica.lock().await;
                let count = match &replica.session {
                    Ok(s) => calls(&s.client, &self.app_role).await,
                    Err(_) => continue,
                };
                match count {
                    Ok(n) => replica.open = Some(n),
                    Err(e) => {
                        replica.broken.get_or_insert(e);
                    }
                }
            }
        })
    }

    fn after<'a>(&'a self, info: &'a PhaseInfo, _: &'a PhaseResult) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            for replica in &self.replicas {
                let mut replica = replica.lock().await;
                let Some(before) = replica.open.take() else { continue };
                let count = match &replica.session {
                    Ok(s) => calls(&s.client, &self.app_role).await,
                    Err(_) => continue,
                };
                match count {
                    Ok(after) => replica.windows.push(ReplicaWindow {
                        endpoint: info.endpoint.clone(),
                        phase: info.phase,
                        statements: u64::try_from(after - before).unwrap_or(0),
                    }),
                    Err(e) => {
                        replica.broken.get_or_insert(e);
                    }
                }
            }
        })
    }
}
