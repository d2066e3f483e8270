//! 5.3 structured-logging: structured logging.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// Every line the service logs is a JSON object with stable fields: timestamp, level, message,
    /// and context such as request id, route and trace id. The default threshold is 100 % of
    /// captured lines parsing as JSON; it can be relaxed in `[thresholds]`, e.g. `"5.3" = "99%"`.
    ///
    /// ## Why it matters
    /// Log pipelines (Loki, Elasticsearch, CloudWatch Logs Insights) can filter and aggregate on
    /// fields only when lines are structured. Plain-text lines need fragile regexes, and multi-line
    /// output is split into one event per line: an exception message lands in one record and its
    /// forty stack frames in forty others. During an incident, "all errors on `POST /orders` for
    /// tenant 812 in the last ten minutes" becomes a grep over raw text instead of a query.
    ///
    /// ## How it is measured
    /// - **service**: when stethoscope starts the service itself, it captures stdout and stderr for
    ///   the whole run (startup, load phases, shutdown) and counts the lines that parse as JSON.
    ///   The percentage is compared with the threshold; a plain-text startup banner or access log
    ///   counts against it.
    /// - **source**: the repository is searched for the logger in use: a structured logger with a
    ///   JSON formatter, as opposed to `print`, `console.log`, `println!` or a text formatter.
    ///
    /// When stethoscope does not run the service, only the source evidence exists; that is indirect
    /// and gives at most `warn`.
    ///
    /// ## How to fix
    /// Configure one JSON logger at startup and route framework, access and library logs through
    /// it. In Go:
    ///
    /// ```go
    /// slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
    /// slog.Info("order created", "order_id", order.ID, "request_id", reqID)
    /// ```
    ///
    /// Equivalents: `structlog` with `JSONRenderer` (Python), `pino` (Node), `tracing-subscriber`
    /// with `.json()` (Rust), Logback with `logstash-logback-encoder` (Java). Log an exception as
    /// one event with the stack trace in a field, and put values in fields rather than formatting
    /// them into the message, so they stay queryable.
    pub STRUCTURED_LOGGING = {
        id: "5.3",
        slug: "structured-logging",
        title: "Structured logging",
        section: Observability,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Service, Source],
        severity: Medium,
        evaluate: None,
    }
}
