//! 6.1 authentication: authentication on all non-public endpoints.

use crate::catalog::prelude::*;
use crate::evidence::Exchange;

declare_item! {
    /// ## What it checks
    /// Every endpoint that is not declared public refuses requests that carry no credentials. The
    /// default threshold is 100 % of non-public endpoints. The configuration says which endpoints
    /// are public (health checks, login, a public catalogue) and how an identity authenticates (a
    /// `Bearer` or `Token` header, a cookie, an API-key header).
    ///
    /// ## Why it matters
    /// One forgotten decorator, or a route registered outside the authenticated router, exposes
    /// data to anyone who finds the URL. Typical cases: an `/internal/export.csv` endpoint added
    /// for a one-off task and protected only by not being linked anywhere, or a new `/v2/orders`
    /// router mounted before the authentication middleware. Such endpoints are found by scanners
    /// and by reading the frontend's JavaScript bundle.
    ///
    /// ## How it is measured
    /// - **http**: each endpoint not marked `public` (login endpoints excluded) is called twice:
    ///   once with no credentials at all (no `Authorization`, no cookie, no API key), once with a
    ///   malformed token in the header its identity authenticates with (`Authorization: Bearer
    ///   …` when it has none), and, when its identity sends a JWT, once with that real token
    ///   re-signed with `alg: none` (same claims, no signature): a service that accepts it
    ///   verifies no signature. Each answer must be 401 or 403; both count as authentication
    ///   enforced, since services differ in which one they use. A 2xx serves data to anyone and
    ///   fails; any other answer (a 404, a 500) is unclear and warns.
    ///
    /// Two or three requests per endpoint, no body read, each bounded by the target timeout. The share of
    /// endpoints that refuse both is compared with the threshold.
    ///
    /// ## How to fix
    /// Deny by default: put authentication on the whole router and exempt public routes explicitly,
    /// instead of opting in handler by handler. In Express:
    ///
    /// ```js
    /// const publicPaths = new Set(["/health/live", "/health/ready", "/login"]);
    /// app.use((req, res, next) =>
    ///   publicPaths.has(req.path) ? next() : requireAuth(req, res, next));
    /// ```
    ///
    /// Answer 401 (with `WWW-Authenticate`) when credentials are missing or invalid and 403 when
    /// they are valid but insufficient. Add a test that enumerates the application's registered
    /// routes and asserts that every non-public one answers 401 without credentials, so a new route
    /// cannot ship unprotected.
    pub AUTHENTICATION = {
        id: "6.1",
        slug: "authentication",
        title: "Authentication on all non-public endpoints",
        section: Security,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Http],
        severity: Critical,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.authentication.get()?;
    let mut endpoints: Vec<&str> = probe.exchanges.iter().map(|x| x.endpoint.as_str()).collect();
    endpoints.dedup();
    if endpoints.is_empty() {
        return Err(Outcome::not_assessed(
            "no non-public endpoint is configured (mark endpoints `public = true` or not)",
        ));
    }
    if probe.exchanges.iter().all(|x| x.status.is_none()) {
        let first = probe.exchanges.iter().find_map(|x| x.error.clone()).unwrap_or_default();
        return Err(Outcome::error(format!("no unauthenticated request was answered: {first}")));
    }
    let (mut refused, mut served, mut unclear) = (0usize, Vec::new(), Vec::new());
    for endpoint in &endpoints {
        let answers: Vec<&Exchange> = probe.exchanges.iter().filter(|x| x.endpoint == *endpoint).collect();
        let describe = |x: &Exchange| match x.status {
            Some(s) => format!("{endpoint} with {} → {s}", x.case),
            None => format!("{endpoint} with {} → no answer ({})", x.case, x.error.as_deref().unwrap_or("")),
        };
        if let Some(x) = answers.iter().find(|x| x.status.is_some_and(|s| (200..300).contains(&s))) {
            served.push(describe(x));
        } else if answers.iter().all(|x| matches!(x.status, Some(401 | 403))) {
            refused += 1;
        } else if let Some(x) = answers.iter().find(|x| !matches!(x.status, Some(401 | 403))) {
            unclear.push(describe(x));
        }
    }
    let share = 100.0 * refused as f64 / endpoints.len() as f64;
    let measured = format!("{refused}/{} non-public endpoints refuse unauthenticated requests", endpoints.len());
    let wanted = threshold.limit_number();
    if share >= wanted {
        return Ok(Outcome::pass(measured, "401/403 without credentials and with a malformed token"));
    }
    let findings = served.iter().chain(&unclear).cloned();
    let outcome = if served.is_empty() {
        Outcome::warn(measured, format!("{} endpoint(s) answer neither 401/403 nor data; check them", unclear.len()))
    } else {
        Outcome::fail(measured, format!("{} endpoint(s) serve data without valid credentials", served.len()))
            .with_excess(wanted / share.max(1.0))
    };
    Ok(outcome.with_findings(findings))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{exchange, expect, http, with_http};
    use crate::evidence::{AuthProbe, Slot};
    use crate::outcome::Status;

    fn probe(exchanges: Vec<Exchange>) -> Evidence {
        let mut h = http(false);
        h.authentication = Slot::collected(AuthProbe { exchanges });
        with_http(h)
    }

    #[test]
    fn refusals_pass_with_401_or_403() {
        let e = probe(vec![
            exchange("GET /orders", "no credentials", Some(401)),
            exchange("GET /orders", "malformed token", Some(403)),
        ]);
        expect(&AUTHENTICATION, &e, Status::Pass);
    }

    #[test]
    fn data_without_credentials_fails() {
        let e = probe(vec![
            exchange("GET /orders", "no credentials", Some(401)),
            exchange("GET /users/{id}", "no credentials", Some(200)),
            exchange("GET /users/{id}", "malformed token", Some(401)),
        ]);
        let o = expect(&AUTHENTICATION, &e, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("1/2 non-public endpoints refuse unauthenticated requests"));
        assert!(o.findings[0].contains("GET /users/{id} with no credentials → 200"));
    }

    #[test]
    fn other_answers_warn() {
        let e = probe(vec![exchange("GET /admin", "no credentials", Some(404))]);
        expect(&AUTHENTICATION, &e, Status::Warn);
    }

    #[test]
    fn nothing_answered_is_an_error_and_nothing_configured_is_not_assessed() {
        expect(&AUTHENTICATION, &probe(vec![exchange("GET /orders", "no credentials", None)]), Status::Error);
        expect(&AUTHENTICATION, &probe(vec![]), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &AUTHENTICATION,
            probe(vec![
                exchange("GET /orders", "no credentials", Some(401)),
                exchange("GET /users/{id}", "no credentials", Some(200)),
                exchange("GET /users/{id}", "malformed token", Some(401)),
            ]),
            "50%",
            Status::Fail,
            Status::Pass,
        )
    }
}
