//! Verdicts against real databases set up the way third-party services leave them: a
//! database audited on its own (no HTTP service), a service that never touches its database
//! or cache, a session left idle in transaction, a driver's connection reset, colliding Redis
//! key shapes. Each test starts a PostgreSQL cluster of its own (with `pg_stat_statements`
//! preloaded) or a `redis-server` of its own.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;
use steth_collect::{Needs, Silent};
use steth_core::Outcome;
use steth_core::catalog::Source;
use steth_core::config::{Endpoint, LoadPlan, Plan, PostgresTarget, RedisTarget, Secret, Target};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_postgres::NoTls;

/// A cluster of the test's own, or `None` (skipped loudly; CI must have the binaries).
fn cluster() -> Option<support::pg_cluster::Cluster> {
    match support::pg_cluster::Cluster::start() {
        Ok(c) => Some(c),
        Err(why) => {
            assert!(std::env::var_os("CI").is_none(), "CI must provide PostgreSQL server binaries: {why}");
            eprintln!("SKIPPED: {why}");
            None
        }
    }
}

fn redis_server() -> Option<support::redis_server::RedisServer> {
    let started = support::redis_server::available()
        .and_then(|()| support::redis_server::RedisServer::start(&support::redis_server::ServerConfig::HEALTHY));
    match started {
        Ok(s) => Some(s),
        Err(why) => {
            assert!(std::env::var_os("CI").is_none(), "CI must provide redis-server: {why}");
            eprintln!("SKIPPED: {why}");
            None
        }
    }
}

async fn client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

/// The cluster's URL for a database and role.
fn url_as(admin: &str, role: &str, database: &str) -> String {
    let server = admin.trim_start_matches("postgresql://postgres@").trim_end_matches("/postgres");
    format!("postgresql://{role}@{server}/{database}")
}

fn postgres(url: &str, app_role: Option<&str>, session_watch: Duration) -> PostgresTarget {
    PostgresTarget {
        url: Secret::new(url),
        app_role: app_role.map(str::to_string),
        statement_timeout: Duration::from_secs(5),
        lock_timeout: Duration::from_secs(1),
        cores: Some(2),
        session_watch,
        replicas: Vec::new(),
    }
}

/// Short load phases against `base`, one endpoint each.
fn with_load(plan: &mut Plan, base: &str, paths: &[&str]) {
    plan.target = Some(Target {
        base_url: base.parse().expect("a base URL"),
        serverless: false,
        timeout: Duration::from_secs(2),
        peak_rps: None,
    });
    plan.endpoints = paths.iter().map(|p| Endpoint::new("GET", p)).collect();
    plan.load = LoadPlan {
        rate: 50.0,
        duration: Duration::from_secs(2),
        warmup: Duration::from_millis(200),
        baseline_rate: 5.0,
        baseline_duration: Duration::from_millis(400),
        ..LoadPlan::default()
    };
}

/// Thresholds overridden as `("4.6", "2s")`.
fn thresholds(plan: &mut Plan, overrides: &[(&str, &str)]) {
    for (id, value) in overrides {
        let item = steth_core::catalog::find(id).expect("the item exists");
        plan.policy.thresholds.insert(id.to_string(), item.default_threshold.with_override(value).expect("valid"));
    }
}

async fn audit(plan: &Plan, needs: Needs) -> BTreeMap<&'static str, Outcome> {
    let evidence = steth_collect::collect(plan, needs, &Silent).await;
    plan.policy.assess(&evidence).into_iter().map(|a| (a.item.id, a.outcome)).collect()
}

fn show(o: &Outcome) -> String {
    format!("{:?}: {:?} / {} / {:?}", o.status, o.measured, o.evidence, o.findings)
}

/// What a request does on the tiny service.
#[derive(Clone)]
enum Work {
    /// Nothing: the service never touches a database.
    Nothing,
    /// One query, then the connection reset asyncpg runs when a connection goes back to its pool.
    QueryThenReset(std::sync::Arc<tokio_postgres::Client>),
}

/// A minimal HTTP/1.1 service on a loopback port: every request gets `200 ok` after `work`.
async fn service(work: Work) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let work = work.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = stream.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        if let Work::QueryThenReset(db) = &work {
                            let _ = db.query("SELECT id, name FROM items WHERE id = $1", &[&1i32]).await;
                            let _ = db
                                .batch_execute("SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;")
                                .await;
                        }
                        let answer = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok";
                        if stream.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}/")
}

/// Finding 8: a service that never touches PostgreSQL or Redis, audited against a database and
/// a shared Redis that other clients use: nothing judged from the service's activity passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_never_touches_its_databases_passes_nothing_on_them() {
    let (Some(cluster), Some(redis)) = (cluster(), redis_server()) else { return };
    let admin = cluster.admin_url();
    client(&admin).await.batch_execute("CREATE DATABASE idle_app").await.expect("create database");
    // Another client of the shared Redis: 13 keys, and a few lookups while the load runs.
    let cache = redis::Client::open(redis.url()).expect("a redis url");
    let mut other = cache.get_multiplexed_async_connection().await.expect("redis connects");
    for i in 0..13 {
        let _: () = redis::cmd("SET").arg(format!("other:{i}")).arg("v").query_async(&mut other).await.unwrap();
    }
    let stray = tokio::spawn(async move {
        for i in 0.. {
            let _: Option<String> =
                redis::cmd("GET").arg(format!("other:{}", i % 13)).query_async(&mut other).await.unwrap_or(None);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    let base = service(Work::Nothing).await;
    let mut plan = Plan {
        postgres: Some(postgres(&url_as(&admin, "postgres", "idle_app"), None, Duration::from_secs(2))),
        redis: Some(RedisTarget::new(Secret::new(redis.url()), None)),
        ..Plan::default()
    };
    with_load(&mut plan, &base, &["/a", "/b"]);
    let needs = Needs::default().with(Source::Pg).with(Source::Load).with(Source::Redis);
    let got = audit(&plan, needs).await;
    stray.abort();
    for id in ["2.3", "2.4", "4.1", "4.4", "4.5", "4.6", "3.1", "3.8"] {
        let o = &got[id];
        assert_eq!(o.status, steth_core::Status::NotAssessed, "{id}: {}", show(o));
    }
    assert!(got["4.1"].evidence.contains("is `[postgres] url` the service's database"), "{}", show(&got["4.1"]));
    assert!(got["4.6"].evidence.contains("showed no activity"), "{}", show(&got["4.6"]));
    assert!(got["3.1"].evidence.contains("the instance looks shared"), "{}", show(&got["3.1"]));
}

/// Finding 5: a session of the service's role left idle in transaction since setup is watched
/// until it can be judged, and 4.4 tells the truth about it; the role judged is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_idle_in_transaction_since_setup_is_watched_until_it_fails() {
    let Some(cluster) = cluster() else { return };
    let admin = cluster.admin_url();
    let a = client(&admin).await;
    a.batch_execute("CREATE ROLE shopapp LOGIN").await.expect("a role");
    a.batch_execute("CREATE DATABASE leaky OWNER shopapp").await.expect("a database");
    let app = client(&url_as(&admin, "shopapp", "leaky")).await;
    app.batch_execute("BEGIN; SELECT 1").await.expect("a transaction left open");
    let url = url_as(&admin, "postgres", "leaky");
    let mut plan = Plan { postgres: Some(postgres(&url, Some("shopapp"), Duration::from_secs(4))), ..Plan::default() };
    thresholds(&mut plan, &[("4.6", "2s")]);
    let needs = Needs::default().with(Source::Pg);
    let got = audit(&plan, needs).await;
    let leak = &got["4.6"];
    assert_eq!(leak.status, steth_core::Status::Fail, "{}", show(leak));
    assert!(leak.evidence.contains("idle in transaction for"), "{}", show(leak));
    // 4.4 saw the session: its reason says what it was, not that there was none.
    let lifetime = &got["4.4"];
    assert_eq!(lifetime.status, steth_core::Status::NotAssessed, "{}", show(lifetime));
    assert!(
        lifetime.evidence.starts_with("every session of the service seen was idle in transaction"),
        "{}",
        show(lifetime)
    );
    assert!(got["2.5"].evidence.contains("for role shopapp in database leaky"), "{}", show(&got["2.5"]));
    // Without time to watch, the same session is not a pass: it is not assessed, and says why.
    plan.postgres.as_mut().expect("set above").session_watch = Duration::ZERO;
    thresholds(&mut plan, &[("4.6", "60s")]);
    let got = audit(&plan, needs).await;
    let leak = &got["4.6"];
    assert_eq!(leak.status, steth_core::Status::NotAssessed, "{}", show(leak));
    assert!(leak.evidence.starts_with("watched for"), "{}", show(leak));
    // Without an app role, stethoscope's own is judged, and 2.5 says so.
    plan.postgres.as_mut().expect("set above").app_role = None;
    let got = audit(&plan, Needs::default().with(Source::Pg)).await;
    assert!(
        got["2.5"].evidence.contains("for role postgres (stethoscope's own role, assumed"),
        "{}",
        show(&got["2.5"])
    );
    drop(app);
}

/// Findings 1 and 2: a database audited on its own, with no service to load. Its slow and
/// tail-heavy statements are judged from the counters since the last reset, and a long
/// statement with `--` comments and newlines is explained whole; a never-analysed 6-row table
/// is no misestimate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_alone_is_judged_from_its_cumulative_statements() {
    let Some(cluster) = cluster() else { return };
    let admin = cluster.admin_url();
    client(&admin).await.batch_execute("CREATE DATABASE legacy").await.expect("a database");
    let url = url_as(&admin, "postgres", "legacy");
    let db = client(&url).await;
    db.batch_execute(
        "CREATE EXTENSION pg_stat_statements;
         CREATE TABLE orders (id int PRIMARY KEY, note text);
         INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 2000) g;
         ANALYZE orders;
         CREATE TABLE tiny (id int, note text);
         INSERT INTO tiny SELECT g, 'row ' || g FROM generate_series(1, 6) g;",
    )
    .await
    .expect("setup");
    // Tail-heavy: 100 fast calls and 3 slow ones (mean 12.6 ms, p99 well over 100 ms).
    for i in 0..103 {
        let secs = if i % 40 == 39 { 0.4 } else { 0.001 };
        db.simple_query(&format!("SELECT pg_sleep({secs}) AS tail")).await.expect("sleep");
    }
    let long = "SELECT o.id, o.note -- the order's own columns, as the list page shows them\n\
                     , (SELECT count(*) FROM orders i WHERE i.id <= o.id) AS orders_before_this_one -- a running count\n\
                  FROM orders o\n\
                 WHERE o.id > $1 -- only the orders after the cursor the client sent back to us\n\
                   AND o.note IS NOT NULL -- notes are optional in the old schema, so skip the empty ones\n\
                 ORDER BY o.id -- the primary key delivers this order without a sort\n\
                 LIMIT 20";
    assert!(long.len() > 300, "the statement is longer than the evidence shows");
    for i in 0..40 {
        db.query(long, &[&i]).await.expect("the long statement runs");
        db.query("SELECT id, note FROM tiny WHERE note IS NOT NULL", &[]).await.expect("tiny");
    }
    let plan = Plan { postgres: Some(postgres(&url, None, Duration::ZERO)), ..Plan::default() };
    let got = audit(&plan, Needs::default().with(Source::Pg)).await;
    let latency = &got["2.1"];
    assert_eq!(latency.status, steth_core::Status::Fail, "{}", show(latency));
    assert!(latency.evidence.contains("no load phase ran: cumulative since"), "{}", show(latency));
    assert!(latency.findings.iter().any(|f| f.contains("AS tail")), "{}", show(latency));
    let plans = &got["2.7"];
    assert_eq!(plans.status, steth_core::Status::Pass, "{}", show(plans));
    assert!(plans.evidence.contains("cumulative since"), "{}", show(plans));
    let outline = plans.findings.iter().find(|f| f.contains("orders_before_this_one")).expect("the long statement");
    assert!(!outline.starts_with("not explained"), "{outline}");
    // Only the setup's one-off INSERTs (untyped parameters) stay unexplained, a sliver of the calls;
    // the never-analysed 6-row table is no misestimate.
    assert!(plans.findings.iter().filter(|f| f.starts_with("not explained")).all(|f| f.contains("INSERT INTO")));
    assert_eq!(plans.measured.as_deref(), Some("0 finding(s) in 3 plan(s)"), "{}", show(plans));
}

/// Finding 3: a service whose driver resets each connection it returns to its pool, as asyncpg
/// does: the four reset statements are driver overhead, not the application's queries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drivers_connection_reset_is_not_counted_as_the_applications_queries() {
    let Some(cluster) = cluster() else { return };
    let admin = cluster.admin_url();
    client(&admin).await.batch_execute("CREATE DATABASE resetting").await.expect("a database");
    let url = url_as(&admin, "postgres", "resetting");
    let db = client(&url).await;
    db.batch_execute(
        "CREATE EXTENSION pg_stat_statements;
         CREATE TABLE items (id int PRIMARY KEY, name text);
         INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g;",
    )
    .await
    .expect("setup");
    let base = service(Work::QueryThenReset(std::sync::Arc::new(db))).await;
    let mut plan = Plan { postgres: Some(postgres(&url, None, Duration::ZERO)), ..Plan::default() };
    with_load(&mut plan, &base, &["/items/1"]);
    let got = audit(&plan, Needs::default().with(Source::Pg).with(Source::Load)).await;
    let n1 = &got["2.4"];
    assert_eq!(n1.status, steth_core::Status::Pass, "{}", show(n1));
    assert!(n1.measured.as_deref().is_some_and(|m| m.starts_with("1.0 queries per request")), "{}", show(n1));
    let finding = &n1.findings[0];
    assert!(finding.contains("most repeated 1.0× per request: SELECT id, name FROM items WHERE id = $1"), "{finding}");
    assert!(finding.contains("driver overhead 4.0 statement(s) per request, not counted"), "{finding}");
    assert!(finding.contains("CLOSE ALL"), "{finding}");
}

/// Findings 6 and 7, on a Redis of the test's own audited without load: `user:<id>` hashes and
/// `user:session:<token>` strings collide across prefix levels, and a cumulative hit rate of
/// 40 % over 1 000 lookups since startup is a measurement that fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colliding_shapes_and_a_poor_cumulative_hit_rate_fail_without_load() {
    let Some(redis) = redis_server() else { return };
    let cache = redis::Client::open(redis.url()).expect("a redis url");
    let mut c = cache.get_multiplexed_async_connection().await.expect("redis connects");
    for id in 1..=5 {
        let _: () =
            redis::cmd("HSET").arg(format!("user:{id}")).arg("name").arg("ann").query_async(&mut c).await.unwrap();
        let _: () = redis::cmd("EXPIRE").arg(format!("user:{id}")).arg(600).query_async(&mut c).await.unwrap();
    }
    for token in ["ab12cd", "ef34gh", "ij56kl"] {
        let key = format!("user:session:{token}");
        let _: () = redis::cmd("SET").arg(key).arg("1").arg("EX").arg(600).query_async(&mut c).await.unwrap();
    }
    // 400 hits and 600 misses since startup.
    for i in 0..1000 {
        let key = if i % 5 < 2 { "user:session:ab12cd".to_string() } else { format!("user:session:gone{i}") };
        let _: Option<String> = redis::cmd("GET").arg(key).query_async(&mut c).await.unwrap();
    }
    let plan = Plan { redis: Some(RedisTarget::new(Secret::new(redis.url()), None)), ..Plan::default() };
    let got = audit(&plan, Needs::default().with(Source::Redis)).await;
    let shapes = &got["3.5"];
    assert_eq!(shapes.status, steth_core::Status::Fail, "{}", show(shapes));
    assert_eq!(
        shapes.measured.as_deref(),
        Some("1 namespace collision(s), 0 key(s) without a namespace, in 8 sampled keys"),
        "{}",
        show(shapes)
    );
    assert!(shapes.findings[0].contains("user:{n} (5 hash) and user:session:{s} (3 string)"), "{}", show(shapes));
    let rate = &got["3.1"];
    assert_eq!(rate.status, steth_core::Status::Fail, "{}", show(rate));
    assert_eq!(rate.measured.as_deref(), Some("40.0 % hits since startup"), "{}", show(rate));
}
