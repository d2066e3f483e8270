//! The PostgreSQL collector: a read-only session with its own timeouts reads the catalog and
//! settings. It never writes, never resets statistics and never runs `EXPLAIN ANALYZE`.

mod activity;
mod bloat;
mod frequent;
mod plans;
mod pooler;
mod replicas;
mod scans;
mod schema;
mod session;
mod settings;
mod tls;
mod workload;

pub use plans::{explainable, generic_plan};
pub use replicas::{ReplicaFindings, ReplicaObserver};
pub use session::{APPLICATION_NAME, Session, connect, describe};
pub use workload::{MARK, PgFindings, PgObserver};

use steth_core::config::Plan;
use steth_core::evidence::{
    IndexBloatEstimate, IndexDensity, PgEvidence, PgSchema, PgSettings, PoolerProbe, Replication, Slot, TableScanTotals,
};

/// What the PostgreSQL collector reads before the load phases: catalog, settings, statistics.
/// The evidence is assembled once from it and what the observers found ([`PgCatalog::with`]).
#[derive(Debug, Clone)]
pub struct PgCatalog {
    /// `server_version` of the server.
    pub server_version: String,
    /// The service's database.
    pub database: String,
    /// The service's role, whose effective settings are read.
    pub app_role: String,
    /// Whether that role is stethoscope's own, assumed because none was named.
    pub app_role_assumed: bool,
    /// Foreign keys and the indexes of their tables.
    pub schema: Slot<PgSchema>,
    /// Settings at every level that can set them for the service's role and database.
    pub settings: Slot<PgSettings>,
    /// B-tree leaf density of the larger indexes (`pgstatindex`).
    pub index_bloat: Slot<Vec<IndexDensity>>,
    /// B-tree bloat estimated from catalog statistics, where `pgstatindex` is not available.
    pub bloat_estimate: Slot<Vec<IndexBloatEstimate>>,
    /// Signs of a pooler or proxy on the way to PostgreSQL (read for a serverless service).
    pub pooler: Slot<PoolerProbe>,
    /// Cumulative scan counters of the larger tables.
    pub scan_totals: Slot<Vec<TableScanTotals>>,
    /// The standbys the server streams to and the primary it follows; the replicas' reads join
    /// them in [`PgCatalog::with`].
    pub standbys: Slot<Replication>,
}

impl PgCatalog {
    /// The PostgreSQL evidence: what was read before the load phases, what the [`PgObserver`]
    /// found around and after them, and each `[postgres] replicas` server's reads
    /// ([`ReplicaObserver`]).
    /// The replicas' windows join the workload's (a service reading from a replica is judged
    /// on all of its statements), their frequent statements' plans the primary's.
    pub fn with(self, mut found: PgFindings, replicas: ReplicaFindings) -> PgEvidence {
        let replicas = replicas.join_into(&mut found);
        let replication = match self.standbys {
            Slot::Collected { data } => Slot::collected(Replication { replicas, ..data }),
            _ if !replicas.is_empty() => Slot::collected(Replication { replicas, ..Replication::default() }),
            other => other,
        };
        PgEvidence {
            server_version: self.server_version,
            database: self.database,
            app_role: self.app_role,
            app_role_assumed: self.app_role_assumed,
            schema: self.schema,
            settings: self.settings,
            workload: found.workload,
            activity: found.activity,
            index_bloat: self.index_bloat,
            plans: found.plans,
            pooler: self.pooler,
            scan_totals: self.scan_totals,
            bloat_estimate: self.bloat_estimate,
            replication,
            statement_totals: found.totals,
        }
    }
}

/// Reads what the checks of the plan need from the service's PostgreSQL before the load phases.
pub async fn collect(plan: &Plan) -> Slot<PgCatalog> {
    let Some(target) = &plan.postgres else {
        return Slot::unavailable("no [postgres] url in the config");
    };
    let session = match connect(target).await {
        Ok(s) => s,
        Err(e) => return Slot::failed(e),
    };
    let client = &session.client;
    let head = client
        .query_one("/* stethoscope */ SELECT current_setting('server_version'), current_database(), current_user", &[])
        .await;
    let (server_version, database, user): (String, String, String) = match head {
        Ok(row) => (row.get(0), row.get(1), row.get(2)),
        Err(e) => return Slot::failed(session::describe(&e)),
    };
    let app_role = target.app_role.clone().unwrap_or(user.clone());
    let schema = schema::read(client).await;
    let settings = settings::read(client, &app_role).await;
    let index_bloat = bloat::read(client, &database, &user).await;
    let bloat_estimate = match &index_bloat {
        Slot::Unavailable { .. } => bloat::estimate(client, &user).await,
        _ => Slot::unavailable("measured with pgstatindex"),
    };
    let pooler = if plan.declared().serverless {
        pooler::probe(target, client).await
    } else {
        Slot::unavailable("the service is not declared serverless")
    };
    let scan_totals = scans::read(client).await;
    let standbys = replicas::standbys(client).await;
    Slot::collected(PgCatalog {
        server_version,
        database,
        app_role_assumed: target.app_role.is_none(),
        app_role,
        schema,
        settings,
        index_bloat,
        pooler,
        scan_totals,
        bloat_estimate,
        standbys,
    })
}
