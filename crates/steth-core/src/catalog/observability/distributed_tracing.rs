//! 5.1 distributed-tracing: distributed tracing.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Every request that crosses a service boundary carries a trace context, so one user request
    /// can be followed as a single trace through the API, the HTTP calls it makes, the messages it
    /// publishes and the queries it runs. The default threshold is "every service boundary": the
    /// service accepts an incoming W3C `traceparent` header, continues that trace, and passes the
    /// context on to whatever it calls.
    ///
    /// ## Why it matters
    /// Without propagation every service records its own disconnected spans, or none at all. When
    /// checkout p99 jumps from 300 ms to 4 s you can see that the API is slow, but not that the
    /// time goes into a payment-provider call retried three times, or into one query on a cold
    /// replica. Engineers then line up timestamps across dashboards and log searches by hand, which
    /// turns a ten-minute diagnosis into an hours-long incident.
    ///
    /// ## How it is measured
    /// - **http**: stethoscope sends requests carrying a W3C `traceparent` header with a trace id
    ///   of its own, and looks for that id being propagated: in response headers, and, when it runs
    ///   the service itself, in the captured log lines.
    /// - **source**: the repository is searched for a tracing SDK that is wired in (for example an
    ///   OpenTelemetry tracer provider with a propagator and an exporter), not merely declared.
    ///
    /// Propagation observed over HTTP is direct evidence. An SDK found in the code while no
    /// propagation is observed is indirect evidence and gives `warn`; neither gives `fail`.
    ///
    /// ## How to fix
    /// Instrument the service with OpenTelemetry (or your vendor's SDK), use the W3C Trace Context
    /// propagator, and instrument the outgoing side too (HTTP clients, queue producers, database
    /// drivers), otherwise the trace ends at your service. Most SDKs read their setup from the
    /// environment:
    ///
    /// ```sh
    /// OTEL_SERVICE_NAME=orders-api
    /// OTEL_PROPAGATORS=tracecontext,baggage
    /// OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4317
    /// OTEL_TRACES_SAMPLER=parentbased_traceidratio
    /// OTEL_TRACES_SAMPLER_ARG=0.1
    /// ```
    ///
    /// A `parentbased` sampler honours the caller's sampling decision, so a trace is kept or
    /// dropped as a whole. Write the trace id into every log line (see 5.3 and 5.4) so logs and
    /// traces join.
    pub DISTRIBUTED_TRACING = {
        id: "5.1",
        slug: "distributed-tracing",
        title: "Distributed tracing",
        section: Observability,
        threshold: Threshold::requires("every service boundary"),
        sources: [Http, Source],
        severity: Medium,
        evaluate: None,
    }
}
