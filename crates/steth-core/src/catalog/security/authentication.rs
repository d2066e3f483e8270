//! 6.1 authentication: authentication on all non-public endpoints.

use crate::catalog::prelude::*;

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
    /// - **http**: each non-public endpoint is called once without any credentials: no
    ///   `Authorization` header, no cookies, no API key. The answer must be 401 or 403; both count
    ///   as authentication enforced, since services differ in which one they use. Any other answer,
    ///   above all a 2xx that serves data, counts against the item.
    ///
    /// The probes are bounded in number of requests, bytes read and time. The share of endpoints
    /// that refuse is compared with the threshold.
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
        evaluate: None,
    }
}
