//! Read replicas (8.4) against a real streaming replica: a throwaway primary and a
//! `pg_basebackup` standby of it, both started by the test. The standbys appear in the primary's
//! `pg_stat_replication`; the service's reads on the replica are counted exactly around a read
//! phase (stethoscope's own snapshots excluded), and reads sent to the primary count none.
//! Either way the phase's workload window holds the reads once, joined from both servers.

#[path = "../../../fixtures/shop/src/cluster.rs"]
mod pg_cluster;

use std::time::{Duration, Instant};
use steth_collect::load::{Finish, PhaseInfo, PhaseObserver};
use steth_collect::pg::{PgObserver, ReplicaObserver};
use steth_core::config::{Endpoint, Plan, PostgresTarget, Secret};
use steth_core::evidence::{Evidence, Phase, PhaseResult};
use tokio_postgres::{Client, NoTls};

async fn client(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(connection);
    client
}

fn result() -> PhaseResult {
    serde_json::from_value(serde_json::json!({
        "phase": "normal", "model": "open", "target_rate": 10.0, "achieved_rate": 10.0,
        "behind_schedule": false, "measured_secs": 1.0, "requests": 10, "failures": 0,
        "statuses": {"200": 10}, "errors": {}, "latency": {"p50_ms": 1.0, "p75_ms": 1.0, "p90_ms": 1.0,
        "p95_ms": 1.0, "p99_ms": 1.0, "p999_ms": 1.0, "max_ms": 1.0, "mean_ms": 1.0},
        "connect_mean_ms": 0.1, "tls_mean_ms": null, "ttfb_mean_ms": 1.0, "transfer_mean_ms": 0.0,
        "server_timing": {}, "requests_per_connection": 10.0, "http_version": "HTTP/1.1", "stopped": null
    }))
    .unwrap()
}

/// Runs one read phase of `GET /products` whose 40 reads go to `reads_to`, observed on the
/// primary and the replica, finished as the orchestrator does.
async fn read_phase(plan: &Plan, reads_to: &Client) -> Evidence {
    let pg = steth_collect::pg::collect(plan).await;
    let primary = PgObserver::connect(plan).await.expect("a primary is configured");
    let observer = ReplicaObserver::connect(plan, "postgres").await.expect("a replica is configured");
    let info = PhaseInfo { index: 0, endpoint: "GET /products".into(), phase: Phase::Normal };
    primary.before(&info).await;
    observer.before(&info).await;
    for id in 0..40 {
        reads_to.query(READ, &[&(id % 10)]).await.unwrap();
    }
    observer.after(&info, &result()).await;
    primary.after(&info, &result()).await;
    let (found, replicas) = (primary.finish().await, observer.finish().await);
    Evidence { pg: pg.map(|catalog| catalog.with(found, replicas)), ..Evidence::default() }
}

const READ: &str = "SELECT name FROM products WHERE id = $1";

/// The phase's calls of the read in the joined workload window.
fn in_workload(evidence: &Evidence) -> u64 {
    let workload = evidence.pg.data().and_then(|pg| pg.workload.data()).expect("workload read");
    let statements = workload.windows[0].statements.data().expect("statements read");
    statements.statements.iter().filter(|s| s.query == READ).map(|s| s.calls).sum()
}

fn counted(evidence: &Evidence) -> u64 {
    let replication = evidence.pg.data().and_then(|pg| pg.replication.data()).expect("replication read");
    replication.replicas[0].windows.data().expect("windows").iter().map(|w| w.statements).sum()
}

#[tokio::test]
async fn reads_on_a_streaming_replica_are_counted_and_reads_on_the_primary_are_not() {
    let primary = pg_cluster::Cluster::start().expect("a throwaway primary");
    let admin = client(&primary.admin_url()).await;
    admin
        .batch_execute(
            "CREATE EXTENSION pg_stat_statements;
             CREATE TABLE products (id int PRIMARY KEY, name text);
             INSERT INTO products SELECT g, 'p' || g FROM generate_series(0, 9) g;",
        )
        .await
        .unwrap();
    let standby = primary.standby().expect("a pg_basebackup standby");
    let replica = client(&standby.admin_url()).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while replica.query("SELECT 1 FROM products LIMIT 1", &[]).await.is_err() {
        assert!(Instant::now() < deadline, "the standby never replayed the table");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let plan = Plan {
        postgres: Some(PostgresTarget {
            url: Secret::new(primary.admin_url()),
            replicas: vec![Secret::new(standby.admin_url())],
            app_role: None,
            statement_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(1),
            cores: None,
            session_watch: Duration::from_secs(1),
        }),
        endpoints: vec![Endpoint::new("GET", "/products")],
        ..Plan::default()
    };

    let evidence = read_phase(&plan, &replica).await;
    let pg = evidence.pg.data().expect("pg collected");
    let replication = pg.replication.data().expect("replication read");
    assert_eq!(replication.standbys.len(), 1, "{replication:?}");
    assert_eq!(replication.standbys[0].state, "streaming");
    let reads = &replication.replicas[0];
    assert!(reads.in_recovery, "{reads:?}");
    assert!(reads.lag_ms.is_none_or(|ms| ms >= 0.0), "{reads:?}");
    assert!(!reads.url.contains("password"), "{reads:?}");
    // The 40 reads exactly: stethoscope's own snapshots on the replica are not counted.
    assert_eq!(counted(&evidence), 40, "{reads:?}");
    // The workload holds them once: the primary saw none, the replica's window was joined.
    assert_eq!(in_workload(&evidence), 40, "{:?}", pg.workload);
    // The frequent read was explained over the joined windows.
    let plans = pg.plans.data().expect("plans read");
    assert!(plans.iter().any(|p| p.query == READ && p.plan.data().is_some()), "{plans:?}");

    let on_primary = read_phase(&plan, &admin).await;
    assert_eq!(counted(&on_primary), 0);
    assert_eq!(in_workload(&on_primary), 40);
}
