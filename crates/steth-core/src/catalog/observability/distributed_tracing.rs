//! 5.1 distributed-tracing: distributed tracing.

use crate::catalog::prelude::*;
use crate::evidence::TraceExchange;

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
    /// - **http**: stethoscope sends the base path and the first read endpoints a W3C
    ///   `traceparent` with a trace id of its own, and looks for that id in the answers: a
    ///   `traceresponse` or echoed `traceparent` header, or the `Server-Timing` header. Seen
    ///   passes. A trace header carrying a *different* trace id fails: the service traces, but
    ///   starts a new trace instead of continuing the caller's, so traces break at its boundary.
    ///   Nothing seen warns ("needs service logs"): most services propagate context without
    ///   saying so in responses, and only their logs or the tracing backend can show it; that
    ///   needs stethoscope to run the service, which is not built yet.
    /// - **source** (not built yet): the repository searched for a tracing SDK that is wired in.
    ///
    /// A handful of requests, no body read, each bounded by the target timeout.
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
        evaluate: Some(evaluate),
    }
}

/// The trace id of a `traceparent`-shaped value (`00-TRACEID-SPANID-FLAGS`).
fn trace_id(value: &str) -> Option<&str> {
    let id = value.trim().split('-').nth(1)?;
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

fn headers(x: &TraceExchange) -> impl Iterator<Item = &str> {
    [&x.traceresponse, &x.traceparent].into_iter().flatten().map(String::as_str)
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.tracing.get()?;
    if probe.exchanges.is_empty() {
        return Err(Outcome::not_assessed("no request carrying a traceparent was answered"));
    }
    let sent = probe.trace_id.to_ascii_lowercase();
    let echoes = |x: &&TraceExchange| {
        headers(x).any(|h| trace_id(h).is_some_and(|id| id.eq_ignore_ascii_case(&sent)))
            || x.server_timing.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains(&sent))
    };
    if let Some(x) = probe.exchanges.iter().find(echoes) {
        return Ok(Outcome::pass(
            "trace context propagated",
            format!("{} answered with the trace id stethoscope sent ({})", x.request, probe.trace_id),
        ));
    }
    let foreign: Vec<String> = probe
        .exchanges
        .iter()
        .filter_map(|x| headers(x).find_map(trace_id).map(|id| format!("{} → trace id {id}", x.request)))
        .collect();
    if !foreign.is_empty() {
        return Ok(Outcome::fail(
            "incoming trace context dropped",
            format!("sent trace id {}, the service answered with another: it starts new traces", probe.trace_id),
        )
        .with_findings(foreign));
    }
    Ok(Outcome::warn(
        "no propagation visible",
        "no traceresponse, traceparent or Server-Timing carried the trace id; needs service logs to confirm",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{Slot, TracingProbe};
    use crate::outcome::Status;

    const SENT: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    fn probe(traceresponse: Option<&str>, server_timing: Option<&str>) -> Evidence {
        let mut h = http(false);
        h.tracing = Slot::collected(TracingProbe {
            trace_id: SENT.into(),
            exchanges: vec![TraceExchange {
                request: "GET /products".into(),
                status: 200,
                traceresponse: traceresponse.map(String::from),
                traceparent: None,
                server_timing: server_timing.map(String::from),
            }],
        });
        with_http(h)
    }

    #[test]
    fn echoed_trace_id_passes() {
        expect(&DISTRIBUTED_TRACING, &probe(Some(&format!("00-{SENT}-00f067aa0ba902b7-01")), None), Status::Pass);
        let timing = format!("traceparent;desc=\"00-{SENT}-00f067aa0ba902b7-01\"");
        expect(&DISTRIBUTED_TRACING, &probe(None, Some(&timing)), Status::Pass);
    }

    #[test]
    fn another_trace_id_fails() {
        let other = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";
        let o = expect(&DISTRIBUTED_TRACING, &probe(Some(other), None), Status::Fail);
        assert!(o.findings[0].contains("0af7651916cd43dd8448eb211c80319c"));
    }

    #[test]
    fn nothing_seen_warns_until_logs_can_tell() {
        let o = expect(&DISTRIBUTED_TRACING, &probe(None, Some("db;dur=53")), Status::Warn);
        assert!(o.evidence.contains("needs service logs"));
    }
}
