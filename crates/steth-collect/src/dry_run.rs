//! `audit --dry-run`: every request the audit would send, in order, from the plan alone.
//! Nothing here does I/O; the counts are upper bounds (a probe or burst may stop early).

use crate::audit::Needs;
use steth_core::catalog::Source;
use steth_core::config::Plan;

/// Requests one step would send to one endpoint with one method.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The probe or phase, with the items it serves.
    pub step: String,
    /// HTTP method.
    pub method: String,
    /// Path (placeholders filled as the first request fills them).
    pub path: String,
    /// At most this many requests.
    pub requests: u64,
    /// Whether the requests change data.
    pub writes: bool,
}

/// What the audit of `plan` would send, in the order it would send it.
pub fn planned(plan: &Plan, needs: Needs) -> Vec<Planned> {
    let mut out = Vec::new();
    if plan.target.is_none() {
        return out;
    }
    if needs.contains(Source::Http) {
        out.extend(crate::http::traffic::planned(plan));
    }
    if needs.contains(Source::Load) && plan.load.enabled {
        let load = &plan.load;
        for e in plan.endpoints.iter().filter(|e| !e.login && load.loads(e)) {
            let mut phases =
                vec![("baseline", load.baseline_rate, load.baseline_duration), ("normal", load.rate, load.duration)];
            if let Some(f) = load.stress {
                phases.push(("stress", load.rate * f, load.duration));
            }
            if let Some(soak) = load.soak {
                phases.push(("soak", load.rate, soak));
            }
            for (phase, rate, duration) in phases {
                let secs = (duration + load.warmup).as_secs_f64();
                out.push(Planned {
                    step: format!("load: {phase} phase, {rate} req/s for {:.1} s with warm-up", secs),
                    method: e.method.clone(),
                    path: e.path.clone(),
                    requests: (rate * secs).ceil() as u64,
                    writes: e.changes_data(),
                });
            }
        }
    }
    if needs.contains(Source::Redis)
        && let Some(redis) = plan.redis.as_ref().filter(|r| r.active)
    {
        if let Some(hot) = redis.stampede.as_ref().filter(|_| plan.policy.wants(&["3.6"])) {
            let step = format!("3.6 stampede: warm, DEL {} on Redis, then all at once", hot.key);
            out.push(Planned {
                step,
                method: "GET".into(),
                path: hot.path.clone(),
                requests: u64::from(hot.requests) * 2,
                writes: false,
            });
        }
        if let Some(missing) = redis.negative.as_ref().filter(|_| plan.policy.wants(&["3.7"])) {
            let step = "3.7 the missing id twice".to_string();
            out.push(Planned { step, method: "GET".into(), path: missing.path.clone(), requests: 2, writes: false });
        }
    }
    if needs.contains(Source::Http) {
        if let Some(e) = plan.endpoints.iter().find(|e| e.public && !e.login && e.method == "GET")
            && plan.policy.wants(&["6.3"])
        {
            let step =
                format!("6.3 rate-limit burst within {} s, until the first 429", plan.probes.burst_window.as_secs());
            out.push(Planned {
                step,
                method: "GET".into(),
                path: e.path_for(0),
                requests: plan.probes.burst_requests.into(),
                writes: false,
            });
        }
        if let Some(e) = plan.endpoints.iter().find(|e| e.login)
            && plan.policy.wants(&["6.4"])
        {
            let step =
                format!("6.4 failed logins within {} s, until the first 429", plan.probes.login_window.as_secs());
            out.push(Planned {
                step,
                method: e.method.clone(),
                path: e.path_for(0),
                requests: plan.probes.login_attempts.into(),
                writes: true,
            });
        }
    }
    out
}

/// The endpoints that change data and would not be loaded.
pub fn skipped_writes(plan: &Plan) -> Vec<String> {
    plan.endpoints.iter().filter(|e| !e.login && !plan.load.loads(e)).map(|e| e.name.clone()).collect()
}
