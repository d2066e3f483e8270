//! The truth matrix: the fixture shop audited healthy (every measurable item passes) and once
//! per defect switch (exactly the targeted item fails, nothing else changes).

use shop::{Defect, ShopConfig};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use steth_collect::{Needs, Silent};
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{self, Endpoint, EndpointKind, ParamValues, Plan, PostgresTarget, Secret, Target};
use steth_core::policy::Policy;

static RUN: AtomicU32 = AtomicU32::new(0);

/// Whether PostgreSQL and Redis answer; in CI their absence fails the test, locally it skips
/// loudly.
fn services_up() -> bool {
    let pg = std::net::TcpStream::connect_timeout(&"127.0.0.1:5432".parse().unwrap(), Duration::from_secs(1)).is_ok();
    let redis = std::net::TcpStream::connect_timeout(&"127.0.0.1:6379".parse().unwrap(), Duration::from_secs(1)).is_ok();
    if pg && redis {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "CI must provide PostgreSQL and Redis (scripts/services.sh)");
    eprintln!("SKIPPED: PostgreSQL or Redis is not running on 127.0.0.1; run scripts/services.sh");
    false
}

fn read(path: &str, list: bool) -> Endpoint {
    let mut params = BTreeMap::new();
    if path.contains("{id}") {
        params.insert("id".to_string(), ParamValues::Range { start: 1, end: 100 });
    }
    Endpoint {
        name: format!("GET {path}"),
        method: "GET".into(),
        path: path.into(),
        kind: EndpointKind::Read,
        public: true,
        list,
        login: false,
        headers: vec![],
        body: None,
        identity: None,
        p99_budget: None,
        params,
    }
}

/// Starts the shop with the defects, audits it, shuts it down; returns each item's status.
async fn audit(defects: &[Defect]) -> BTreeMap<&'static str, (Status, String)> {
    let n = RUN.fetch_add(1, Ordering::SeqCst);
    let mut shop_config = ShopConfig::new(format!("steth_truth_{}_{n}", std::process::id()));
    shop_config.defects = defects.to_vec();
    shop_config.seed.products = 12_000;
    shop_config.seed.orders = 12_000;
    let shop = shop::start(shop_config).await.expect("the shop starts");
    assert!(shop.database_ready() && shop.redis_ready(), "{:?}", shop.startup_warnings());
    let plan = Plan {
        target: Some(Target {
            base_url: url::Url::parse(&shop.base_url()).unwrap(),
            serverless: false,
            timeout: Duration::from_secs(5),
        }),
        endpoints: vec![read("/products", true), read("/products/{id}", false)],
        postgres: Some(PostgresTarget {
            url: Secret::new(shop.database_url().expect("database url")),
            app_role: None,
            statement_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(1),
        }),
        cors_origin: config::DEFAULT_FOREIGN_ORIGIN.into(),
        ..Plan::default()
    };
    let evidence = steth_collect::collect(&plan, Needs { http: true, pg: true }, &Silent).await;
    shop.shutdown().await;
    Policy::default()
        .assess(&evidence)
        .into_iter()
        .map(|a| (a.item.id, (a.outcome.status, a.outcome.evidence)))
        .collect()
}

/// Every item: implemented ones pass unless targeted, targeted ones fail, the rest are not
/// assessed.
fn expect(defect: Option<Defect>, got: &BTreeMap<&'static str, (Status, String)>) {
    let mut wrong = Vec::new();
    for item in catalog::items() {
        let want = match (item.is_implemented(), defect.is_some_and(|d| d.item() == item.id)) {
            (true, true) => Status::Fail,
            (true, false) => Status::Pass,
            (false, _) => Status::NotAssessed,
        };
        let (status, evidence) = &got[item.id];
        if *status != want {
            wrong.push(format!("{} {}: want {want:?}, got {status:?} ({evidence})", item.id, item.slug));
        }
    }
    let name = defect.map_or("healthy", |d| d.name());
    assert!(wrong.is_empty(), "truth matrix row `{name}`:\n{}", wrong.join("\n"));
}

async fn row(defect: Option<Defect>) {
    if !services_up() {
        return;
    }
    let defects: Vec<Defect> = defect.into_iter().collect();
    let got = audit(&defects).await;
    expect(defect, &got);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_shop_passes_every_measurable_item() {
    row(None).await;
}

/// Defects whose item has a collector in this build; each gets its own row below.
const ROWS: &[&str] =
    &["fk-without-index", "no-statement-timeout", "slow-log-off", "cors-wildcard", "missing-security-headers", "no-readiness"];

macro_rules! rows {
    ($($name:ident => $defect:literal),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                row(Some($defect.parse().expect("defect exists"))).await;
            }
        )*
    };
}

rows! {
    defect_fk_without_index => "fk-without-index",
    defect_no_statement_timeout => "no-statement-timeout",
    defect_slow_log_off => "slow-log-off",
    defect_cors_wildcard => "cors-wildcard",
    defect_missing_security_headers => "missing-security-headers",
    defect_no_readiness => "no-readiness",
}

#[test]
fn every_measurable_item_has_a_defect_switch_and_a_row() {
    for item in catalog::items().filter(|i| i.is_implemented()) {
        let defect = Defect::ALL.iter().find(|d| d.item() == item.id);
        let defect = defect.unwrap_or_else(|| panic!("{} {} has a collector but no defect switch", item.id, item.slug));
        assert!(ROWS.contains(&defect.name()), "defect `{}` has no truth-matrix row", defect.name());
    }
    for name in ROWS {
        let d: Defect = name.parse().unwrap();
        assert!(catalog::find(d.item()).is_some_and(|i| i.is_implemented()), "row `{name}` targets an unmeasured item");
    }
}
