//! The Redis side of the fixture shop's audits: which server configuration a defect needs (the
//! server-level defects cannot be switched inside the shop) and the plan's `[redis]` table.
// Test binaries that share `support` use only part of it.
#![allow(dead_code)]

use super::redis_server::ServerConfig;
use shop::Defect;
use steth_core::config::{HotKey, MetricsTarget, MissingLookup, Plan, RedisTarget, Secret};

/// The server a row's shop runs against: healthy unless a defect is about the server itself.
pub fn server_for(defects: &[Defect]) -> ServerConfig {
    let mut config = ServerConfig::HEALTHY;
    for d in defects {
        match d {
            Defect::NoevictionPolicy => config.policy = "noeviction",
            Defect::UnlimitedMaxmemory => config.maxmemory = "0",
            Defect::EvictionStorm => {
                config.maxmemory = "4mb";
                config.tenant_writes = true;
            }
            _ => {}
        }
    }
    config
}

/// Points the plan at the shop's Redis, scoped to its key prefix, with the active probes on:
/// the hot key of `GET /products/1` (25 requests at once) and a product id that does not exist. The shop's
/// `/metrics` counts statements where `pg_stat_statements` is missing.
pub fn with_redis(plan: &mut Plan, url: &str, prefix: &str) {
    if let Some(target) = &plan.target {
        let metrics = target.base_url.join("/metrics").expect("the shop's base URL takes a path");
        // Keep the shop plan's alert rule files (5.5, 5.6).
        let rule_files = plan.metrics.take().map(|m| m.rule_files).unwrap_or_default();
        plan.metrics = Some(MetricsTarget { rule_files, ..MetricsTarget::new(metrics) });
    }
    let mut target = RedisTarget::new(Secret::new(url.to_string()), Some(format!("{prefix}:*")));
    target.active = true;
    target.stampede =
        Some(HotKey { path: "/products/1".into(), key: format!("{prefix}:product:1"), requests: 25, identity: None });
    target.negative = Some(MissingLookup { path: "/products/999999999".into(), identity: None });
    plan.redis = Some(target);
}
