//! Evidence from the service's Prometheus endpoint: the query-duration histogram's bucket
//! deltas around each load phase, in milliseconds whatever the family's unit; the families
//! exposed; the request counter's growth around each load phase.

use super::Slot;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the metrics collector read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsEvidence {
    /// The scraped URL, credentials redacted.
    pub url: String,
    /// The query-duration histogram around each load phase (2.1).
    pub query_histogram: Slot<QueryHistogram>,
    /// Every family the scrapes exposed (4.7, 5.2, 5.7, 5.8), by name.
    #[serde(default)]
    pub families: Slot<Vec<MetricFamily>>,
    /// The request counter's growth around each load phase (5.2).
    #[serde(default)]
    pub requests: Slot<RequestCounting>,
    /// The alerting rules of `[metrics] rule_files` and `[metrics] prometheus` (5.5, 5.6).
    #[serde(default)]
    pub rules: Slot<super::AlertRules>,
}

/// One metric family as the scrapes exposed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFamily {
    /// The family's name (`http_requests_total`; a histogram's without `_bucket`).
    pub name: String,
    /// Its `# TYPE`: counter, gauge, histogram, summary, or untyped when none was declared.
    pub kind: String,
    /// Label names seen on its samples (`le` and `quantile` left out), sorted.
    pub labels: Vec<String>,
    /// Distinct values seen per label, the first [`MAX_LABEL_VALUES`] of each, sorted.
    #[serde(default)]
    pub values: BTreeMap<String, Vec<String>>,
    /// Series in the scrape with the most of them (a histogram's or summary's `_count` series).
    pub series: u64,
}

/// Most values kept per label of a family.
pub const MAX_LABEL_VALUES: usize = 16;

/// The request counter and its growth around each load phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestCounting {
    /// The counter's family, e.g. `http_requests_total`.
    pub family: String,
    /// One window per load phase, in the order the phases ran.
    pub windows: Vec<RequestWindow>,
}

/// The request counter's growth over one endpoint's load phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestWindow {
    /// The endpoint's display name.
    pub endpoint: String,
    /// baseline, normal, stress or soak.
    pub phase: crate::evidence::Phase,
    /// The endpoint's method, uppercase.
    pub method: String,
    /// The endpoint's path template.
    pub route: String,
    /// Requests stethoscope sent in the phase, warm-up included (estimated as rate × warm-up).
    pub sent: u64,
    /// Growth of the series whose method and route labels match the endpoint.
    pub counted: f64,
    /// Growth of every other series of the family.
    pub elsewhere: f64,
    /// The other series that grew the most, as `label="value"` pairs, when one did.
    pub largest_elsewhere: Option<String>,
    /// Why the growth cannot be trusted (a counter reset, a failed scrape).
    pub incomplete: Option<String>,
}

/// A query-duration histogram family and its deltas per load phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryHistogram {
    /// The family's name, e.g. `db_query_duration_seconds`.
    pub family: String,
    /// The family's unit as its name gives it: `seconds` or `milliseconds`.
    pub unit: String,
    /// Whether the family was named in the config (`[metrics] query_histogram`) or detected.
    pub configured: bool,
    /// One window per load phase, in the order the phases ran.
    pub windows: Vec<HistogramWindow>,
}

/// The histogram's change over one endpoint's load phase, every label set summed per bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramWindow {
    /// The endpoint's display name.
    pub endpoint: String,
    /// baseline, normal, stress or soak.
    pub phase: crate::evidence::Phase,
    /// Finite buckets in ascending bound order, with cumulative counts observed in the window.
    pub buckets: Vec<Bucket>,
    /// Observations in the window (the `+Inf` bucket's delta).
    pub count: u64,
    /// Sum of the observed durations in the window, milliseconds.
    pub sum_ms: f64,
    /// Why the deltas cannot be trusted (a counter reset, a failed scrape); the buckets are then
    /// empty.
    pub incomplete: Option<String>,
}

/// One finite bucket: observations at or under the bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// The upper bound (`le`), milliseconds.
    pub le_ms: f64,
    /// Cumulative count of observations at or under the bound.
    pub count: u64,
}

/// A quantile read from histogram buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantile {
    /// Interpolated inside a finite bucket, milliseconds.
    At(f64),
    /// Beyond the last finite bound (milliseconds): the `+Inf` bucket holds it, so only a lower
    /// bound is known.
    Above(f64),
}

impl Quantile {
    /// The value in milliseconds; for [`Quantile::Above`], the bound it exceeds.
    pub fn ms(self) -> f64 {
        match self {
            Quantile::At(ms) | Quantile::Above(ms) => ms,
        }
    }
}

impl std::fmt::Display for Quantile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Quantile::At(ms) => write!(f, "{ms:.1} ms"),
            Quantile::Above(ms) => write!(f, "> {ms:.1} ms (last finite bucket)"),
        }
    }
}

impl QueryHistogram {
    /// The window of one endpoint's phase, if its deltas can be trusted.
    pub fn complete_window(&self, endpoint: &str, phase: crate::evidence::Phase) -> Option<&HistogramWindow> {
        self.windows.iter().find(|w| w.endpoint == endpoint && w.phase == phase && w.incomplete.is_none())
    }
}

impl HistogramWindow {
    /// The `q` quantile (0..1) of the window's observations; `None` without observations or
    /// without a finite bucket.
    pub fn quantile(&self, q: f64) -> Option<Quantile> {
        quantile(&self.buckets, self.count, q)
    }
}

/// The `q` quantile of cumulative `buckets` holding `count` observations in all (the `+Inf`
/// bucket), as PromQL's `histogram_quantile` computes it: the bucket holding the rank `q ×
/// count`, and linear interpolation between its lower and upper bounds (the first bucket starts
/// at 0). A rank in the `+Inf` bucket gives [`Quantile::Above`] the last finite bound. Counts
/// that decrease with the bound are raised to keep them monotonic, as PromQL does.
pub fn quantile(buckets: &[Bucket], count: u64, q: f64) -> Option<Quantile> {
    let last = buckets.last()?;
    let mut cumulative = Vec::with_capacity(buckets.len());
    let mut running = 0u64;
    for b in buckets {
        running = running.max(b.count);
        cumulative.push(running);
    }
    let total = count.max(running);
    if total == 0 {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * total as f64;
    let Some(i) = cumulative.iter().position(|&c| c as f64 >= rank) else {
        return Some(Quantile::Above(last.le_ms));
    };
    let upper = buckets[i].le_ms;
    let (lower, below) = match i {
        0 if upper <= 0.0 => return Some(Quantile::At(upper)),
        0 => (0.0, 0),
        _ => (buckets[i - 1].le_ms, cumulative[i - 1]),
    };
    let inside = cumulative[i] - below;
    if inside == 0 {
        return Some(Quantile::At(upper));
    }
    Some(Quantile::At(lower + (upper - lower) * (rank - below as f64) / inside as f64))
}

/// Windows summed per bound into one set of buckets and its count, when they share their
/// bounds (windows of one family always do, unless its buckets changed).
pub fn pool(windows: &[&HistogramWindow]) -> Option<(Vec<Bucket>, u64)> {
    let (first, rest) = windows.split_first()?;
    let mut buckets = first.buckets.clone();
    let mut count = first.count;
    for w in rest {
        if w.buckets.len() != buckets.len() || w.buckets.iter().zip(&buckets).any(|(a, b)| a.le_ms != b.le_ms) {
            return None;
        }
        buckets.iter_mut().zip(&w.buckets).for_each(|(b, a)| b.count += a.count);
        count += w.count;
    }
    Some((buckets, count))
}

/// Label names that carry a request's method.
pub const METHOD_LABELS: [&str; 3] = ["method", "http_method", "verb"];
/// Label names that carry a request's route.
pub const ROUTE_LABELS: [&str; 6] = ["route", "path", "handler", "endpoint", "uri", "http_route"];
/// Label names that carry a response's status.
pub const STATUS_LABELS: [&str; 5] = ["status", "code", "status_code", "http_status", "response_code"];
/// Words in a name that make it a count of something other than requests.
const NOT_A_REQUEST_COUNT: [&str; 15] = [
    "duration",
    "latency",
    "seconds",
    "bytes",
    "size",
    "flight",
    "inflight",
    "per",
    "query",
    "queries",
    "statement",
    "statements",
    "sql",
    "db",
    "cache",
];

/// A metric name's `_`-separated words, lower-cased.
pub fn name_words(name: &str) -> Vec<String> {
    name.to_ascii_lowercase().split('_').map(str::to_string).collect()
}

/// Whether a sample or family name speaks of requests (`request` or `requests` among its words;
/// a histogram's `_bucket` samples excepted).
pub fn mentions_requests(name: &str) -> bool {
    !name.ends_with("_bucket") && name_words(name).iter().any(|w| w == "request" || w == "requests")
}

/// Whether a family counts requests rather than their time or size: a counter (or an untyped
/// family ending in `_total`) that speaks of requests and of nothing else. The collector picks
/// the request counter with it and 5.2 judges the same family.
pub fn is_request_counter(name: &str, kind: &str) -> bool {
    let counter = kind == "counter" || (kind == "untyped" && name.ends_with("_total"));
    counter && mentions_requests(name) && !name_words(name).iter().any(|w| NOT_A_REQUEST_COUNT.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(pairs: &[(f64, u64)]) -> Vec<Bucket> {
        pairs.iter().map(|&(le_ms, count)| Bucket { le_ms, count }).collect()
    }

    #[test]
    fn interpolates_inside_the_bucket_like_promql() {
        // 100 observations: 50 under 10 ms, 40 more under 50 ms, 10 more under 100 ms.
        let b = buckets(&[(10.0, 50), (50.0, 90), (100.0, 100)]);
        assert_eq!(quantile(&b, 100, 0.5), Some(Quantile::At(10.0)));
        assert_eq!(quantile(&b, 100, 0.25), Some(Quantile::At(5.0)));
        assert_eq!(quantile(&b, 100, 0.99), Some(Quantile::At(95.0)));
    }

    #[test]
    fn a_rank_in_the_inf_bucket_is_only_a_lower_bound() {
        let b = buckets(&[(10.0, 90), (50.0, 95)]);
        assert_eq!(quantile(&b, 100, 0.99), Some(Quantile::Above(50.0)));
        assert_eq!(quantile(&b, 100, 0.99).map(|q| q.to_string()).as_deref(), Some("> 50.0 ms (last finite bucket)"));
    }

    #[test]
    fn no_observations_or_no_bucket_give_nothing() {
        assert_eq!(quantile(&buckets(&[(10.0, 0)]), 0, 0.99), None);
        assert_eq!(quantile(&[], 5, 0.99), None);
    }

    #[test]
    fn windows_pool_per_bound_only_when_their_bounds_match() {
        let window = |b: &[(f64, u64)], count| HistogramWindow {
            endpoint: "GET /a".into(),
            phase: crate::evidence::Phase::Normal,
            buckets: buckets(b),
            count,
            sum_ms: 0.0,
            incomplete: None,
        };
        let (a, b) = (window(&[(10.0, 5), (50.0, 9)], 10), window(&[(10.0, 1), (50.0, 2)], 2));
        assert_eq!(pool(&[&a, &b]), Some((buckets(&[(10.0, 6), (50.0, 11)]), 12)));
        assert_eq!(pool(&[&a, &window(&[(20.0, 1), (50.0, 2)], 2)]), None);
        assert_eq!(pool(&[]), None);
    }

    #[test]
    fn decreasing_counts_are_made_monotonic() {
        let b = buckets(&[(10.0, 60), (50.0, 40), (100.0, 100)]);
        assert_eq!(quantile(&b, 100, 0.5), Some(Quantile::At(50.0 / 6.0)));
    }
}

crate::evidence::load::windowed!(RequestWindow, HistogramWindow);
