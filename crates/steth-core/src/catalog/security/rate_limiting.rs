//! 6.3 rate-limiting: rate limiting on public endpoints.

use crate::catalog::prelude::*;

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
    /// - **http**: stethoscope sends a bounded burst to the public endpoints and expects to meet a
    ///   429 before the burst ends. `Retry-After`, `RateLimit-*` and `X-RateLimit-*` headers are
    ///   noted in the report.
    ///
    /// The burst is bounded in requests, bytes and time, so the probe never becomes a load test. A
    /// limit set higher than the burst, or enforced by a gateway or CDN that stethoscope's target
    /// URL bypasses, cannot be observed; point stethoscope at the gateway, or vouch for the limit
    /// in `[attest]`, e.g. `"6.3" = "Cloudflare rule api-public, 600 req/min per IP"`.
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
        evaluate: None,
    }
}
