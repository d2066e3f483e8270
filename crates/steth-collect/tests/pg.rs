//! The PostgreSQL collector against a real server: a scratch database per test.

use std::time::Duration;
use steth_core::config::{Plan, PostgresTarget, Secret};
use steth_core::evidence::Slot;
use tokio_postgres::NoTls;

const ADMIN: &str = "postgresql://postgres@127.0.0.1:5432/postgres";

fn up() -> bool {
    let ok = std::net::TcpStream::connect_timeout(&"127.0.0.1:5432".parse().unwrap(), Duration::from_secs(1)).is_ok();
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must provide PostgreSQL (scripts/services.sh)");
        eprintln!("SKIPPED: PostgreSQL is not running on 127.0.0.1:5432");
    }
    ok
}

async fn admin(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

/// A scratch database with the given setup SQL; dropped by the caller.
async fn scratch(name: &str, setup: &str) -> String {
    let a = admin(ADMIN).await;
    a.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
    a.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    let url = format!("postgresql://postgres@127.0.0.1:5432/{name}");
    admin(&url).await.batch_execute(setup).await.unwrap();
    url
}

async fn drop_db(name: &str) {
    admin(ADMIN).await.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
}

fn plan(url: &str) -> Plan {
    Plan {
        postgres: Some(PostgresTarget {
            url: Secret::new(url),
            app_role: None,
            statement_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(1),
        }),
        ..Plan::default()
    }
}

#[tokio::test]
async fn reads_composite_partial_and_expression_indexes() {
    if !up() {
        return;
    }
    let name = format!("steth_pg_schema_{}", std::process::id());
    let url = scratch(
        &name,
        "CREATE TABLE parent (a int, b int, PRIMARY KEY (a, b));
         CREATE TABLE child (id int PRIMARY KEY, a int, b int, c text, FOREIGN KEY (a, b) REFERENCES parent);
         CREATE INDEX child_b_a ON child (b, a, c);
         CREATE INDEX child_c_partial ON child (c) WHERE c IS NOT NULL;
         CREATE INDEX child_expr ON child (lower(c));",
    )
    .await;
    let evidence = steth_collect::pg::collect(&plan(&url)).await;
    drop_db(&name).await;
    let pg = evidence.data().expect("collected");
    let schema = pg.schema.data().expect("schema collected");
    assert_eq!(schema.foreign_keys.len(), 1);
    assert_eq!(schema.foreign_keys[0].table, "public.child");
    assert_eq!(schema.foreign_keys[0].columns, vec!["a", "b"]);
    let by_name = |n: &str| schema.indexes.iter().find(|i| i.name == n).unwrap_or_else(|| panic!("{n}"));
    assert_eq!(by_name("child_b_a").columns, vec![Some("b".into()), Some("a".into()), Some("c".into())]);
    assert!(by_name("child_c_partial").partial);
    assert_eq!(by_name("child_expr").columns, vec![None]);
}

#[tokio::test]
async fn reads_settings_per_level_for_the_app_role() {
    if !up() {
        return;
    }
    let name = format!("steth_pg_settings_{}", std::process::id());
    let role = format!("steth_app_{}", std::process::id());
    let url = scratch(&name, "SELECT 1").await;
    let a = admin(ADMIN).await;
    for sql in [
        format!("DROP ROLE IF EXISTS {role}"),
        format!("CREATE ROLE {role} LOGIN"),
        format!("ALTER DATABASE {name} SET statement_timeout = '7s'"),
        format!("ALTER ROLE {role} IN DATABASE {name} SET statement_timeout = 0"),
        format!("ALTER DATABASE {name} SET log_min_duration_statement = 250"),
    ] {
        a.batch_execute(&sql).await.unwrap();
    }
    let mut p = plan(&url);
    p.postgres.as_mut().unwrap().app_role = Some(role.clone());
    let evidence = steth_collect::pg::collect(&p).await;
    drop_db(&name).await;
    a.batch_execute(&format!("DROP ROLE IF EXISTS {role}")).await.unwrap();
    let pg = evidence.data().expect("collected");
    assert_eq!(pg.app_role, role);
    let s = pg.settings.data().expect("settings");
    assert_eq!(s.statement_timeout.database.as_deref(), Some("7s"));
    assert_eq!(s.statement_timeout.role_in_database.as_deref(), Some("0"));
    assert_eq!(s.statement_timeout.effective(), ("0", "role in database"));
    assert_eq!(s.log_min_duration_statement.effective(), ("250", "database"));
}

#[tokio::test]
async fn the_session_is_read_only_and_unreachable_servers_fail_cleanly() {
    if !up() {
        return;
    }
    let p = plan("postgresql://postgres@127.0.0.1:5432/postgres");
    let session = steth_collect::pg::connect(p.postgres.as_ref().unwrap()).await.unwrap();
    let err = session.client.batch_execute("CREATE TABLE steth_must_not_exist (x int)").await.unwrap_err();
    assert!(err.as_db_error().unwrap().message().contains("read-only"), "{err}");
    let row = session.client.query_one("SELECT current_setting('application_name')", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "stethoscope");

    let down = plan("postgresql://postgres:secret@127.0.0.1:9/postgres");
    match steth_collect::pg::collect(&down).await {
        Slot::Failed { error } => {
            assert!(error.contains("cannot connect"), "{error}");
            assert!(!error.contains("secret"), "the password is never printed: {error}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}
