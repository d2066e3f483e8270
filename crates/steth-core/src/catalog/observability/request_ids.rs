//! 5.4 request-ids: request ids propagated.

use crate::catalog::prelude::*;

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
    /// - **http**: stethoscope sends requests with an `X-Request-ID` of its own and checks that the
    ///   response echoes the same value, and sends requests without one and checks that a generated
    ///   id comes back. The share of requests handled this way is compared with the threshold.
    /// - **service**: when stethoscope runs the service, it also looks for each id in the captured
    ///   log lines. An id that is echoed in the response but never reaches the logs is only half of
    ///   the property.
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
        evaluate: None,
    }
}
