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
pub use replicas::ReplicaObserver;
pub use session::{APPLICATION_NAME, Session, connect, describe};
pub use workload::{MARK, PgFindings, PgObserver};

use steth_core::config::Plan;
use steth_core::evidence::{PgEvidence, Slot};

/// Reads what the checks of the plan need from the service's PostgreSQL.
pub async fn collect(plan: &Plan) -> Slot<PgEvidence> {
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
    let serverless = plan.target.as_ref().is_some_and(|t| t.serverless);
    let pooler = if serverless {
        pooler::probe(target, client).await
    } else {
        Slot::unavailable("the service is not declared serverless")
    };
    let scan_totals = scans::read(client).await;
    let replication = replicas::standbys(client).await;
    Slot::collected(PgEvidence {
        server_version,
        database,
        app_role_assumed: target.app_role.is_none(),
        app_role,
        schema,
        settings,
        workload: Slot::unavailable("no load phase ran"),
        activity: Slot::unavailable("not sampled"),
        index_bloat,
        plans: Slot::unavailable("no load phase ran"),
        cores: target.cores,
        serverless,
        pooler,
        scan_totals,
        bloat_estimate,
        replication,
        statement_totals: Slot::unavailable("read after the load phases"),
        peak_rps: plan.target.as_ref().and_then(|t| t.peak_rps),
    })
}
