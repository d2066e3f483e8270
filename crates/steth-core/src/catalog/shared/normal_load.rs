//! What the section's latency checks share: each endpoint's normal-load phase, whether it is
//! a latency measurement at all, and how its latencies are printed.

use crate::evidence::{EndpointKind, EndpointLoad, Evidence, Phase, PhaseResult};
use crate::outcome::{EndpointVerdict, Outcome, Status};

/// A phase is a latency measurement only when at least this share of its requests got the
/// expected success class (2xx): a 401 storm, a 422 on the configured body, redirects or
/// timeouts measure an error path, not the endpoint.
const MIN_SUCCESS_SHARE: f64 = 0.9;

/// One endpoint's normal-load phase, or why there is no latency measurement of it.
pub(crate) struct Row<'a> {
    pub(crate) endpoint: &'a EndpointLoad,
    pub(crate) phase: Result<&'a PhaseResult, String>,
}

/// The normal-load phases of the endpoints of a kind (all kinds with `None`), or the outcome
/// to report without any.
pub(crate) fn normal_phases(evidence: &Evidence, kind: Option<EndpointKind>) -> Result<Vec<Row<'_>>, Outcome> {
    let load = evidence.load.get()?;
    let endpoints: Vec<&EndpointLoad> = load.endpoints.iter().filter(|e| kind.is_none_or(|k| e.kind == k)).collect();
    if endpoints.is_empty() && kind == Some(EndpointKind::Write) && !load.skipped_writes.is_empty() {
        return Err(Outcome::not_assessed(format!(
            "{} write endpoint(s) not loaded ({}): loading creates records; allow it with `[load] writes = true` or `writes = true` on the endpoint",
            load.skipped_writes.len(),
            load.skipped_writes.join(", ")
        )));
    }
    if endpoints.is_empty() {
        let what = kind.map_or("no endpoint".to_string(), |k| format!("no {k} endpoint"));
        return Err(Outcome::not_assessed(format!("{what} among the configured [[endpoints]]")));
    }
    Ok(endpoints.into_iter().map(|e| Row { endpoint: e, phase: measurement(e) }).collect())
}

/// The endpoint's normal-load phase when it measured the endpoint's latency, else the cause.
fn measurement(e: &EndpointLoad) -> Result<&PhaseResult, String> {
    let Some(p) = e.phase(Phase::Normal) else {
        // The baseline may have stopped the endpoint: its answers say why.
        let last = e.phases.last();
        return Err(last.and_then(|p| not_a_measurement(e, p)).unwrap_or_else(|| {
            let why = e.phases.iter().find_map(|p| p.stopped.as_deref()).unwrap_or("it did not run");
            format!("no normal-load phase: {why}")
        }));
    };
    if let Some(cause) = not_a_measurement(e, p) {
        return Err(cause);
    }
    match &p.stopped {
        Some(why) => Err(format!("the normal-load phase stopped: {why}")),
        None => Ok(p),
    }
}

/// Why a phase does not measure the endpoint's latency: too few of its requests got a 2xx.
/// Names the dominant other outcome and the config key that usually explains it.
pub(crate) fn not_a_measurement(e: &EndpointLoad, p: &PhaseResult) -> Option<String> {
    let c = p.classes();
    let total = c.total();
    if total == 0 {
        return Some("no request completed".to_string());
    }
    if c.success as f64 >= MIN_SUCCESS_SHARE * total as f64 {
        return None;
    }
    let pct = |n: u64| {
        if n == total { "all".to_string() } else { format!("{:.0} %", n as f64 * 100.0 / total as f64) }
    };
    // The most frequent status code or error class other than success.
    let status = p.statuses.iter().filter(|(s, _)| !(200..300).contains(*s)).max_by_key(|(_, n)| **n);
    let error = p.errors.iter().max_by_key(|(_, n)| **n);
    let cause = match (status, error) {
        (Some((&code, &n)), err) if err.is_none_or(|(_, m)| n >= *m) => status_cause(e, code, &pct(n), p),
        (_, Some((kind, &n))) => match kind.as_str() {
            "timeout" => format!("{} of the requests got no complete answer within the request timeout", pct(n)),
            "connect" => {
                format!("{} of the requests could not connect: is the service up at `[target] base_url`?", pct(n))
            }
            other => format!("{} of the requests got no answer ({other})", pct(n)),
        },
        _ => "too few requests got a 2xx answer".to_string(),
    };
    Some(format!("{cause} ({} of {total} answered 2xx): not a latency measurement", c.success))
}

/// What the dominant non-success status says, with the config key that usually explains it.
fn status_cause(e: &EndpointLoad, code: u16, share: &str, p: &PhaseResult) -> String {
    match code {
        401 | 403 => {
            let hint = match (&e.identity, e.identity_logs_in) {
                (Some(i), true) => format!("check `[identities.{i}.login]` (`prefix`, `header`, `token`)"),
                (Some(i), false) => format!("check the headers of `[identities.{i}]`"),
                (None, _) => "give the endpoint an `identity`".to_string(),
            };
            format!("{share} of the responses were {code}: {hint}")
        }
        300..=399 => {
            let to = p.redirect.as_deref().map_or(String::new(), |l| format!(" to {l}"));
            format!("{share} of the answers were {code} redirects{to}: point `[target] base_url` at the final address")
        }
        400 | 422 => format!("{share} of the responses were {code}: the service rejects the configured `body`"),
        404 => format!("{share} of the responses were 404: check the endpoint's `path` and `params`"),
        405 => format!("{share} of the responses were 405: the path does not take this `method`"),
        429 => format!("{share} of the responses were 429: rate-limited, lower `[load] rate` or exempt stethoscope"),
        500..=599 => format!("{share} of the responses were {code}: the endpoint fails under this request"),
        _ => format!("{share} of the responses were {code}"),
    }
}

/// The cause of an endpoint that was not measured.
pub(crate) fn cause_of(row: &Row<'_>) -> Option<String> {
    row.phase.as_ref().err().cloned()
}

/// The outcome when some endpoints were not measured: the item cannot be judged, and says
/// why for each of them. `judged` holds the verdict rows of every endpoint.
pub(crate) fn unmeasured(rows: &[Row<'_>], judged: &[EndpointVerdict]) -> Option<Outcome> {
    let causes: Vec<String> =
        rows.iter().filter_map(|r| cause_of(r).map(|c| format!("{}: {c}", r.endpoint.name))).collect();
    let first = causes.first()?;
    let more = if causes.len() > 1 { format!(" (and {} more endpoint(s))", causes.len() - 1) } else { String::new() };
    Some(Outcome::error(format!("{first}{more}")).with_findings(causes.clone()).with_endpoints(judged.to_vec()))
}

/// The row of an endpoint that was not measured: it fails, with its cause.
pub(crate) fn failed_row(row: &Row<'_>, target_ms: f64) -> EndpointVerdict {
    EndpointVerdict {
        endpoint: row.endpoint.name.clone(),
        status: Status::Fail,
        target_ms,
        cause: cause_of(row),
        long_running: false,
    }
}

pub(crate) use crate::threshold::format_ms as ms;

/// The seeds' row: endpoint, p50, p95, p99 and the target.
pub(crate) fn row(e: &EndpointLoad, p: &PhaseResult, target: &str, verdict: &str) -> String {
    let failures = if p.failures > 0 { format!(", {} of {} failed", p.failures, p.requests) } else { String::new() };
    format!(
        "{}: p50 {} · p95 {} · p99 {} (target {target}) {verdict}{failures}",
        e.name,
        ms(p.latency.p50_ms),
        ms(p.latency.p95_ms),
        ms(p.latency.p99_ms)
    )
}

/// A latency no more than this many times the load generator's own stall at its p99 above
/// what the service needed may be the host's, not the service's.
const STALL_EXPLAINS: f64 = 2.0;

/// How much of a phase's latency the host itself may have added: twice the load generator's
/// own stall at its p99 (jHiccup-style; zero when it was not measured). On an overloaded host
/// the generator wakes late and every request it meant to send meanwhile is counted late.
pub(crate) fn host_share_ms(p: &PhaseResult) -> f64 {
    p.generator_stall_p99_ms.unwrap_or(0.0).max(0.0) * STALL_EXPLAINS
}

/// The finding for an endpoint whose bad latency the host's own stalls can explain.
pub(crate) fn not_attributable(p: &PhaseResult) -> String {
    format!(
        "not attributable: the load generator itself woke {} late at its p99",
        ms(p.generator_stall_p99_ms.unwrap_or(0.0))
    )
}

/// The outcome when every endpoint that looked slow can be explained by the overloaded host:
/// not assessed, never ✗ (the truth matrix measures such a row again).
pub(crate) fn host_overloaded(stalled: &[&PhaseResult]) -> Outcome {
    let stall = stalled.iter().filter_map(|p| p.generator_stall_p99_ms).fold(0.0, f64::max);
    Outcome::not_assessed(format!(
        "host overloaded: the load generator's own timer woke up to {} late at its p99, enough to explain \
         the latency of {} endpoint(s); rerun on a quieter machine (fewer parallel jobs)",
        ms(stall),
        stalled.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::with_load;
    use crate::evidence::Slot;

    fn endpoint(statuses: &[(u16, u64)], errors: &[(&str, u64)]) -> EndpointLoad {
        let mut ev = with_load(&[("GET /a", "read", 1.0, 2.0)]);
        let Slot::Collected { data } = &mut ev.load else { unreachable!() };
        let mut e = data.endpoints.remove(0);
        let p = &mut e.phases[0];
        p.statuses = statuses.iter().copied().collect();
        p.errors = errors.iter().map(|(k, n)| (k.to_string(), *n)).collect();
        p.requests = statuses.iter().map(|s| s.1).sum::<u64>() + errors.iter().map(|e| e.1).sum::<u64>();
        e
    }

    #[test]
    fn mostly_2xx_is_a_measurement() {
        let e = endpoint(&[(200, 95), (500, 5)], &[]);
        assert_eq!(not_a_measurement(&e, &e.phases[0]), None);
    }

    #[test]
    fn a_401_storm_names_the_identity_login() {
        let mut e = endpoint(&[(401, 96), (200, 4)], &[]);
        e.identity = Some("alice".into());
        e.identity_logs_in = true;
        let row = Row { endpoint: &e, phase: measurement(&e) };
        let cause = cause_of(&row).unwrap();
        assert!(cause.starts_with("96 % of the responses were 401"), "{cause}");
        assert!(cause.contains("`[identities.alice.login]`"), "{cause}");
    }

    #[test]
    fn redirects_timeouts_and_rejected_bodies_name_their_cause() {
        let mut e = endpoint(&[(302, 40)], &[]);
        e.phases[0].redirect = Some("https://api.test/a".into());
        let c = not_a_measurement(&e, &e.phases[0]).unwrap();
        assert!(c.starts_with("all of the answers were 302 redirects to https://api.test/a"), "{c}");
        let e = endpoint(&[], &[("timeout", 30)]);
        assert!(not_a_measurement(&e, &e.phases[0]).unwrap().contains("no complete answer"));
        let e = endpoint(&[(422, 50)], &[]);
        assert!(not_a_measurement(&e, &e.phases[0]).unwrap().contains("rejects the configured `body`"));
        let e = endpoint(&[], &[]);
        assert_eq!(not_a_measurement(&e, &e.phases[0]).as_deref(), Some("no request completed"));
    }
}
