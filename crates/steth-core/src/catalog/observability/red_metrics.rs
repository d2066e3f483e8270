//! 5.2 red-metrics: red metrics per endpoint.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Each endpoint exposes the three RED signals as Prometheus metrics: **R**ate (requests per
    /// second), **E**rrors (requests by status) and **D**uration (a latency histogram). Concretely,
    /// a request counter labelled with method, route and status, and a duration histogram. The
    /// default threshold is all three, for every hot endpoint.
    ///
    /// ## Why it matters
    /// A service-wide figure hides the endpoint that is failing. If `POST /orders` starts returning
    /// 503 for 5 % of calls while `GET /products` carries fifty times more traffic, the global
    /// error rate barely moves and nobody is paged. Per-route series let you graph and alert on the
    /// one endpoint that broke. The route label must be the route template (`/orders/{id}`), not
    /// the raw path: with raw paths every id becomes a new time series and the metrics endpoint,
    /// and the Prometheus server behind it, grow without bound.
    ///
    /// ## How it is measured
    /// - **metrics**: stethoscope scrapes the service's Prometheus endpoint and looks for a request
    ///   counter carrying method, route and status labels, and a duration histogram (`_bucket`
    ///   series).
    /// - **load**: the endpoint is scraped before and after each hot endpoint's load phase. That
    ///   endpoint's counter must have grown by the number of requests stethoscope sent, within
    ///   ±1 %. A counter that stays flat, grows under some other label set, or grows by a different
    ///   amount shows the metric does not describe that route.
    ///
    /// Series that exist but could not be checked against a load phase are partial evidence
    /// (`warn`).
    ///
    /// ## How to fix
    /// Record the metrics once, in a middleware that runs after routing so it knows the matched
    /// route template, and count every outcome, including requests rejected early (401, 404, 413):
    ///
    /// ```text
    /// http_requests_total{method="POST",route="/orders",status="201"} 1027
    /// http_request_duration_seconds_bucket{method="POST",route="/orders",le="0.25"} 990
    /// http_request_duration_seconds_bucket{method="POST",route="/orders",le="+Inf"} 1027
    /// ```
    ///
    /// Most frameworks have an exporter that does this (`prometheus-fastapi-instrumentator`,
    /// `express-prom-bundle`, `axum-prometheus`, Micrometer in Spring Boot). Check which label it
    /// uses for the route, and choose histogram buckets around your latency targets (0.1, 0.2, 0.5,
    /// 1 s).
    pub RED_METRICS = {
        id: "5.2",
        slug: "red-metrics",
        title: "RED metrics per endpoint",
        section: Observability,
        threshold: Threshold::requires("rate, errors, duration"),
        sources: [Metrics, Load],
        severity: Medium,
        evaluate: None,
    }
}
