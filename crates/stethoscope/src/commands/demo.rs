//! `stethoscope demo`: starts the fixture shop in-process with a few defects and audits it.

use crate::cli::DemoArgs;
use crate::exit::{Exit, Failure};
use crate::output;
use shop::{Defect, ShopConfig};
use std::collections::BTreeMap;
use std::time::Duration;
use steth_core::config::{
    self, Endpoint, EndpointKind, Identity, IdentityLogin, LoadPlan, ParamValues, Plan, PostgresTarget, ProbeSettings,
    RedisTarget, Secret, Target,
};
use steth_core::evidence::Slot;
use url::Url;

/// Runs `stethoscope demo`.
pub fn run(args: DemoArgs) -> Result<Exit, Failure> {
    if args.list_defects {
        output::emit(None, |w| {
            for d in Defect::ALL {
                writeln!(w, "{:<28} {:<5} {}", d.name(), d.item(), d.description())?;
            }
            Ok(())
        })?;
        return Ok(Exit::Done);
    }
    let format = output::format(&args.render.format)?;
    let defects = parse_defects(&args.defects)?;
    let runtime = super::runtime()?;
    let name = format!("steth_demo_{}", std::process::id());
    let mut shop_config = ShopConfig::new(name.clone());
    shop_config.postgres_url = Some(args.postgres.clone());
    shop_config.redis_url = Some(args.redis.clone());
    shop_config.defects = defects.clone();
    if !args.quiet {
        let names: Vec<&str> = defects.iter().map(|d| d.name()).collect();
        eprintln!(
            "stethoscope demo: starting the fixture shop with defects: {}",
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        );
    }
    let shop = runtime
        .block_on(shop::start(shop_config))
        .map_err(|e| Failure::could_not_run(format!("cannot start the fixture shop: {e}")))?;
    for warning in shop.startup_warnings() {
        if !args.quiet {
            eprintln!("  ! {warning}");
        }
    }
    let mut plan = plan_for(&shop.base_url(), shop.database_url().filter(|_| shop.database_ready()));
    // The shop's keys only: the dev Redis may hold other tenants' keys (its counters and
    // memory settings are the instance's, and the report says so).
    if shop.redis_ready() {
        plan.redis = Some(RedisTarget::new(Secret::new(args.redis.clone()), Some(format!("{name}:*"))));
    }
    let pg_missing = (!shop.database_ready()).then(|| {
        let why = shop.startup_warnings().iter().find(|w| w.contains("PostgreSQL")).cloned();
        why.unwrap_or_else(|| format!("PostgreSQL at {} is not reachable", config::redact_url(&args.postgres)))
    });
    // The audit builds its own runtime; the shop keeps serving on this one's worker threads.
    let patch = |evidence: &mut steth_core::evidence::Evidence| {
        if let Some(why) = &pg_missing {
            evidence.pg = Slot::unavailable(format!(
                "{why}; start PostgreSQL (scripts/services.sh) to assess the database items"
            ));
        }
    };
    let report = super::audit::audit(&plan, Some("(demo: built-in fixture shop)".into()), args.quiet, Some(&patch));
    runtime.block_on(shop.shutdown());
    let report = report?;
    output::emit(args.render.out.as_deref(), |w| {
        steth_report::render(&report, format, output::style(args.render.out.is_some()), w)
    })?;
    Ok(Exit::Done)
}

fn parse_defects(names: &[String]) -> Result<Vec<Defect>, Failure> {
    if names.iter().all(|n| n == "none" || n.is_empty()) {
        return Ok(Vec::new());
    }
    names.iter().map(|n| n.parse::<Defect>().map_err(|e| Failure::usage(format!("--defects: {e}")))).collect()
}

fn endpoint(method: &str, path: &str, kind: EndpointKind, public: bool, list: bool) -> Endpoint {
    let mut params = BTreeMap::new();
    if path.contains("{id}") {
        // Ten hot products, read over and over: the cache warms up as in a running shop.
        let end = if path.starts_with("/products/") { 10 } else { 200 };
        params.insert("id".to_string(), ParamValues::Range { start: 1, end });
    }
    Endpoint {
        name: format!("{method} {path}"),
        method: method.into(),
        path: path.into(),
        kind,
        public,
        list,
        login: false,
        headers: Vec::new(),
        body: None,
        identity: None,
        p99_budget: None,
        params,
    }
}

/// A seeded shop user (`user{N}@shop.test` / `password{N}`) that logs in by itself.
fn shop_user(n: u32, owns: &str) -> Identity {
    Identity {
        headers: Vec::new(),
        owns: Some(owns.into()),
        login: Some(IdentityLogin {
            path: "/login".into(),
            body: Secret::new(format!(r#"{{"email":"user{n}@shop.test","password":"password{n}"}}"#)),
            token_pointer: "/token".into(),
            header: "Authorization".into(),
            prefix: "Bearer ".into(),
        }),
    }
}

/// The plan a user would write for the shop: the public catalogue, alice's (user 1) own user
/// and orders, placing an order, login; bob (user 2) owns order 1, alice order 1000.
pub fn plan_for(base_url: &str, database_url: Option<String>) -> Plan {
    let base = Url::parse(base_url).expect("the shop reports a valid base URL");
    let as_alice = |mut e: Endpoint, id: Option<&str>| {
        e.identity = Some("alice".into());
        if let Some(id) = id {
            e.params.insert("id".into(), ParamValues::List(vec![id.into()]));
        }
        e
    };
    let mut create = as_alice(endpoint("POST", "/orders", EndpointKind::Write, false, false), None);
    create.body = Some(Secret::new(r#"{"items":[{"product_id":1,"quantity":1}]}"#));
    let mut login = endpoint("POST", "/login", EndpointKind::Write, true, false);
    login.login = true;
    login.body = Some(Secret::new(r#"{"email":"user1@shop.test","password":"stethoscope-wrong-password"}"#));
    let mut identities = BTreeMap::new();
    identities.insert("alice".to_string(), shop_user(1, "/orders/1000"));
    identities.insert("bob".to_string(), shop_user(2, "/orders/1"));
    Plan {
        target: Some(Target { base_url: base, serverless: false, timeout: Duration::from_secs(5) }),
        endpoints: vec![
            endpoint("GET", "/products", EndpointKind::Read, true, true),
            endpoint("GET", "/products/{id}", EndpointKind::Read, true, false),
            as_alice(endpoint("GET", "/users/{id}", EndpointKind::Read, false, false), Some("1")),
            as_alice(endpoint("GET", "/orders", EndpointKind::Read, false, true), None),
            as_alice(endpoint("GET", "/orders/{id}", EndpointKind::Read, false, false), Some("1000")),
            create,
            as_alice(endpoint("GET", "/reports/orders-summary", EndpointKind::Batch, false, false), None),
            login,
        ],
        identities,
        postgres: database_url.map(|url| PostgresTarget {
            url: Secret::new(url),
            app_role: None,
            statement_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(1),
            // The pool-size formula (4.2) needs the database server's cores; a laptop's 2 is the
            // floor the shop's pool is sized for.
            cores: Some(2),
        }),
        cors_origin: config::DEFAULT_FOREIGN_ORIGIN.to_string(),
        // The shop allows 200 requests per second and address: the burst must be able to exceed it.
        probes: ProbeSettings { burst_requests: 1000, ..ProbeSettings::default() },
        // Short phases keep the demo under half a minute; a real audit measures longer.
        load: LoadPlan {
            rate: 50.0,
            duration: Duration::from_secs(2),
            warmup: Duration::from_millis(300),
            baseline_rate: 5.0,
            baseline_duration: Duration::from_millis(500),
            ..LoadPlan::default()
        },
        ..Plan::default()
    }
}
