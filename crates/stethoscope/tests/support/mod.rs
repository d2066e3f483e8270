//! The audit plan for the fixture shop, shared by the integration tests: its endpoints, two
//! identities that log in as seeded users, and probe bounds that fit the shop's limits.

pub mod pg_cluster;
pub mod redis_server;
pub mod shop_redis;

use shop::RunningShop;
use std::collections::BTreeMap;
use std::time::Duration;
use steth_core::config::{
    self, Endpoint, EndpointKind, Identity, IdentityLogin, LoadPlan, MetricsTarget, ParamValues, Plan, PostgresTarget,
    ProbeSettings, Secret, Target,
};

/// One endpoint of the shop; `{id}` takes the given values.
fn endpoint(method: &str, path: &str, ids: Option<ParamValues>) -> Endpoint {
    let mut params = BTreeMap::new();
    if let Some(ids) = ids {
        params.insert("id".to_string(), ids);
    }
    Endpoint {
        name: format!("{method} {path}"),
        method: method.into(),
        path: path.into(),
        kind: if method == "GET" { EndpointKind::Read } else { EndpointKind::Write },
        public: false,
        list: false,
        login: false,
        headers: vec![],
        body: None,
        identity: None,
        p99_budget: None,
        params,
    }
}

/// A seeded user (`user{N}@shop.test` / `password{N}`) that logs in by itself and owns an order.
fn user(n: u32, owns: &str) -> Identity {
    let body = format!(r#"{{"email":"user{n}@shop.test","password":"password{n}"}}"#);
    Identity {
        headers: vec![],
        owns: Some(owns.into()),
        login: Some(IdentityLogin {
            path: "/login".into(),
            body: Secret::new(body),
            token_pointer: "/token".into(),
            header: "Authorization".into(),
            prefix: "Bearer ".into(),
        }),
    }
}

/// The plan a user would write for the shop: public catalogue, the caller's own user and
/// orders, placing an order, login; alice is user 1, bob user 2 (seeded order `o` belongs to
/// user `1 + o % users`, so with 1 000 users order 1000 is alice's and order 1 bob's).
pub fn shop_plan(shop: &RunningShop) -> Plan {
    let list = |mut e: Endpoint| {
        e.list = true;
        e
    };
    let public = |mut e: Endpoint| {
        e.public = true;
        e
    };
    let alice = |mut e: Endpoint| {
        e.identity = Some("alice".into());
        e
    };
    let batch = |mut e: Endpoint| {
        e.kind = EndpointKind::Batch;
        e
    };
    let mut create = alice(endpoint("POST", "/orders", None));
    create.body = Some(Secret::new(r#"{"items":[{"product_id":1,"quantity":1}]}"#));
    let mut login = public(endpoint("POST", "/login", None));
    login.login = true;
    login.body = Some(Secret::new(r#"{"email":"user1@shop.test","password":"stethoscope-wrong-password"}"#));
    let mut identities = BTreeMap::new();
    identities.insert("alice".to_string(), user(1, "/orders/1000"));
    identities.insert("bob".to_string(), user(2, "/orders/1"));
    Plan {
        target: Some(Target {
            base_url: url::Url::parse(&shop.base_url()).expect("the shop reports a valid base URL"),
            // The `serverless-direct-db` shop is deployed as functions: its config says so.
            serverless: shop.serverless(),
            timeout: Duration::from_secs(5),
        }),
        endpoints: vec![
            list(public(endpoint("GET", "/products", None))),
            // Ten hot products: the cache is warm after the first ten lookups, as in a running shop.
            public(endpoint("GET", "/products/{id}", Some(ParamValues::Range { start: 1, end: 10 }))),
            alice(endpoint("GET", "/users/{id}", Some(ParamValues::List(vec!["1".into()])))),
            list(alice(endpoint("GET", "/orders", None))),
            alice(endpoint("GET", "/orders/{id}", Some(ParamValues::List(vec!["1000".into()])))),
            create,
            batch(alice(endpoint("GET", "/reports/orders-summary", None))),
            login,
        ],
        identities,
        postgres: shop.database_url().map(|url| PostgresTarget {
            url: Secret::new(url),
            app_role: None,
            statement_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(1),
            // The pool-size formula (4.2) needs the database server's cores; a laptop's 2 is the
            // floor the shop's pool is sized for.
            cores: Some(2),
        }),
        // The shop's /metrics: 2.1 reads its db_query_duration_seconds histogram (detected).
        metrics: Some(MetricsTarget::new(
            url::Url::parse(&shop.base_url()).and_then(|u| u.join("/metrics")).expect("the shop's URL takes a path"),
        )),
        cors_origin: config::DEFAULT_FOREIGN_ORIGIN.into(),
        // The shop allows 200 requests per second and address: the burst must be able to exceed it.
        probes: ProbeSettings { burst_requests: 1000, ..ProbeSettings::default() },
        // Short phases: 150 requests per endpoint at normal load are enough to see a tail of
        // every 50th request in the p99, and keep a row of the truth matrix near 20 s.
        load: LoadPlan {
            rate: 75.0,
            duration: Duration::from_secs(2),
            warmup: Duration::from_millis(200),
            baseline_rate: 5.0,
            baseline_duration: Duration::from_millis(500),
            ..LoadPlan::default()
        },
        policy: short_connection_limits(),
        ..Plan::default()
    }
}

/// The matrix's shops retire pool connections after 10 s of life or 3 s idle, so the
/// connection-age limits shrink from minutes to seconds: open over 13 s (4.4; an audit watches
/// the database for about 21 s), idle over 5 s (4.5), idle in transaction over 2 s (4.6).
fn short_connection_limits() -> steth_core::policy::Policy {
    let mut policy = steth_core::policy::Policy::default();
    for (id, limit) in [("4.4", "13s"), ("4.5", "5s"), ("4.6", "2s")] {
        let item = steth_core::catalog::find(id).expect("the item exists");
        let threshold = item.default_threshold.with_override(limit).expect("a duration threshold");
        policy.thresholds.insert(id.to_string(), threshold);
    }
    policy
}
