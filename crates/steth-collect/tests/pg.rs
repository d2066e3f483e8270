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
            replicas: Vec::new(),
            url: Secret::new(url),
            app_role: None,
            statement_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(1),
            cores: None,
            session_watch: steth_core::config::DEFAULT_SESSION_WATCH,
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

/// An ACCESS EXCLUSIVE lock (a REINDEX in progress) on the only large index: 2.8's read gives
/// up after the session's lock timeout with `lock timeout`, everything else is collected.
#[tokio::test]
async fn a_locked_index_is_a_lock_timeout_and_the_rest_is_collected() {
    if !up() {
        return;
    }
    let name = format!("steth_pg_lock_{}", std::process::id());
    let url = scratch(
        &name,
        "CREATE EXTENSION IF NOT EXISTS pgstattuple;
         CREATE TABLE events (id bigint PRIMARY KEY, kind text);
         INSERT INTO events SELECT n, 'x' FROM generate_series(1, 100000) AS n;",
    )
    .await;
    let holder = admin(&url).await;
    holder.batch_execute("BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE; REINDEX INDEX events_pkey").await.unwrap();
    let started = std::time::Instant::now();
    let evidence = steth_collect::pg::collect(&plan(&url)).await;
    let took = started.elapsed();
    holder.batch_execute("ROLLBACK").await.unwrap();
    drop(holder);
    let unlocked = steth_collect::pg::collect(&plan(&url)).await;
    drop_db(&name).await;
    let pg = evidence.data().expect("collected");
    match &pg.index_bloat {
        Slot::Failed { error } => assert!(error.starts_with("lock timeout"), "{error}"),
        other => panic!("expected a lock timeout, got {other:?}"),
    }
    assert!(took < Duration::from_secs(5), "the collector waited {took:?}");
    assert!(pg.schema.data().is_some() && pg.settings.data().is_some());
    let outcome = steth_core::catalog::find("2.8").unwrap().assess(
        &steth_core::evidence::Evidence { pg: unobserved(evidence.clone()), ..Default::default() },
        &steth_core::catalog::find("2.8").unwrap().default_threshold,
    );
    assert_eq!(outcome.status, steth_core::Status::Error);
    let measured = unlocked.data().unwrap().index_bloat.data().expect("measured once unlocked");
    assert_eq!(measured.len(), 1, "{measured:?}");
    assert!(measured[0].bloat_percent() < 5.0, "{measured:?}");
}

/// A non-superuser holding only pg_monitor: what it cannot read becomes `unavailable` naming
/// the extension or grant, never a silent empty result.
#[tokio::test]
async fn a_pg_monitor_role_gets_reasons_not_silence() {
    if !up() {
        return;
    }
    let name = format!("steth_pg_monitor_{}", std::process::id());
    let role = format!("steth_monitor_{}", std::process::id());
    let url = scratch(&name, "CREATE TABLE t (id int PRIMARY KEY)").await;
    let a = admin(ADMIN).await;
    for sql in [format!("DROP ROLE IF EXISTS {role}"), format!("CREATE ROLE {role} LOGIN IN ROLE pg_monitor")] {
        a.batch_execute(&sql).await.unwrap();
    }
    let as_monitor = url.replace("postgres@", &format!("{role}@"));
    let p = plan(&as_monitor);
    let evidence = steth_collect::pg::collect(&p).await;
    let observer = steth_collect::pg::PgObserver::connect(&p).await.expect("a postgres target");
    let info = steth_collect::load::PhaseInfo {
        index: 0,
        endpoint: "GET /t".into(),
        phase: steth_core::evidence::Phase::Normal,
    };
    let result: steth_core::evidence::PhaseResult = serde_json::from_value(serde_json::json!({
        "phase": "normal", "model": "open", "target_rate": 10.0, "achieved_rate": 10.0,
        "behind_schedule": false, "measured_secs": 1.0, "requests": 10, "failures": 0,
        "statuses": {"200": 10}, "errors": {}, "latency": {"p50_ms": 1.0, "p75_ms": 1.0, "p90_ms": 1.0,
        "p95_ms": 1.0, "p99_ms": 1.0, "p999_ms": 1.0, "max_ms": 1.0, "mean_ms": 1.0},
        "connect_mean_ms": 0.1, "tls_mean_ms": null, "ttfb_mean_ms": 1.0, "transfer_mean_ms": 0.0,
        "server_timing": {}, "requests_per_connection": 10.0, "http_version": "HTTP/1.1", "stopped": null
    }))
    .unwrap();
    use steth_collect::load::{Finish, PhaseObserver};
    observer.before(&info).await;
    observer.after(&info, &result).await;
    let steth_collect::pg::PgFindings { workload, activity, .. } = observer.finish().await;
    drop_db(&name).await;
    a.batch_execute(&format!("DROP ROLE IF EXISTS {role}")).await.unwrap();

    let pg = evidence.data().expect("collected");
    match &pg.index_bloat {
        Slot::Unavailable { reason } => assert!(reason.contains("CREATE EXTENSION pgstattuple"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let window = &workload.data().expect("one window").windows[0];
    match &window.statements {
        Slot::Unavailable { reason } => {
            assert!(reason.contains("pg_stat_statements") && reason.contains("shared_preload_libraries"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(window.tables.data().is_some() && window.new_sessions.data().is_some());
    assert_eq!(window.requests, 20, "10 measured and 10 in the default 1 s warm-up");
    assert!(activity.data().is_some(), "pg_monitor sees every session's state: {activity:?}");
}

/// Writes are explained, never run: the generic plans of an INSERT, an UPDATE and a DELETE come
/// back from stethoscope's read-only session and the table is untouched.
#[tokio::test]
async fn write_statements_are_explained_without_running() {
    if !up() {
        return;
    }
    let name = format!("steth_pg_explain_{}", std::process::id());
    let url = scratch(
        &name,
        "CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL);
         INSERT INTO items SELECT n, 1 FROM generate_series(1, 100) AS n;",
    )
    .await;
    let p = plan(&url);
    let session = steth_collect::pg::connect(p.postgres.as_ref().unwrap()).await.unwrap();
    let rows: std::collections::HashMap<String, u64> = [("public.items".to_string(), 100)].into();
    let mut outlines = Vec::new();
    for query in [
        "INSERT INTO items (id, qty) VALUES ($1, $2)",
        "UPDATE items SET qty = qty + $1 WHERE id = $2",
        "DELETE FROM items WHERE id > $1",
        "SELECT * FROM items WHERE qty = $1",
    ] {
        assert!(steth_collect::pg::explainable(query));
        match steth_collect::pg::generic_plan(&session.client, query, &rows).await {
            Slot::Collected { data } => outlines.push(data.outline()),
            other => panic!("{query}: {other:?}"),
        }
    }
    assert!(!steth_collect::pg::explainable("COMMIT"));
    drop(session);
    let check = admin(&url).await;
    let (count, total): (i64, i64) =
        check.query_one("SELECT count(*), sum(qty) FROM items", &[]).await.map(|r| (r.get(0), r.get(1))).unwrap();
    drop(check);
    drop_db(&name).await;
    assert_eq!((count, total), (100, 100), "the table is untouched");
    assert!(outlines[0].starts_with("ModifyTable"), "{outlines:?}");
    assert!(outlines[2].contains("public.items"), "{outlines:?}");
    assert!(outlines[3].starts_with("Seq Scan on public.items"), "{outlines:?}");
}

#[tokio::test]
async fn without_pgstattuple_bloat_is_estimated_from_statistics() {
    if !up() {
        return;
    }
    let name = format!("steth_pg_estimate_{}", std::process::id());
    // Four of every five rows go, and VACUUM leaves the index pages where they were: the
    // primary key index keeps its size for a fifth of the keys.
    let url = scratch(
        &name,
        "CREATE TABLE events (id bigint PRIMARY KEY, note int);
         CREATE TABLE fresh (id bigint PRIMARY KEY);
         INSERT INTO events SELECT g, g FROM generate_series(1, 200000) g;
         INSERT INTO fresh SELECT g FROM generate_series(1, 200000) g;
         DELETE FROM events WHERE id % 5 <> 0;",
    )
    .await;
    let maintenance = admin(&url).await;
    for table in ["events", "fresh"] {
        maintenance.batch_execute(&format!("VACUUM ANALYZE {table}")).await.unwrap();
    }
    let evidence = steth_collect::pg::collect(&plan(&url)).await;
    drop_db(&name).await;
    let pg = evidence.data().expect("collected");
    assert!(matches!(pg.index_bloat, Slot::Unavailable { .. }), "{:?}", pg.index_bloat);
    let estimates = pg.bloat_estimate.data().unwrap_or_else(|| panic!("{:?}", pg.bloat_estimate));
    let of = |n: &str| estimates.iter().find(|e| e.index == n).unwrap_or_else(|| panic!("{n}: {estimates:?}"));
    let (bloated, fresh) = (of("public.events_pkey").bloat_percent(), of("public.fresh_pkey").bloat_percent());
    assert!(bloated > 60.0, "events_pkey estimated at {bloated:.0} %");
    assert!(fresh < 20.0, "fresh_pkey estimated at {fresh:.0} %");
    // The item reports it as an estimate, a warn at most.
    let evidence = steth_core::evidence::Evidence { pg: unobserved(evidence), ..Default::default() };
    let item = steth_core::catalog::find("2.8").unwrap();
    let outcome = item.assess(&evidence, &item.default_threshold);
    assert_eq!(outcome.status, steth_core::Status::Warn, "{outcome:?}");
    assert!(outcome.measured.unwrap().contains("estimated"));
}

#[tokio::test]
async fn without_load_cumulative_scans_of_large_tables_are_read() {
    if !up() {
        return;
    }
    let name = format!("steth_pg_scans_{}", std::process::id());
    let url = scratch(
        &name,
        "CREATE TABLE big (id int PRIMARY KEY, v int);
         CREATE TABLE small (id int PRIMARY KEY);
         INSERT INTO big SELECT g, g FROM generate_series(1, 20000) g;
         INSERT INTO small SELECT g FROM generate_series(1, 100) g;
         ANALYZE big; ANALYZE small;",
    )
    .await;
    let app = admin(&url).await;
    for _ in 0..12 {
        app.query("SELECT count(*) FROM big WHERE v = 7", &[]).await.unwrap();
    }
    // An idle backend publishes its table counters up to 10 s late; one that exits, at once.
    drop(app);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let evidence = steth_collect::pg::collect(&plan(&url)).await;
    drop_db(&name).await;
    let totals = evidence.data().unwrap().scan_totals.data().expect("scan totals").clone();
    assert_eq!(totals.len(), 1, "only tables over 10 000 rows: {totals:?}");
    assert_eq!((totals[0].table.as_str(), totals[0].seq_scans >= 12), ("public.big", true), "{totals:?}");
    let evidence = steth_core::evidence::Evidence { pg: unobserved(evidence), ..Default::default() };
    let item = steth_core::catalog::find("2.3").unwrap();
    let outcome = item.assess(&evidence, &item.default_threshold);
    assert_eq!(outcome.status, steth_core::Status::Warn, "{outcome:?}");
}

/// A PgBouncer in front of the local PostgreSQL on a free loopback port; killed on drop.
struct PgBouncer {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PgBouncer {
    fn start() -> Option<PgBouncer> {
        let binary =
            ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].into_iter().find(|p| std::path::Path::new(p).exists());
        let Some(binary) = binary else {
            assert!(std::env::var_os("CI").is_none(), "CI must provide pgbouncer (scripts/services.sh installs it)");
            eprintln!("SKIPPED: pgbouncer is not installed (scripts/services.sh installs it)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let path = |f: &str| dir.path().join(f).display().to_string();
        // Trust still needs the users listed.
        std::fs::write(path("users.txt"), "\"postgres\" \"\"\n\"root\" \"\"\n").unwrap();
        let ini = format!(
            "[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
             auth_type = trust\nauth_file = {}\nstats_users = postgres\npool_mode = transaction\n\
             unix_socket_dir =\nlogfile = {}\n",
            path("users.txt"),
            path("pgbouncer.log")
        );
        std::fs::write(path("pgbouncer.ini"), ini).unwrap();
        let mut command = std::process::Command::new(binary);
        // PgBouncer refuses to run as root; it drops to an unprivileged user when asked.
        if running_as_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
            command.args(["-u", "postgres"]);
        }
        let child = command
            .arg(path("pgbouncer.ini"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("pgbouncer starts");
        let log = path("pgbouncer.log");
        let bouncer = PgBouncer { child, port, _dir: dir };
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
        for _ in 0..50 {
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                return Some(bouncer);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("pgbouncer did not listen on {addr}: {}", std::fs::read_to_string(log).unwrap_or_default());
    }
}

fn running_as_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"))
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serverless(url: &str) -> Plan {
    let mut p = plan(url);
    p.target = Some(steth_core::config::Target {
        base_url: url::Url::parse("http://127.0.0.1:1").unwrap(),
        serverless: true,
        timeout: Duration::from_secs(5),
        peak_rps: None,
    });
    p
}

/// The evidence of the catalog reads alone, without an observer's findings.
fn unobserved(catalog: Slot<steth_collect::pg::PgCatalog>) -> Slot<steth_core::evidence::PgEvidence> {
    let none = steth_collect::pg::PgFindings::missing(&Slot::unavailable("not observed"));
    catalog.map(|c| c.with(none, steth_collect::pg::ReplicaFindings::default()))
}

async fn verdict_4_10(plan: &Plan) -> steth_core::Outcome {
    let pg = unobserved(steth_collect::pg::collect(plan).await);
    let config = Slot::collected(plan.declared());
    let evidence = steth_core::evidence::Evidence { pg, config, ..Default::default() };
    let item = steth_core::catalog::find("4.10").unwrap();
    item.assess(&evidence, &item.default_threshold)
}

#[tokio::test]
async fn a_serverless_service_behind_pgbouncer_passes_and_a_direct_one_fails() {
    if !up() {
        return;
    }
    let Some(bouncer) = PgBouncer::start() else { return };
    // Its admin console answers SHOW VERSION to a stats user.
    let through = format!("postgresql://postgres@127.0.0.1:{}/postgres", bouncer.port);
    let o = verdict_4_10(&serverless(&through)).await;
    assert_eq!(o.status, steth_core::Status::Pass, "{o:?}");
    assert!(o.measured.as_deref().unwrap().starts_with("PgBouncer 1."), "{o:?}");
    // Any other role is refused with PgBouncer's own words, which give it away as well.
    let as_root = format!("postgresql://root@127.0.0.1:{}/postgres", bouncer.port);
    let o = verdict_4_10(&serverless(&as_root)).await;
    assert_eq!(o.status, steth_core::Status::Pass, "{o:?}");
    assert!(o.evidence.contains("refused"), "{o:?}");
    drop(bouncer);
    // Straight to PostgreSQL: a fail; not serverless: n/a.
    let o = verdict_4_10(&serverless(ADMIN)).await;
    assert_eq!(o.status, steth_core::Status::Fail, "{o:?}");
    assert!(o.evidence.contains("127.0.0.1:5432 reach PostgreSQL directly"), "{o:?}");
    let o = verdict_4_10(&plan(ADMIN)).await;
    assert_eq!(o.status, steth_core::Status::Na, "{o:?}");
}
