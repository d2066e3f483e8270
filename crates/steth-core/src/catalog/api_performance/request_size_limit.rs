//! 1.6 request-size-limit: request size limit enforced.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That write endpoints enforce a maximum request body size and reject larger bodies early.
    /// By default stethoscope sends a **16 MiB** body; the server must refuse it with `413
    /// Payload Too Large` (or `400`) without reading the whole body first.
    ///
    /// ## Why it matters
    /// Without a limit, one client can send a multi-gigabyte JSON body that the framework buffers
    /// and parses in memory. A few such requests in parallel push the process into the OOM
    /// killer, and the resulting restart drops every other in-flight request. Large bodies also
    /// tie up workers while they trickle in, which makes a cheap denial-of-service.
    ///
    /// ## How it is measured
    /// Source: **http**. For each write endpoint stethoscope streams an oversized body (16 MiB by
    /// default) and watches how the server reacts. A `413` or `400` that arrives before the body
    /// has been fully sent passes. A `2xx` (the body was accepted), a `5xx` (the server choked on
    /// it) or a hang fails. If the server accepts the body, the endpoint may have processed it,
    /// so run this against a non-production environment. The probe size can be overridden:
    ///
    /// ```toml
    /// [thresholds]
    /// "1.6" = "4MiB"
    /// ```
    ///
    /// ## How to fix
    /// Enforce the limit as close to the edge as possible, and again in the application:
    ///
    /// ```nginx
    /// client_max_body_size 1m;
    /// ```
    ///
    /// ```javascript
    /// app.use(express.json({ limit: "1mb" }));
    /// ```
    ///
    /// In Go wrap `r.Body` with `http.MaxBytesReader`; in ASP.NET Core lower Kestrel's
    /// `Limits.MaxRequestBodySize`. Give upload endpoints their own, larger limit, or better,
    /// presigned URLs (8.6).
    pub REQUEST_SIZE_LIMIT = {
        id: "1.6",
        slug: "request-size-limit",
        title: "Request size limit enforced",
        section: ApiPerformance,
        threshold: Threshold::bytes_at_most(16 * 1024 * 1024),
        sources: [Http],
        severity: High,
        evaluate: None,
    }
}
