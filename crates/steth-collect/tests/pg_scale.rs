//! Scale of the PostgreSQL collector (run by `bench/pg_scale.sh`, ignored otherwise): the
//! catalog reads on 5 000 tables with 10 000 foreign keys, and one counter snapshot pair over
//! 5 000 statements in `pg_stat_statements`. `STETH_SCALE_PG` names a superuser URL of a cluster
//! with pg_stat_statements preloaded.

use std::time::{Duration, Instant};
use steth_collect::load::{Finish, PhaseInfo, PhaseObserver};
use steth_core::config::{LoadPlan, Plan, PostgresTarget, Secret};
use tokio_postgres::NoTls;

const TABLES: usize = 5_000;
const STATEMENTS: usize = 5_000;

async fn client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

fn plan(url: &str) -> Plan {
    Plan {
        postgres: Some(PostgresTarget {
            replicas: Vec::new(),
            url: Secret::new(url),
            app_role: None,
            statement_timeout: Duration::from_secs(30),
            lock_timeout: Duration::from_secs(1),
            cores: None,
            session_watch: steth_core::config::DEFAULT_SESSION_WATCH,
        }),
        load: LoadPlan { warmup: Duration::ZERO, ..LoadPlan::default() },
        ..Plan::default()
    }
}

#[tokio::test]
#[ignore = "a benchmark: bench/pg_scale.sh runs it against a cluster of its own"]
async fn catalog_and_statement_snapshots_at_scale() {
    let admin_url = std::env::var("STETH_SCALE_PG").expect("STETH_SCALE_PG names the cluster");
    let admin = client(&admin_url).await;
    admin.batch_execute("DROP DATABASE IF EXISTS steth_scale WITH (FORCE)").await.unwrap();
    admin.batch_execute("CREATE DATABASE steth_scale").await.unwrap();
    let url = admin_url.rsplit_once('/').map(|(base, _)| format!("{base}/steth_scale")).unwrap();
    let db = client(&url).await;
    let started = Instant::now();
    db.batch_execute(
        "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pgstattuple;
         CREATE TABLE parent (id int PRIMARY KEY);
         DO $$ BEGIN
           FOR i IN 1..5000 LOOP
             EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, a int REFERENCES parent, b int REFERENCES parent)', i);
             IF i % 2 = 0 THEN EXECUTE format('CREATE INDEX ON t%s (a)', i); END IF;
           END LOOP;
         END $$;",
    )
    .await
    .unwrap();
    eprintln!("schema of {TABLES} tables and {} foreign keys built in {:?}", 2 * TABLES, started.elapsed());
    for i in 1..=STATEMENTS {
        db.query(&format!("SELECT count(*) FROM t{i} WHERE a = $1"), &[&1i32]).await.unwrap();
    }

    let p = plan(&url);
    let started = Instant::now();
    let evidence = steth_collect::pg::collect(&p).await;
    let catalog = started.elapsed();
    let pg = evidence.data().expect("collected");
    let schema = pg.schema.data().expect("schema");
    assert_eq!(schema.foreign_keys.len(), 2 * TABLES);

    let observer = steth_collect::pg::PgObserver::connect(&p).await.expect("a target");
    let info = PhaseInfo { index: 0, endpoint: "GET /scale".into(), phase: steth_core::evidence::Phase::Normal };
    let result: steth_core::evidence::PhaseResult = serde_json::from_value(serde_json::json!({
        "phase": "normal", "model": "open", "target_rate": 1.0, "achieved_rate": 1.0,
        "behind_schedule": false, "measured_secs": 1.0, "requests": 1, "failures": 0,
        "statuses": {}, "errors": {}, "latency": {"p50_ms": 1.0, "p75_ms": 1.0, "p90_ms": 1.0,
        "p95_ms": 1.0, "p99_ms": 1.0, "p999_ms": 1.0, "max_ms": 1.0, "mean_ms": 1.0},
        "connect_mean_ms": 0.1, "tls_mean_ms": null, "ttfb_mean_ms": 1.0, "transfer_mean_ms": 0.0,
        "server_timing": {}, "requests_per_connection": 1.0, "http_version": "HTTP/1.1", "stopped": null
    }))
    .unwrap();
    let started = Instant::now();
    observer.before(&info).await;
    let one_snapshot = started.elapsed();
    for i in 1..=STATEMENTS {
        db.query(&format!("SELECT count(*) FROM t{i} WHERE a = $1"), &[&2i32]).await.unwrap();
    }
    let started = Instant::now();
    observer.after(&info, &result).await;
    let after_and_deltas = started.elapsed();
    let workload = observer.finish().await.workload;
    let window = &workload.data().expect("a window").windows[0];
    let statements = window.statements.data().expect("statements");
    drop(db);
    admin.batch_execute("DROP DATABASE IF EXISTS steth_scale WITH (FORCE)").await.unwrap();

    eprintln!("catalog reads (2.2, 2.5, 2.6, 2.8) over {TABLES} tables / {} FKs: {catalog:?}", 2 * TABLES);
    eprintln!(
        "pg_stat_statements snapshot: {one_snapshot:?}; snapshot + deltas of {} statements: {after_and_deltas:?}",
        statements.statements.len()
    );
    assert!(statements.statements.len() >= STATEMENTS, "{}", statements.statements.len());
    assert!(catalog <= Duration::from_secs(5), "catalog reads took {catalog:?}");
    assert!(after_and_deltas <= Duration::from_secs(2), "statement snapshot took {after_and_deltas:?}");
}
