//! A phase's results: percentiles, statuses, errors, rates and the timing breakdown.

use crate::recorder::{ErrorKind, Recorder};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Percentiles of a histogram recorded in microseconds, reported in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Samples.
    pub count: u64,
    /// Smallest.
    pub min_ms: f64,
    /// Mean.
    pub mean_ms: f64,
    /// Standard deviation.
    pub stdev_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 75th percentile.
    pub p75_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

impl LatencySummary {
    /// Summarizes a histogram of microseconds.
    pub fn of(h: &Histogram<u64>) -> LatencySummary {
        if h.is_empty() {
            return LatencySummary::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        LatencySummary {
            count: h.len(),
            min_ms: ms(h.min()),
            mean_ms: h.mean() / 1000.0,
            stdev_ms: h.stdev() / 1000.0,
            p50_ms: ms(h.value_at_quantile(0.50)),
            p75_ms: ms(h.value_at_quantile(0.75)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p95_ms: ms(h.value_at_quantile(0.95)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

/// Errors by class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCounts {
    /// Connections that could not be opened.
    pub connect: u64,
    /// Requests without a complete response in time.
    pub timeout: u64,
    /// Connections closed or reset mid-request.
    pub reset: u64,
    /// Responses that were not valid HTTP.
    pub protocol: u64,
}

impl ErrorCounts {
    /// All errors.
    pub fn total(&self) -> u64 {
        self.connect + self.timeout + self.reset + self.protocol
    }
}

/// Why a phase ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "reason", rename_all = "snake_case")]
pub enum StopReason {
    /// It ran its duration or request count.
    Completed,
    /// A safety bound stopped it.
    Aborted(String),
    /// The user interrupted it (Ctrl-C).
    Interrupted,
}

/// The mean of one `Server-Timing` phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingPhase {
    /// Metric name.
    pub name: String,
    /// Mean duration.
    pub mean_ms: f64,
    /// Responses that carried it.
    pub count: u64,
}

/// One second (or so) of measured latencies, compressed as interval logs store them, so a
/// long run keeps only a few hundred bytes per second.
#[derive(Debug, Clone)]
pub struct Interval {
    /// Start, from the phase start.
    pub start: Duration,
    /// Length.
    pub length: Duration,
    /// The largest latency, in µs.
    pub max_us: u64,
    /// The histogram (µs), V2 deflate-serialized and base64-encoded.
    pub encoded: String,
}

impl Interval {
    /// Compresses one interval's histogram.
    pub fn encode(start: Duration, length: Duration, histogram: &Histogram<u64>) -> Interval {
        use base64::Engine as _;
        use hdrhistogram::serialization::Serializer as _;
        let mut bytes = Vec::new();
        // Serializing into memory cannot fail for a histogram with our bounds.
        let _ = hdrhistogram::serialization::V2DeflateSerializer::new().serialize(histogram, &mut bytes);
        Interval {
            start,
            length,
            max_us: histogram.max(),
            encoded: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }
}

/// Everything measured in one phase (warm-up excluded).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhaseReport {
    /// Phase name.
    pub name: String,
    /// `closed` or `open`.
    pub model: String,
    /// Connections of the closed model, or the cap of the open model.
    pub connections: usize,
    /// The target arrival rate of the open model.
    pub target_rate: Option<f64>,
    /// Successful (2xx) answers per second of the measured window: failures are not throughput.
    pub achieved_rate: f64,
    /// Requests answered or failed per second of the measured window.
    pub completed_rate: f64,
    /// Whether the open model fell behind its schedule by more than 1 %.
    pub behind_schedule: bool,
    /// The largest delay between a request's intended and actual send time.
    pub max_schedule_lag_ms: f64,
    /// Seconds measured (after warm-up).
    pub measured_secs: f64,
    /// Seconds of warm-up excluded.
    pub warmup_secs: f64,
    /// Requests answered or failed.
    pub requests: u64,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Responses with a 2xx status.
    pub successes: u64,
    /// Where the first redirect answer pointed (its `Location`), when there was one.
    pub redirect: Option<String>,
    /// Requests without a response, by class.
    pub errors: ErrorCounts,
    /// Response latency (from the intended send time in the open model); a timed-out request
    /// counts at its timeout (censored), never as fast or as missing.
    pub latency: LatencySummary,
    /// Timeouts in `latency` at their censored value.
    pub censored: u64,
    /// Time to first byte from the actual send.
    pub ttfb: LatencySummary,
    /// Time from the response head to the end of the body.
    pub transfer: LatencySummary,
    /// TCP connect times.
    pub connect: LatencySummary,
    /// TLS handshake times.
    pub tls: LatencySummary,
    /// Connections opened in the measured window.
    pub connections_opened: u64,
    /// HTTP version spoken.
    pub http_version: String,
    /// Response bytes read.
    pub bytes_in: u64,
    /// Request bytes written.
    pub bytes_out: u64,
    /// `Server-Timing` phases seen.
    pub server_timing: Vec<TimingPhase>,
    /// Why the phase ended.
    pub stop: StopReason,
    /// How late the engine's own timer woke during the measured window (jHiccup-style): what
    /// an overloaded host adds to every corrected latency. Empty in reports from before it.
    #[serde(default)]
    pub generator_stall: LatencySummary,
    /// The full latency histogram (µs), for merging and logs.
    #[serde(skip)]
    pub histogram: Option<Histogram<u64>>,
    /// Latency per interval, for HdrHistogram interval logs.
    #[serde(skip)]
    pub intervals: Vec<Interval>,
}

/// What the phase loop knows besides the recorder.
pub(crate) struct PhaseFacts {
    pub(crate) name: String,
    pub(crate) model: &'static str,
    pub(crate) connections: usize,
    pub(crate) target_rate: Option<f64>,
    pub(crate) measured: Duration,
    pub(crate) warmup: Duration,
    pub(crate) http2: bool,
    pub(crate) stop: StopReason,
    pub(crate) intervals: Vec<Interval>,
    pub(crate) stall: LatencySummary,
}

impl PhaseReport {
    pub(crate) fn build(facts: PhaseFacts, total: &Recorder) -> PhaseReport {
        let secs = facts.measured.as_secs_f64();
        let requests = total.completed();
        let per_sec = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        let completed_rate = per_sec(requests);
        let count = |k| total.errors.get(&k).copied().unwrap_or(0);
        let behind_schedule =
            facts.target_rate.is_some_and(|r| facts.stop == StopReason::Completed && completed_rate < r * 0.99);
        PhaseReport {
            name: facts.name,
            model: facts.model.into(),
            connections: facts.connections,
            target_rate: facts.target_rate,
            achieved_rate: per_sec(total.successes()),
            completed_rate,
            behind_schedule,
            max_schedule_lag_ms: total.max_lag.as_secs_f64() * 1000.0,
            measured_secs: secs,
            warmup_secs: facts.warmup.as_secs_f64(),
            requests,
            statuses: total.statuses.clone(),
            successes: total.successes(),
            redirect: total.redirect.clone(),
            errors: ErrorCounts {
                connect: count(ErrorKind::Connect),
                timeout: count(ErrorKind::Timeout),
                reset: count(ErrorKind::Reset),
                protocol: count(ErrorKind::Protocol),
            },
            latency: LatencySummary::of(&total.latency),
            censored: total.censored,
            ttfb: LatencySummary::of(&total.ttfb),
            transfer: LatencySummary::of(&total.transfer),
            connect: LatencySummary::of(&total.connect),
            tls: LatencySummary::of(&total.tls),
            connections_opened: total.connections,
            http_version: if facts.http2 { "HTTP/2".into() } else { "HTTP/1.1".into() },
            bytes_in: total.bytes_in,
            bytes_out: total.bytes_out,
            server_timing: total
                .server_timing
                .iter()
                .map(|(name, (sum, n))| TimingPhase { name: name.clone(), mean_ms: sum / *n as f64, count: *n })
                .collect(),
            stop: facts.stop,
            generator_stall: facts.stall,
            histogram: Some(total.latency.clone()),
            intervals: facts.intervals,
        }
    }

    /// Responses with a 5xx status plus requests without a response.
    pub fn failures(&self) -> u64 {
        self.statuses.iter().filter(|(s, _)| **s >= 500).map(|(_, n)| n).sum::<u64>() + self.errors.total()
    }

    /// Responses per request on one connection (keep-alive reuse).
    pub fn requests_per_connection(&self) -> f64 {
        if self.connections_opened == 0 {
            self.requests as f64
        } else {
            self.requests as f64 / self.connections_opened as f64
        }
    }
}
