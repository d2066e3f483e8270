//! 6.4 auth-rate-limiting: stricter rate limit on auth endpoints.

use super::rate_limiting::limit_headers;
use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Login, token, password-reset and sign-up endpoints have a much stricter limit than the rest
    /// of the API, such as 10 requests per minute. The default threshold is a count: a client must
    /// meet a `429` within 10 attempts. It can be changed in `[thresholds]`, e.g. `"6.4" = "5"`.
    ///
    /// ## Why it matters
    /// Credential stuffing replays leaked e-mail/password pairs at thousands of attempts per
    /// minute. A general API limit of 100 requests per second still allows 360 000 guesses per hour
    /// from one address. Password-reset and verification endpoints that send e-mail or SMS can be
    /// abused to flood users and run up the messaging bill.
    ///
    /// ## How it is measured
    /// - **http**: after every other probe, stethoscope sends a bounded series of login
    ///   attempts to the first endpoint marked `login = true` — its configured body with the
    ///   password field replaced by a wrong one (so the attempts really fail; the report says
    ///   what was sent), else made-up credentials — one after another: up to 20 within 60 s
    ///   (`[probes] login_attempts`, `login_window`). It stops at the first 429 and counts the
    ///   attempts answered before it: within the threshold passes, later or never fails.
    ///   `Retry-After` and `RateLimit-*` headers are noted. Attempts that succeeded (no failed
    ///   login was exercised) or were mostly answered 5xx make the item `error`, not a verdict.
    ///
    /// **Account lockout**: these are real failed logins for the configured account; a service
    /// that locks an account after N failures will lock it. Point the login endpoint at a
    /// dedicated test account.
    ///
    /// Attempts made earlier in the same audit (identities logging in, input validation) count
    /// against the same limit, so the 429 may come sooner than the limit itself. Use a
    /// dedicated test account: a service with account lockout will lock it. If authentication
    /// is delegated to an external identity provider and the service has no login endpoint of
    /// its own, declare the item not applicable in `[na]`, e.g.
    /// `"6.4" = "login handled by Auth0"`.
    ///
    /// ## How to fix
    /// Add a separate, strict zone for authentication routes:
    ///
    /// ```nginx
    /// limit_req_zone $binary_remote_addr zone=login:10m rate=10r/m;
    /// server {
    ///     location = /login {
    ///         limit_req zone=login burst=5 nodelay;
    ///         limit_req_status 429;
    ///         proxy_pass http://app;
    ///     }
    /// }
    /// ```
    ///
    /// A per-address limit does not stop attacks spread over many addresses: also count failures
    /// per account (a Redis `INCR` with `EXPIRE`), add increasing delays or a CAPTCHA after a few
    /// failures, and answer the same way whether or not the account exists.
    pub AUTH_RATE_LIMITING = {
        id: "6.4",
        slug: "auth-rate-limiting",
        title: "Stricter rate limit on auth endpoints",
        section: Security,
        threshold: Threshold::at_most(10),
        sources: [Http],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let b = evidence.http.get()?.login_rate_limit.get()?;
    if b.sent == 0 || b.errors >= b.sent {
        return Err(Outcome::error(format!(
            "the login attempts to {} got no answers: {}",
            b.request,
            b.last_error.as_deref().unwrap_or("nothing was sent")
        )));
    }
    let answered: u32 = b.statuses.iter().map(|(_, n)| n).sum();
    let class =
        |lo: u16| -> u32 { b.statuses.iter().filter(|(s, _)| (lo..lo + 100).contains(s)).map(|(_, n)| n).sum() };
    let sent = b.sent_body.as_deref().map_or(String::new(), |s| format!(" (each sent {s})"));
    if b.first_429_after.is_none() && class(500) * 2 >= answered.max(1) {
        return Err(Outcome::error(format!(
            "{} of {answered} login attempts at {} were answered 5xx: failures, not a rate limit{sent}",
            class(500),
            b.request
        )));
    }
    if b.first_429_after.is_none() && class(200) > 0 {
        return Err(Outcome::error(format!(
            "{} of {answered} login attempts at {} succeeded, so no failed login was exercised{sent}",
            class(200),
            b.request
        )));
    }
    let limit = threshold.limit_count();
    match b.first_429_after {
        Some(n) if u64::from(n) <= limit => {
            Ok(Outcome::pass(format!("429 after {n} attempts"), format!("{} limited; {}", b.request, limit_headers(b))))
        }
        Some(n) => Ok(Outcome::fail(
            format!("429 only after {n} attempts"),
            format!("{} allows more than {limit} failed logins before limiting; {}", b.request, limit_headers(b)),
        )
        .with_excess(f64::from(n) / limit.max(1) as f64)),
        None => Ok(Outcome::fail(
            format!("no 429 in {} attempts", b.sent),
            format!(
                "{} answered {} failed logins in {} ms without limiting them{sent}",
                b.request, b.sent, b.elapsed_ms
            ),
        )
        .with_findings(b.statuses.iter().map(|(s, n)| format!("{n} × {s}")))
        .with_excess(f64::from(b.sent) / limit.max(1) as f64)),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{BurstProbe, Slot};
    use crate::outcome::Status;

    /// Failed logins: every answer before the 429 is a 401.
    fn burst(sent: u32, first_429_after: Option<u32>, errors: u32) -> BurstProbe {
        let mut b = crate::catalog::testing::burst("POST /login", sent, first_429_after, errors);
        b.statuses = b.statuses.iter().map(|(_, n)| (401, *n)).collect();
        b
    }

    #[test]
    fn successful_logins_are_not_failed_logins() {
        let mut b = burst(20, None, 0);
        b.statuses = vec![(200, 20)];
        b.sent_body = Some("the configured login body".into());
        let o = expect(&AUTH_RATE_LIMITING, &with(b), Status::Error);
        assert!(o.evidence.contains("20 of 20 login attempts") && o.evidence.contains("succeeded"), "{}", o.evidence);
    }

    fn with(b: BurstProbe) -> Evidence {
        let mut h = http(false);
        h.login_rate_limit = Slot::collected(b);
        with_http(h)
    }

    #[test]
    fn a_429_within_the_threshold_passes() {
        expect(&AUTH_RATE_LIMITING, &with(burst(11, Some(10), 0)), Status::Pass);
    }

    #[test]
    fn a_late_429_or_none_fails() {
        let o = expect(&AUTH_RATE_LIMITING, &with(burst(16, Some(15), 0)), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("429 only after 15 attempts"));
        expect(&AUTH_RATE_LIMITING, &with(burst(20, None, 0)), Status::Fail);
    }

    #[test]
    fn no_answers_is_an_error() {
        expect(&AUTH_RATE_LIMITING, &with(burst(3, None, 3)), Status::Error);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &AUTH_RATE_LIMITING,
            with(burst(16, Some(15), 0)),
            "15",
            Status::Fail,
            Status::Pass,
        )
    }
}
