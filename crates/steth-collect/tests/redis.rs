//! The Redis collector against real `redis-server` processes of the tests' own: counters,
//! memory settings with and without `CONFIG`, and a key sample scoped to its pattern.

#[path = "../../stethoscope/tests/support/redis_server.rs"]
mod redis_server;

use redis_server::{RedisServer, ServerConfig};
use std::time::Duration;
use steth_core::config::{Plan, RedisTarget, Secret};
use steth_core::evidence::{RedisEvidence, Slot};

/// A server, or None (skipped loudly) when redis-server is missing outside CI.
fn server(config: &ServerConfig) -> Option<RedisServer> {
    if let Err(why) = redis_server::available() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide redis-server: {why}");
        eprintln!("SKIPPED: {why}");
        return None;
    }
    Some(RedisServer::start(config).expect("redis-server starts"))
}

fn plan(server: &RedisServer, pattern: Option<&str>) -> Plan {
    let target = RedisTarget::new(Secret::new(server.url()), pattern.map(String::from));
    Plan { redis: Some(target), ..Plan::default() }
}

/// The first read, then the observer's finish, assembled as the orchestrator does.
async fn audit(plan: &Plan) -> RedisEvidence {
    use steth_collect::load::Finish;
    let first = steth_collect::redis::collect(plan).await;
    let observer = steth_collect::redis::RedisObserver::connect(plan, &first).await.expect("an observer");
    let found = observer.finish().await;
    match first {
        Slot::Collected { data } => data.with(found),
        other => panic!("no evidence: {other:?}"),
    }
}

#[tokio::test]
async fn the_sample_stays_inside_its_pattern_and_counters_come_first() {
    let Some(server) = server(&ServerConfig::HEALTHY) else { return };
    for (key, ttl) in [("app:product:1", true), ("app:product:2", false), ("app:42", true)] {
        let mut args = vec!["SET", key, "v"];
        if ttl {
            args.extend(["EX", "600"]);
        }
        server.command(&args).expect("SET");
    }
    // Another test's keys on the same server never enter the sample.
    for i in 0..50 {
        server.command(&["SET", &format!("other:thing:{i}"), "v"]).expect("SET");
    }
    server.command(&["GET", "app:product:1"]).expect("GET");
    server.command(&["GET", "app:missing"]).expect("GET");
    let ev = audit(&plan(&server, Some("app:*"))).await;
    assert_eq!((ev.start.keyspace_hits, ev.start.keyspace_misses), (1, 1));
    assert_eq!((ev.start.keys, ev.start.expires), (53, 2));
    // The end counters are read before TTL and TYPE touch any key.
    let end = ev.end.data().expect("end counters");
    assert_eq!((end.keyspace_hits, end.keyspace_misses), (1, 1));
    let sample = ev.sample.data().expect("a sample");
    assert_eq!(sample.sampled, 3);
    assert_eq!(sample.scope, "app:");
    assert_eq!(sample.without_ttl.len(), 1);
    assert_eq!((sample.without_ttl[0].prefix.as_str(), sample.without_ttl[0].keys), ("app:product", 1));
    let prefixes: Vec<&str> = sample.namespaces.iter().map(|n| n.prefix.as_str()).collect();
    assert_eq!(prefixes, vec!["", "product"]);
    let memory = ev.memory.data().expect("memory settings");
    assert_eq!(
        (memory.maxmemory, memory.policy.as_str(), memory.source.as_str()),
        (256 << 20, "allkeys-lru", "CONFIG GET")
    );
    assert!(matches!(ev.stampede, Slot::Unavailable { .. }), "active probes are off by default");
}

#[tokio::test]
async fn without_config_the_memory_settings_come_from_info() {
    let config =
        ServerConfig { maxmemory: "64mb", policy: "volatile-lfu", without_config: true, ..ServerConfig::HEALTHY };
    let Some(server) = server(&config) else { return };
    let ev = audit(&plan(&server, None)).await;
    let memory = ev.memory.data().expect("memory settings");
    assert_eq!(
        (memory.maxmemory, memory.policy.as_str(), memory.source.as_str()),
        (64 << 20, "volatile-lfu", "INFO memory")
    );
}

#[tokio::test]
async fn the_sample_stops_at_its_key_cap() {
    let Some(server) = server(&ServerConfig::HEALTHY) else { return };
    for i in 0..300 {
        server.command(&["SET", &format!("app:item:{i}"), "v", "EX", "600"]).expect("SET");
    }
    let mut plan = plan(&server, None);
    if let Some(r) = &mut plan.redis {
        r.max_keys = 100;
        r.scan_budget = Duration::from_secs(5);
    }
    let ev = audit(&plan).await;
    let sample = ev.sample.data().expect("a sample");
    assert_eq!(sample.sampled, 100);
    assert!(sample.truncated.as_deref().is_some_and(|t| t.contains("cap of 100")), "{:?}", sample.truncated);
}

#[tokio::test]
async fn an_unreachable_redis_is_a_failed_source() {
    let target = RedisTarget::new(Secret::new("redis://127.0.0.1:1"), None);
    let plan = Plan { redis: Some(target), ..Plan::default() };
    assert!(matches!(steth_collect::redis::collect(&plan).await, Slot::Failed { .. }));
}
