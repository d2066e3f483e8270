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
    /// - **metrics**: stethoscope scrapes the service's Prometheus endpoint (once before any
    ///   load, and right before and right after each load phase) and lists every family exposed.
    ///   The request counter is a `counter` (or an untyped family ending in `_total`) whose name
    ///   holds the word `request` or `requests` and none of `duration`, `latency`, `seconds`,
    ///   `bytes`, `size`, `flight`, `inflight`, `per`, `cache`, `db`, `query`, `queries`,
    ///   `statement(s)` or `sql` (the one with the most of the labels below when several). It
    ///   must carry a method label (`method`, `http_method`, `verb`), a route label (`route`,
    ///   `path`, `handler`, `endpoint`, `uri`, `http_route`) and a status label (`status`,
    ///   `code`, `status_code`, `http_status`, `response_code`). The duration histogram is a
    ///   `histogram` whose name holds `request`/`requests` and one of `duration`, `latency`,
    ///   `seconds`, `milliseconds`, `time`, with method and route labels.
    /// - **load**: around each endpoint's load phase, the counter's series whose method label
    ///   equals the endpoint's method and whose route label equals its path template (placeholders
    ///   `{id}`, `:id` and `<id>` are the same, a trailing `/` is ignored) are summed. Their growth
    ///   must equal the requests stethoscope sent in that phase, warm-up included (estimated as
    ///   the phase's target rate, or its achieved rate for a closed model, × the warm-up), within
    ///   ±1 % (at least ±1 request). A counter that stays flat, grows under some other label set
    ///   (a raw path as route, say), or grows by a different amount fails; the largest other
    ///   series that grew is named.
    ///
    /// Missing labels or a missing histogram fail. Series that exist but could not be checked
    /// against a load phase (no load ran, a counter reset or a failed scrape in every window) are
    /// partial evidence (`warn`). Without `[metrics] url` the item is `not assessed`.
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
        evaluate: Some(evaluate),
    }
}

use crate::evidence::{MetricFamily, RequestWindow};

use crate::evidence::{METHOD_LABELS, ROUTE_LABELS, STATUS_LABELS, mentions_requests, name_words};

fn is_request_counter(f: &MetricFamily) -> bool {
    crate::evidence::is_request_counter(&f.name, &f.kind)
}

fn is_duration_histogram(f: &MetricFamily) -> bool {
    let timed = ["duration", "latency", "seconds", "milliseconds", "time"];
    f.kind == "histogram"
        && mentions_requests(&f.name)
        && name_words(&f.name).iter().any(|w| timed.contains(&w.as_str()))
}

/// The label kinds (`method`, `route`, `status`) among `wanted` that `f` lacks.
fn lacking(f: &MetricFamily, wanted: &[(&'static str, &[&str])]) -> Vec<&'static str> {
    wanted.iter().filter(|(_, names)| !f.labels.iter().any(|l| names.contains(&l.as_str()))).map(|(k, _)| *k).collect()
}

fn tolerance(sent: u64) -> f64 {
    (sent as f64 * 0.01).max(1.0)
}

fn describe(w: &RequestWindow) -> String {
    let mut text = format!(
        "{} ({}): counter grew by {} for {} {}, {} requests sent",
        w.endpoint, w.phase, w.counted, w.method, w.route, w.sent
    );
    if let Some(other) = &w.largest_elsewhere {
        text.push_str(&format!("; other series grew by {} (most: {other})", w.elsewhere));
    }
    text
}

fn evaluate(evidence: &Evidence, _: &Threshold) -> Verdict {
    let metrics = evidence.metrics.get()?;
    let families = metrics.families.get()?;
    let named = metrics.requests.get().ok().map(|r| r.family.as_str());
    let mut counters: Vec<&MetricFamily> = families.iter().filter(|f| is_request_counter(f)).collect();
    let all = [("method", &METHOD_LABELS[..]), ("route", &ROUTE_LABELS[..]), ("status", &STATUS_LABELS[..])];
    counters.sort_by_key(|f| (Some(f.name.as_str()) != named, lacking(f, &all).len()));
    let Some(counter) = counters.first() else {
        return Ok(Outcome::fail(
            "no request counter",
            format!("none of the {} families exposed is a request counter", families.len()),
        ));
    };
    let missing = lacking(counter, &all);
    if !missing.is_empty() {
        return Ok(Outcome::fail(
            format!("`{}` lacks a {} label", counter.name, missing.join(" and ")),
            format!("labels: {}", counter.labels.join(", ")),
        ));
    }
    let histograms: Vec<&MetricFamily> = families.iter().filter(|f| is_duration_histogram(f)).collect();
    let timed = histograms.iter().find(|f| lacking(f, &all[..2]).is_empty());
    let Some(histogram) = timed else {
        let found: Vec<String> =
            histograms.iter().map(|f| format!("`{}` (labels: {})", f.name, f.labels.join(", "))).collect();
        let evidence = match found.as_slice() {
            [] => "no histogram whose name holds `request` and a duration word".to_string(),
            _ => format!("request histograms without method and route labels: {}", found.join("; ")),
        };
        return Ok(Outcome::fail("no request-duration histogram by method and route", evidence));
    };
    let seen = format!("counter `{}`, histogram `{}`", counter.name, histogram.name);
    let windows = match metrics.requests.get() {
        Ok(r) if r.family == counter.name => &r.windows,
        Ok(r) => {
            let why = format!("the load phases watched `{}`, not `{}`", r.family, counter.name);
            return Ok(Outcome::warn("series exist, not checked against load", format!("{why}; {seen}")));
        }
        Err(o) => {
            let why = format!("not checked against a load phase: {}", o.evidence);
            return Ok(Outcome::warn("series exist, not checked against load", format!("{why}; {seen}")));
        }
    };
    let incomplete: Vec<String> = windows
        .iter()
        .filter_map(|w| {
            w.incomplete.as_ref().map(|why| format!("incomplete window: {} ({}): {why}", w.endpoint, w.phase))
        })
        .collect();
    let complete: Vec<&RequestWindow> = windows.iter().filter(|w| w.incomplete.is_none()).collect();
    if complete.is_empty() {
        return Ok(Outcome::warn("series exist, not checked against load", format!("no complete load window; {seen}"))
            .with_findings(incomplete));
    }
    let off: Vec<&RequestWindow> =
        complete.iter().copied().filter(|w| (w.counted - w.sent as f64).abs() > tolerance(w.sent)).collect();
    let findings: Vec<String> = off.iter().map(|w| describe(w)).chain(incomplete).collect();
    let Some(worst) = off.iter().max_by(|a, b| {
        let gap = |w: &RequestWindow| (w.counted - w.sent as f64).abs() / (w.sent as f64).max(1.0);
        gap(a).total_cmp(&gap(b))
    }) else {
        let sent: u64 = complete.iter().map(|w| w.sent).sum();
        return Ok(Outcome::pass(
            format!("{} load window(s) counted within ±1 %", complete.len()),
            format!("{sent} requests sent, each window's series grew by them; {seen}"),
        )
        .with_findings(findings));
    };
    let flat = off.iter().filter(|w| w.counted == 0.0).count();
    let what = if flat > 0 { format!("{flat} did not move") } else { "none flat".to_string() };
    Ok(Outcome::fail(
        format!("{} of {} load window(s) miscounted ({what})", off.len(), complete.len()),
        format!("{}; {seen}", describe(worst)),
    )
    .with_findings(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, family, request_window, with_families};
    use crate::evidence::Slot;
    use crate::outcome::Status;

    fn counter(labels: &[&str]) -> MetricFamily {
        let labels: Vec<(&str, &[&str])> = labels.iter().map(|l| (*l, &[][..])).collect();
        family("http_requests_total", "counter", &labels)
    }

    fn histogram() -> MetricFamily {
        family("http_request_duration_seconds", "histogram", &[("method", &[]), ("route", &[])])
    }

    fn healthy() -> Vec<MetricFamily> {
        vec![counter(&["method", "route", "status"]), histogram()]
    }

    #[test]
    fn counted_within_one_percent_passes_and_the_edge_is_one_percent() {
        let ev = with_families(healthy(), Some(vec![request_window("GET /a/{id}", 1000, 1010.0)]));
        let o = expect(&RED_METRICS, &ev, Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("1 load window(s) counted within ±1 %"));
        let ev = with_families(healthy(), Some(vec![request_window("GET /a/{id}", 1000, 1011.0)]));
        expect(&RED_METRICS, &ev, Status::Fail);
        // Small phases get ±1 request for the estimated warm-up.
        let ev = with_families(healthy(), Some(vec![request_window("GET /a", 20, 21.0)]));
        expect(&RED_METRICS, &ev, Status::Pass);
    }

    #[test]
    fn a_flat_counter_fails_and_names_where_requests_went() {
        let mut w = request_window("GET /a/{id}", 500, 0.0);
        w.elsewhere = 500.0;
        w.largest_elsewhere = Some("method=\"GET\", route=\"/a/7\"".into());
        let ok = request_window("GET /b", 100, 100.0);
        let o = expect(&RED_METRICS, &with_families(healthy(), Some(vec![ok, w])), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("1 of 2 load window(s) miscounted (1 did not move)"));
        assert!(
            o.evidence.contains("other series grew by 500 (most: method=\"GET\", route=\"/a/7\")"),
            "{}",
            o.evidence
        );
    }

    #[test]
    fn missing_labels_or_histogram_fail() {
        let fams = vec![counter(&["method", "status"]), histogram()];
        let o = expect(&RED_METRICS, &with_families(fams, None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("`http_requests_total` lacks a route label"));
        let fams = vec![counter(&["verb", "handler", "code"])];
        let o = expect(&RED_METRICS, &with_families(fams, None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("no request-duration histogram by method and route"));
        let fams =
            vec![counter(&["method", "path", "code"]), family("http_request_duration_seconds", "histogram", &[])];
        let o = expect(&RED_METRICS, &with_families(fams, None), Status::Fail);
        assert!(o.evidence.starts_with("request histograms without method and route labels"), "{}", o.evidence);
        // A duration histogram is not a request counter.
        let o = expect(&RED_METRICS, &with_families(vec![histogram()], None), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("no request counter"));
    }

    #[test]
    fn series_without_a_load_window_are_partial_evidence() {
        let o = expect(&RED_METRICS, &with_families(healthy(), None), Status::Warn);
        assert!(o.evidence.starts_with("not checked against a load phase: no load phase ran"), "{}", o.evidence);
        let mut w = request_window("GET /a", 100, 0.0);
        w.incomplete = Some("the counter went back".into());
        let o = expect(&RED_METRICS, &with_families(healthy(), Some(vec![w])), Status::Warn);
        assert_eq!(o.findings, ["incomplete window: GET /a (normal): the counter went back"]);
    }

    #[test]
    fn without_metrics_it_is_not_assessed_never_a_pass() {
        expect(&RED_METRICS, &Evidence::default(), Status::NotAssessed);
        let ev = Evidence { metrics: Slot::failed("connection refused"), ..Evidence::default() };
        expect(&RED_METRICS, &ev, Status::Error);
    }
}
