//! 6.4 auth-rate-limiting: stricter rate limit on auth endpoints.

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
    /// - **http**: stethoscope sends a bounded series of login attempts with deliberately wrong
    ///   credentials to the configured authentication endpoints and counts the attempts answered
    ///   before the first 429. It passes when the 429 arrives within the threshold count; no 429
    ///   within the bounded series fails.
    ///
    /// Use a dedicated test account: a service with account lockout will lock it. If authentication
    /// is delegated to an external identity provider and the service has no login endpoint of its
    /// own, declare the item not applicable in `[na]`, e.g. `"6.4" = "login handled by Auth0"`.
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
        evaluate: None,
    }
}
