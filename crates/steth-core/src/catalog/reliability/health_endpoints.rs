//! 7.5 health-endpoints: liveness and readiness endpoints exist and answer.

use crate::catalog::prelude::*;
use crate::evidence::HealthAnswer;

declare_item! {
    /// ## What it checks
    /// The service has a liveness endpoint (is the process able to serve at all?) and a
    /// separate readiness endpoint (should it get traffic right now?), and both answer 200.
    ///
    /// ## Why it matters
    /// Orchestrators and load balancers act on these two answers. Without liveness, a wedged
    /// process (deadlock, exhausted event loop) keeps its slot forever. Without readiness,
    /// instances get traffic while still warming up or while their database is unreachable,
    /// and every deploy or failover turns into a burst of errors. Folding both into one
    /// endpoint is worse still: a database blip then restarts every instance at once.
    ///
    /// ## How it is measured
    /// stethoscope requests the configured paths (`[health] liveness` and `readiness`,
    /// defaults `/health/live` and `/health/ready`) and then the common alternatives
    /// (`/livez`, `/healthz`, `/health` for liveness; `/readyz`, `/ready` for readiness), stopping
    /// at the first that answers 2xx. Both found passes; a missing one, or a readiness
    /// endpoint that answers 503 (the service declares itself unready), fails. Whether
    /// readiness really checks the database can only be proven by cutting the database
    /// under service control; the evidence says so.
    ///
    /// ## How to fix
    /// Serve two cheap endpoints: `/health/live` answering 200 as long as the process can
    /// handle a request (no dependency checks), and `/health/ready` answering 200 only when
    /// the dependencies needed to serve traffic answer (`SELECT 1` with a short timeout, a
    /// cache `PING`), 503 otherwise. Point the orchestrator at them:
    ///
    /// ```yaml
    /// livenessProbe:  { httpGet: { path: /health/live, port: 8080 } }
    /// readinessProbe: { httpGet: { path: /health/ready, port: 8080 }, periodSeconds: 5 }
    /// ```
    pub HEALTH_ENDPOINTS = {
        id: "7.5",
        slug: "health-endpoints",
        title: "Liveness and readiness endpoints",
        section: Reliability,
        threshold: Threshold::requires("both exist and mean something"),
        sources: [Http, Service],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn ok(a: &HealthAnswer) -> bool {
    a.status.is_some_and(|s| (200..300).contains(&s))
}

fn tried(answers: &[HealthAnswer]) -> String {
    answers
        .iter()
        .map(|a| match (a.status, &a.error) {
            (Some(s), _) => format!("{} {s}", a.path),
            (None, Some(e)) => format!("{} ({e})", a.path),
            (None, None) => a.path.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.health.get()?;
    let all = probe.liveness.iter().chain(&probe.readiness);
    if probe.liveness.is_empty() && probe.readiness.is_empty() {
        return Err(Outcome::not_assessed("no health path was tried"));
    }
    if all.clone().all(|a| a.status.is_none()) {
        return Err(Outcome::error(format!("no health path answered: {}", tried(&probe.liveness))));
    }
    let live = probe.liveness.iter().find(|a| ok(a));
    let ready = probe.readiness.iter().find(|a| ok(a));
    let unready = probe.readiness.iter().find(|a| a.status == Some(503));
    match (live, ready) {
        (Some(l), Some(r)) => Ok(Outcome::pass(
            format!("live {} , ready {}", l.path, r.path).replace(" ,", ","),
            "both answer 2xx; whether readiness checks the database needs service control to prove",
        )),
        (live, _) => {
            let mut missing = Vec::new();
            if live.is_none() {
                missing.push(format!("no liveness endpoint (tried {})", tried(&probe.liveness)));
            }
            match unready {
                Some(u) => {
                    missing.push(format!("readiness {} answers 503: the service reports itself unready", u.path))
                }
                None => missing.push(format!("no readiness endpoint (tried {})", tried(&probe.readiness))),
            }
            let measured = match (live, unready) {
                (None, _) => "liveness missing",
                (Some(_), Some(_)) => "readiness answers 503",
                (Some(_), None) => "readiness missing",
            };
            Ok(Outcome::fail(measured, missing.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{HealthProbe, Slot};
    use crate::outcome::Status;

    fn answer(path: &str, status: Option<u16>) -> HealthAnswer {
        HealthAnswer { path: path.into(), status, error: status.is_none().then(|| "connection refused".into()) }
    }

    fn probe(liveness: Vec<HealthAnswer>, readiness: Vec<HealthAnswer>) -> Evidence {
        let mut h = http(false);
        h.health = Slot::collected(HealthProbe { liveness, readiness });
        with_http(h)
    }

    #[test]
    fn both_found_passes() {
        let o = expect(
            &HEALTH_ENDPOINTS,
            &probe(
                vec![answer("/health/live", Some(200))],
                vec![answer("/health/ready", Some(404)), answer("/readyz", Some(200))],
            ),
            Status::Pass,
        );
        assert_eq!(o.measured.as_deref(), Some("live /health/live, ready /readyz"));
    }

    #[test]
    fn missing_readiness_fails() {
        let o = expect(
            &HEALTH_ENDPOINTS,
            &probe(
                vec![answer("/health/live", Some(200))],
                vec![answer("/health/ready", Some(404)), answer("/readyz", Some(404))],
            ),
            Status::Fail,
        );
        assert!(o.evidence.contains("/readyz 404"));
    }

    #[test]
    fn unready_service_fails_with_the_reason() {
        let o = expect(
            &HEALTH_ENDPOINTS,
            &probe(vec![answer("/health/live", Some(200))], vec![answer("/health/ready", Some(503))]),
            Status::Fail,
        );
        assert!(o.evidence.contains("unready"));
    }

    #[test]
    fn unreachable_service_is_an_error() {
        expect(
            &HEALTH_ENDPOINTS,
            &probe(vec![answer("/health/live", None)], vec![answer("/health/ready", None)]),
            Status::Error,
        );
    }
}
