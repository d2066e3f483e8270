//! What the integration tests share: the fixture shop's audit plan with short connection
//! limits, a throwaway PostgreSQL cluster, and Redis servers of their own.

// Test binaries that share `support` use only part of it.
#![allow(dead_code)]

pub mod pg_cluster;
pub mod redis_server;
#[path = "../../../steth-source/tests/support/repo_fixture.rs"]
pub mod repo_fixture;
pub mod shop_redis;

use shop::RunningShop;
use steth_core::config::Plan;

/// The shop's own audit plan ([`shop::audit_plan`], which the demo uses too) with the
/// matrix's short connection limits.
pub fn shop_plan(shop: &RunningShop) -> Plan {
    let mut plan = Plan { policy: short_connection_limits(), ..shop::audit_plan(shop) };
    // Idle sessions are watched at most a little past the 5 s idle limit once the load ends.
    if let Some(pg) = &mut plan.postgres {
        pg.session_watch = std::time::Duration::from_secs(6);
    }
    plan
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
