//! 6.3 rate-limiting: rate limiting on public endpoints.

use crate::catalog::prelude::*;
use crate::evidence::BurstProbe;

declare_item! {
    /// ## What it checks
    /// Public endpoints limit how many requests one client may send per time window and answer
    /// `429 Too Many Requests` beyond it, ideally with `Retry-After` or `RateLimit` headers telling
    /// the client when to come back. The default threshold is qualitative: limits configured.
    ///
    /// ## Why it matters
    /// Without a limit, a single scraper, a partner's batch job or a client stuck in a retry loop
    /// can take all capacity. A typical incident: a mobile release retries every failed call
    /// immediately, the first slow minute multiplies traffic twentyfold, and every other user gets
    /// timeouts. Limits also cap the cost of endpoints that trigger paid work (SMS, e-mail,
    /// third-party APIs).
    ///
    /// ## How it is measured
    /// - **http**: after every other probe (a burst trips the limiter for stethoscope's address),
    ///   stethoscope sends a bounded burst to the first public, non-login `GET` endpoint: up to
    ///   200 requests within 10 s, 10 at a time (`[probes] burst_requests`, `burst_window`). It
    ///   stops at the first 429 and passes; the evidence records after how many requests, and
    ///   the `Retry-After`, `RateLimit-*` and `X-RateLimit-*` headers seen. No 429 within the
    ///   burst fails.
    ///
    /// The burst is bounded in requests, bytes (each body read up to 64 KiB) and time, so the
    /// probe never becomes a load test. A limit set higher than the burst, or enforced by a
    /// gateway or CDN that stethoscope's target URL bypasses, cannot be observed; raise
    /// `burst_requests`, point stethoscope at the gateway, or vouch for the limit in
    /// `[attest]`, e.g. `"6.3" = "Cloudflare rule api-public, 600 req/min per IP"`.
    ///
    /// ## How to fix
    /// Limit at the edge, keyed by client IP or API key. In nginx:
    ///
    /// ```nginx
    /// limit_req_zone $binary_remote_addr zone=api:10m rate=20r/s;
    /// server {
    ///     location /api/ {
    ///         limit_req zone=api burst=40 nodelay;
    ///         limit_req_status 429;
    ///         proxy_pass http://app;
    ///     }
    /// }
    /// ```
    ///
    /// Behind a load balancer, key on the real client address (`real_ip_header`), not the
    /// balancer's. An in-process limiter on N instances allows N times the limit; use a shared
    /// store (Redis) or the gateway. Send `Retry-After` so well-behaved clients back off.
    pub RATE_LIMITING = {
        id: "6.3",
        slug: "rate-limiting",
        title: "Rate limiting on public endpoints",
        section: Security,
        threshold: Threshold::requires("limits configured"),
        sources: [Http],
        severity: High,
        evaluate: Some(evaluate),
    }
}

/// The limit headers seen, or a note that none came.
pub(super) fn limit_headers(b: &BurstProbe) -> String {
    if b.limit_headers.is_empty() {
        return "no Retry-After or RateLimit headers".into();
    }
    b.limit_headers.iter().map(|(n, v)| format!("{n}: {v}")).collect::<Vec<_>>().join(", ")
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let b = evidence.http.get()?.rate_limit.get()?;
    if b.sent == 0 || b.errors >= b.sent {
        return Err(Outcome::error(format!(
            "the burst to {} got no answers: {}",
            b.request,
            b.last_error.as_deref().unwrap_or("nothing was sent")
        )));
    }
    let answered: u32 = b.statuses.iter().map(|(_, n)| n).sum();
    let server_errors: u32 = b.statuses.iter().filter(|(s, _)| *s >= 500).map(|(_, n)| n).sum();
    if b.first_429_after.is_none() && server_errors * 2 >= answered.max(1) {
        return Err(Outcome::error(format!(
            "{server_errors} of {answered} answers to the burst at {} were 5xx: it met failures, not a rate limit",
            b.request
        )));
    }
    match b.first_429_after {
        Some(n) => Ok(Outcome::pass(
            format!("429 after {n} requests"),
            format!("{} limited within {} ms; {}", b.request, b.elapsed_ms, limit_headers(b)),
        )),
        None => Ok(Outcome::fail(
            format!("no 429 in {} requests", b.sent),
            format!("{} answered a {}-request burst over {} ms without limiting it", b.request, b.sent, b.elapsed_ms),
        )
        .with_findings(b.statuses.iter().map(|(s, n)| format!("{n} × {s}")))
        .with_excess(2.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::Slot;
    use crate::outcome::Status;

    fn burst(sent: u32, first_429_after: Option<u32>, errors: u32) -> BurstProbe {
        crate::catalog::testing::burst("GET /products", sent, first_429_after, errors)
    }

    fn with(b: BurstProbe) -> Evidence {
        let mut h = http(false);
        h.rate_limit = Slot::collected(b);
        with_http(h)
    }

    #[test]
    fn a_burst_answered_with_500s_is_an_error_not_a_verdict() {
        let mut b = burst(200, None, 0);
        b.statuses = vec![(500, 200)];
        let o = expect(&RATE_LIMITING, &with(b), Status::Error);
        assert!(o.evidence.contains("200 of 200 answers"), "{}", o.evidence);
    }

    #[test]
    fn a_429_passes_and_notes_the_headers() {
        let o = expect(&RATE_LIMITING, &with(burst(121, Some(120), 0)), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("429 after 120 requests"));
        assert!(o.evidence.contains("retry-after: 1"));
    }

    #[test]
    fn no_429_fails() {
        expect(&RATE_LIMITING, &with(burst(200, None, 0)), Status::Fail);
    }

    #[test]
    fn no_answers_is_an_error() {
        expect(&RATE_LIMITING, &with(burst(10, None, 10)), Status::Error);
    }
}
