//! 5.4 request-ids: request ids propagated.

use crate::catalog::prelude::*;
use crate::evidence::RequestIdExchange;

declare_item! {
    /// ## What it checks
    /// Every request has an identifier that is returned to the client and written into every log
    /// line produced while handling it. An incoming `X-Request-ID` is reused; when there is none,
    /// the service generates one. The default threshold is 100 % of requests; it is a percentage
    /// and can be changed in `[thresholds]`.
    ///
    /// ## Why it matters
    /// A customer reports "my payment failed at 14:02". If the error response carried a request id,
    /// support pastes it into the log search and gets every line of that request, across the API
    /// and the workers it called. Without one, you search by timestamp and user among thousands of
    /// concurrent requests and often cannot tell which error line belongs to which request. The
    /// same id lets you follow a request through a proxy, the API and a background job.
    ///
    /// ## How it is measured
    /// - **http**: stethoscope sends the base path and the first read endpoints a request with
    ///   an `X-Request-ID` of its own, checking that the answer echoes the same value, and one
    ///   request without, checking that a generated id comes back (`X-Request-ID`, `Request-ID`
    ///   or `X-Correlation-ID`). The share of requests handled this way is compared with the
    ///   threshold; an id replaced by another one counts against it.
    /// - **service** (not built yet): when stethoscope runs the service, it will also look for
    ///   each id in the captured log lines. An id that is echoed in the response but never
    ///   reaches the logs is only half of the property.
    ///
    /// ## How to fix
    /// Assign the id at the edge and carry it through. In nginx, reuse the client's id or generate
    /// one:
    ///
    /// ```nginx
    /// map $http_x_request_id $req_id {
    ///     default $http_x_request_id;
    ///     ""      $request_id;
    /// }
    /// server {
    ///     location / {
    ///         proxy_set_header X-Request-ID $req_id;
    ///         add_header X-Request-ID $req_id always;
    ///         proxy_pass http://app;
    ///     }
    /// }
    /// ```
    ///
    /// In the application, a middleware reads the header (or generates a UUID), stores it in the
    /// request context (a contextvar, MDC, or a `tracing` span) so the logger adds it to every
    /// line, sets it on the response, and forwards it on outgoing calls. Accept only short ids made
    /// of safe characters so a client cannot inject content into your logs.
    pub REQUEST_IDS = {
        id: "5.4",
        slug: "request-ids",
        title: "Request ids propagated",
        section: Observability,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Http, Service],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

fn handled(x: &RequestIdExchange) -> bool {
    match (&x.sent, &x.returned) {
        (Some(sent), Some(returned)) => sent == returned,
        (None, Some(returned)) => !returned.trim().is_empty(),
        (_, None) => false,
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.request_ids.get()?;
    if probe.exchanges.is_empty() {
        return Err(Outcome::not_assessed("no request was answered"));
    }
    let good = probe.exchanges.iter().filter(|x| handled(x)).count();
    let total = probe.exchanges.len();
    let share = 100.0 * good as f64 / total as f64;
    let measured = format!("{good}/{total} requests answered with their request id");
    let generated = probe.exchanges.iter().any(|x| x.sent.is_none() && handled(x));
    let wanted = threshold.limit_number();
    if share >= wanted {
        let note = if generated { "; an id is generated when none is sent" } else { "" };
        return Ok(Outcome::pass(measured, format!("X-Request-ID echoed{note}")));
    }
    let findings = probe.exchanges.iter().filter(|x| !handled(x)).map(|x| match (&x.sent, &x.returned) {
        (Some(sent), Some(other)) => format!("{}: sent {sent}, got {other}", x.request),
        (Some(sent), None) => format!("{}: sent {sent}, no id in the answer", x.request),
        (None, _) => format!("{}: sent none, none generated", x.request),
    });
    Ok(Outcome::fail(measured, "requests are not answered with their id, so logs cannot be joined to them")
        .with_findings(findings)
        .with_excess(wanted / share.max(1.0)))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{RequestIdProbe, Slot};
    use crate::outcome::Status;

    fn probe(pairs: &[(Option<&str>, Option<&str>)]) -> Evidence {
        let mut h = http(false);
        h.request_ids = Slot::collected(RequestIdProbe {
            exchanges: pairs
                .iter()
                .map(|(s, r)| RequestIdExchange {
                    request: "GET /products".into(),
                    status: 200,
                    sent: s.map(String::from),
                    returned: r.map(String::from),
                })
                .collect(),
        });
        with_http(h)
    }

    #[test]
    fn echoed_and_generated_passes() {
        let o = expect(&REQUEST_IDS, &probe(&[(Some("steth-1"), Some("steth-1")), (None, Some("abc"))]), Status::Pass);
        assert!(o.evidence.contains("generated"));
    }

    #[test]
    fn missing_or_replaced_ids_fail() {
        let o = expect(&REQUEST_IDS, &probe(&[(Some("steth-1"), None), (None, Some("abc"))]), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("1/2 requests answered with their request id"));
        expect(&REQUEST_IDS, &probe(&[(Some("steth-1"), Some("other"))]), Status::Fail);
    }

    #[test]
    fn nothing_answered_is_not_assessed() {
        expect(&REQUEST_IDS, &probe(&[]), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &REQUEST_IDS,
            probe(&[(Some("steth-1"), None), (None, Some("abc"))]),
            "50%",
            Status::Fail,
            Status::Pass,
        )
    }
}
