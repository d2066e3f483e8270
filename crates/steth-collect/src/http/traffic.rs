//! What the HTTP probes would send, without sending it (`audit --dry-run`): each probe the
//! selection wants, its requests per endpoint and method (upper bounds), and which change data.

use super::{auth, body_limit, correlation, cors, headers, input, lists, sample_paths, write_endpoints};
use crate::dry_run::Planned;
use steth_core::config::Plan;

/// The probes' requests, in the order the audit sends them (bursts excluded: they run last).
pub(crate) fn planned(plan: &Plan) -> Vec<Planned> {
    let mut out = Vec::new();
    let mut add = |step: &str, method: &str, path: String, requests: u64, writes: bool| {
        out.push(Planned { step: step.to_string(), method: method.to_string(), path, requests, writes });
    };
    add("reachability", "GET", "/".into(), 1, false);
    for identity in plan.identities.values() {
        if let Some(login) = &identity.login {
            add("identity login", "POST", login.path.clone(), 1, true);
        }
    }
    let wants = |ids: &[&str]| plan.policy.wants(ids);
    if wants(&["6.9"]) {
        for (path, _) in sample_paths(plan, headers::MAX_ENDPOINTS) {
            add("6.9 security headers", "GET", path, 1, false);
        }
    }
    if wants(&["6.8"]) {
        for (path, _) in sample_paths(plan, cors::MAX_ENDPOINTS) {
            add("6.8 CORS", "OPTIONS", path.clone(), 1, false);
            add("6.8 CORS", "GET", path, 1, false);
        }
    }
    if wants(&["7.5"]) {
        for path in plan.health.liveness.iter().chain(&plan.health.readiness) {
            add("7.5 health (until one answers)", "GET", path.clone(), 1, false);
        }
    }
    if wants(&["1.6"]) {
        for e in write_endpoints(plan).take(body_limit::MAX_ENDPOINTS) {
            let step = format!("1.6 oversized body ({} streamed)", bytes(plan.probes.body_size));
            add(&step, &e.method, e.path_for(0), u64::from(body_limit::MAX_TRIES), true);
        }
    }
    if wants(&["6.1"]) {
        for e in plan.endpoints.iter().filter(|e| !e.public && !e.login).take(auth::MAX_ENDPOINTS) {
            add("6.1 without and with a malformed token", &e.method, e.path_for(0), 2, e.changes_data());
        }
    }
    if wants(&["6.2"]) {
        let owned = plan.identities.iter().flat_map(|(name, i)| i.owns.iter().map(move |o| (name, o)));
        let pairs = owned
            .flat_map(|(owner, o)| plan.identities.keys().filter(move |a| *a != owner).map(move |_| o))
            .take(auth::MAX_PAIRS);
        for o in pairs {
            let reads = if o.public_read { 1 } else { 2 };
            add("6.2 the owner's and another identity's read", "GET", o.path.clone(), reads, false);
            add("6.2 which write methods the path offers", "OPTIONS", o.path.clone(), 1, false);
            add("6.2 another identity's change (the owner's representation sent back)", "PUT", o.path.clone(), 1, true);
            add(
                "6.2 another identity's change (the owner's representation sent back)",
                "PATCH",
                o.path.clone(),
                1,
                true,
            );
            if o.destructive {
                add("6.2 another identity's delete (`destructive = true`)", "DELETE", o.path.clone(), 1, true);
            }
        }
    }
    if wants(&["6.6"]) {
        for e in write_endpoints(plan).take(input::MAX_ENDPOINTS) {
            add("6.6 bad input (4 bodies)", &e.method, e.path_for(0), 4, true);
        }
    }
    if wants(&["5.1"]) {
        for (path, _) in sample_paths(plan, correlation::MAX_ENDPOINTS) {
            add("5.1 trace context", "GET", path, 1, false);
        }
    }
    if wants(&["5.4"]) {
        let paths = sample_paths(plan, correlation::MAX_ENDPOINTS);
        let last = paths.len().saturating_sub(1);
        for (n, (path, _)) in paths.into_iter().enumerate() {
            add("5.4 request ids", "GET", path, 1 + u64::from(n == last), false);
        }
    }
    if wants(&["8.7", "8.8"]) {
        for e in plan.endpoints.iter().filter(|e| e.list && e.method == "GET").take(lists::MAX_ENDPOINTS) {
            add("8.7/8.8 first page and a huge page", "GET", e.path_for(0), 2, false);
        }
    }
    let sample = sample_paths(plan, 1).pop().map(|(p, _)| p).unwrap_or_else(|| "/".into());
    if wants(&["X.1"]) {
        add("X.1 compression", "GET", sample.clone(), 1, false);
    }
    if wants(&["X.2"]) {
        add("X.2 ETag and 304", "GET", sample, 2, false);
    }
    if wants(&["X.3"])
        && let Some(e) = write_endpoints(plan).find(|e| e.identity.is_some() && e.body.is_some())
    {
        add("X.3 idempotency key (the same request twice)", &e.method, e.path_for(0), 2, true);
    }
    if wants(&["X.5"]) {
        for path in super::exposure::DOC_PATHS {
            add("X.5 API documentation served without credentials", "GET", path.to_string(), 1, false);
        }
    }
    if wants(&["X.6"])
        && let Some(e) = plan.endpoints.iter().find(|e| e.login && e.body.is_some())
    {
        add("X.6 failed logins: an unknown account and a wrong password", &e.method, e.path.clone(), 2, false);
    }
    out
}

fn bytes(n: u64) -> String {
    format!("{} MiB", n / (1024 * 1024))
}
