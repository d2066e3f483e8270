//! Bounded bursts that must meet a 429: at a public endpoint (evidence for 6.3) and at the
//! login endpoint (6.4). They trip the target's limiter for stethoscope's address, so the
//! orchestrator runs them after every other collector.

use super::ProbeClient;
use futures_util::future::join_all;
use reqwest::Method;
use std::collections::BTreeMap;
use std::time::Duration;
use steth_core::config::{Endpoint, Plan};
use steth_core::evidence::{BurstProbe, Slot};
use tokio::time::Instant;

/// Requests of the public burst in flight at once.
const CONCURRENCY: usize = 10;
/// Each answer's body is read up to this many bytes, so connections are reused.
const BODY_CAP: u64 = 64 * 1024;
/// The burst gives up after this many requests without an answer...
const MAX_ERRORS: u32 = 20;
/// ...or after this many when none has been answered yet (a target that hangs or resets).
const FIRST_ERRORS: u32 = 3;
/// The wrong password put into the configured login body.
const WRONG_PASSWORD: &str = "stethoscope-wrong-password-0";
/// Deliberately wrong credentials for login endpoints with no configured body.
const WRONG_CREDENTIALS: &str = r#"{"username":"stethoscope-probe","email":"stethoscope-probe@invalid.example","password":"stethoscope-wrong-password"}"#;

/// The two bursts' evidence.
#[derive(Debug, Clone)]
pub struct Bursts {
    /// The burst at a public endpoint (6.3).
    pub public: Slot<BurstProbe>,
    /// The login attempts (6.4).
    pub login: Slot<BurstProbe>,
}

impl Bursts {
    /// Both bursts missing as `why` is (not run, cut short by the bound or by Ctrl-C).
    pub fn missing(why: &Slot<()>) -> Bursts {
        Bursts { public: crate::load::missing_as(why), login: crate::load::missing_as(why) }
    }

    /// Both bursts unavailable because they did not run: the evidence of the single probes
    /// alone (a test of the probes, a caller that never trips the rate limiter).
    pub fn not_run() -> Bursts {
        Bursts::missing(&Slot::unavailable("the rate-limit bursts did not run"))
    }
}

/// Runs both bursts, each bounded by `[probes]`; call it after every other collector.
pub async fn collect_bursts(plan: &Plan) -> Bursts {
    let Some(target) = &plan.target else {
        let none = || Slot::unavailable("no [target] base_url in the config");
        return Bursts { public: none(), login: none() };
    };
    let client = match ProbeClient::new(target) {
        Ok(c) => c,
        Err(e) => {
            let failed = || Slot::failed(e.clone());
            return Bursts { public: failed(), login: failed() };
        }
    };
    let public = plan.endpoints.iter().find(|e| e.public && !e.login && e.method == "GET");
    let login = plan.endpoints.iter().find(|e| e.login);
    let (public, login) = tokio::join!(
        async {
            match public {
                _ if !plan.policy.wants(&["6.3"]) => Slot::unavailable(super::NOT_SELECTED),
                Some(e) => Slot::collected(public_burst(&client, plan, e).await),
                None => Slot::unavailable("no public GET endpoint is configured (`public = true`)"),
            }
        },
        async {
            match login {
                _ if !plan.policy.wants(&["6.4"]) => Slot::unavailable(super::NOT_SELECTED),
                Some(e) => Slot::collected(login_attempts(&client, plan, e).await),
                None => Slot::unavailable("no login endpoint is configured (`login = true`)"),
            }
        }
    );
    Bursts { public, login }
}

/// Counts answers and keeps the rate-limit headers of the first 429 (else the last answer).
struct Tally {
    probe: BurstProbe,
    statuses: BTreeMap<u16, u32>,
    answered: u32,
    started: Instant,
}

impl Tally {
    fn new(request: String, max_requests: u32, window: Duration) -> Tally {
        let probe = BurstProbe {
            request,
            max_requests,
            window_ms: window.as_millis() as u64,
            sent: 0,
            first_429_after: None,
            elapsed_ms: 0,
            statuses: Vec::new(),
            errors: 0,
            last_error: None,
            limit_headers: Vec::new(),
            sent_body: None,
        };
        Tally { probe, statuses: BTreeMap::new(), answered: 0, started: Instant::now() }
    }

    fn record(&mut self, result: Result<super::Fetched, String>) {
        self.probe.sent += 1;
        match result {
            Ok(f) => {
                *self.statuses.entry(f.answer.status).or_default() += 1;
                let limited = f.answer.status == 429 && self.probe.first_429_after.is_none();
                if limited || self.probe.first_429_after.is_none() {
                    self.probe.limit_headers = f
                        .answer
                        .headers
                        .iter()
                        .filter(|(n, _)| {
                            n == "retry-after" || n.starts_with("ratelimit") || n.starts_with("x-ratelimit")
                        })
                        .cloned()
                        .collect();
                }
                if limited {
                    self.probe.first_429_after = Some(self.answered);
                }
                self.answered += 1;
            }
            Err(e) => {
                self.probe.errors += 1;
                self.probe.last_error = Some(e);
            }
        }
    }

    fn done(&self, deadline: Instant) -> bool {
        let hopeless = self.probe.errors >= MAX_ERRORS || (self.answered == 0 && self.probe.errors >= FIRST_ERRORS);
        self.probe.first_429_after.is_some() || hopeless || Instant::now() >= deadline
    }

    fn finish(mut self) -> BurstProbe {
        self.probe.elapsed_ms = self.started.elapsed().as_millis() as u64;
        self.probe.statuses = self.statuses.into_iter().collect();
        self.probe
    }
}

async fn public_burst(client: &ProbeClient, plan: &Plan, e: &Endpoint) -> BurstProbe {
    let (max, window) = (plan.probes.burst_requests, plan.probes.burst_window);
    let path = e.path_for(0);
    let mut tally = Tally::new(format!("GET {path}"), max, window);
    let deadline = Instant::now() + window;
    let mut n = 0u32;
    while n < max && !tally.done(deadline) {
        let batch = (max - n).min(CONCURRENCY as u32);
        let paths: Vec<String> = (0..batch).map(|i| e.path_for(u64::from(n + i))).collect();
        let headers = Plan::route_headers(e);
        let sends = paths.iter().map(|p| client.fetch(Method::GET, p, &headers, None, BODY_CAP));
        match tokio::time::timeout_at(deadline, join_all(sends)).await {
            Ok(results) => results.into_iter().for_each(|r| tally.record(r)),
            Err(_) => break,
        }
        n += batch;
    }
    tally.finish()
}

/// Field names that hold a password in a login body.
fn is_password(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("password") || n.contains("passwd") || n == "pass" || n == "pwd" || n == "secret"
}

/// Replaces every password field of a JSON value; true when one was found.
fn replace_passwords(v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(map) => {
            let mut found = false;
            for (k, v) in map.iter_mut() {
                if is_password(k) && v.is_string() {
                    *v = serde_json::Value::String(WRONG_PASSWORD.to_string());
                    found = true;
                } else {
                    found |= replace_passwords(v);
                }
            }
            found
        }
        serde_json::Value::Array(items) => items.iter_mut().fold(false, |f, v| replace_passwords(v) | f),
        _ => false,
    }
}

/// A failed login derived from the configured body: the same account with a wrong password, so
/// the attempts really fail (replaying valid credentials would log in 20 times). Without a
/// JSON body with a password field, deliberately wrong credentials. Returns the body and what
/// it is, in words.
pub(super) fn failed_login(configured: Option<&str>) -> (String, String) {
    if let Some(mut v) = configured.and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
        && replace_passwords(&mut v)
    {
        return (v.to_string(), "the configured login body with its password replaced by a wrong one".into());
    }
    (WRONG_CREDENTIALS.to_string(), "made-up credentials (no password field in the configured login body)".into())
}

async fn login_attempts(client: &ProbeClient, plan: &Plan, e: &Endpoint) -> BurstProbe {
    let (max, window) = (plan.probes.login_attempts, plan.probes.login_window);
    let path = e.path_for(0);
    let method = Method::from_bytes(e.method.as_bytes()).unwrap_or(Method::POST);
    let mut tally = Tally::new(format!("{method} {path}"), max, window);
    let deadline = Instant::now() + window;
    let (body, sent) = failed_login(crate::load::probe_body(plan, e).as_deref());
    tally.probe.sent_body = Some(sent);
    let mut headers = Plan::route_headers(e);
    headers.push(("content-type".to_string(), "application/json".to_string()));
    for _ in 0..max {
        if tally.done(deadline) {
            break;
        }
        let send = client.fetch(method.clone(), &path, &headers, Some(reqwest::Body::from(body.clone())), BODY_CAP);
        match tokio::time::timeout_at(deadline, send).await {
            Ok(result) => tally.record(result),
            Err(_) => break,
        }
    }
    tally.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_login_keeps_the_account_and_changes_the_password() {
        let (body, what) = failed_login(Some(r#"{"user":{"email":"a@b.test","password":"hunter2"}}"#));
        assert_eq!(body, r#"{"user":{"email":"a@b.test","password":"stethoscope-wrong-password-0"}}"#);
        assert!(what.contains("password replaced"));
        let (body, what) = failed_login(Some(r#"{"token":"x"}"#));
        assert_eq!(body, WRONG_CREDENTIALS);
        assert!(what.contains("made-up"));
    }
}
