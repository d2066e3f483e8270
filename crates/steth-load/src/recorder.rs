//! What a phase records: one set of histograms and counters shared by its workers.

use crate::histogram;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a request got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The connection could not be opened (refused, unreachable, TLS).
    Connect,
    /// No complete response within the request timeout.
    Timeout,
    /// The server closed or reset the connection mid-request.
    Reset,
    /// The response was not valid HTTP.
    Protocol,
}

impl ErrorKind {
    /// The class's name in reports.
    pub fn word(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Reset => "reset",
            ErrorKind::Protocol => "protocol",
        }
    }

    /// Classifies a hyper error.
    pub(crate) fn of(e: &hyper::Error) -> ErrorKind {
        if e.is_parse() || e.is_parse_status() {
            return ErrorKind::Protocol;
        }
        if e.is_incomplete_message() || e.is_closed() || e.is_canceled() || e.is_body_write_aborted() {
            return ErrorKind::Reset;
        }
        if e.is_timeout() {
            return ErrorKind::Timeout;
        }
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                return match io.kind() {
                    std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
                    std::io::ErrorKind::ConnectionRefused => ErrorKind::Connect,
                    _ => ErrorKind::Reset,
                };
            }
            source = s.source();
        }
        ErrorKind::Protocol
    }
}

/// Measurements of a set of requests.
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    /// Response latency in µs (from the intended send time in the open model).
    pub(crate) latency: Histogram<u64>,
    /// Time to the response head, from the actual send, in µs.
    pub(crate) ttfb: Histogram<u64>,
    /// Response head to the end of the body, in µs.
    pub(crate) transfer: Histogram<u64>,
    /// TCP connect times, in µs.
    pub(crate) connect: Histogram<u64>,
    /// TLS handshake times, in µs.
    pub(crate) tls: Histogram<u64>,
    pub(crate) statuses: BTreeMap<u16, u64>,
    pub(crate) errors: BTreeMap<ErrorKind, u64>,
    /// Responses received (the latency histogram also holds the censored timeouts).
    pub(crate) answered: u64,
    /// Timeouts recorded in the latency histogram at their censored latency.
    pub(crate) censored: u64,
    /// The first redirect target seen, to name where a redirecting service sends its clients.
    pub(crate) redirect: Option<String>,
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
    pub(crate) connections: u64,
    pub(crate) server_timing: BTreeMap<String, (f64, u64)>,
    /// Requests started later than intended by more than the schedule tolerance.
    pub(crate) max_lag: Duration,
}

impl Ord for ErrorKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

impl PartialOrd for ErrorKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

fn us(d: Duration) -> u64 {
    (d.as_micros() as u64).max(1)
}

impl Recorder {
    pub(crate) fn new() -> Recorder {
        Recorder {
            latency: histogram(),
            ttfb: histogram(),
            transfer: histogram(),
            connect: histogram(),
            tls: histogram(),
            statuses: BTreeMap::new(),
            errors: BTreeMap::new(),
            answered: 0,
            censored: 0,
            redirect: None,
            bytes_in: 0,
            bytes_out: 0,
            connections: 0,
            server_timing: BTreeMap::new(),
            max_lag: Duration::ZERO,
        }
    }

    /// Requests answered or failed.
    pub(crate) fn completed(&self) -> u64 {
        self.answered + self.error_count()
    }

    /// Responses with a 2xx status.
    pub(crate) fn successes(&self) -> u64 {
        self.statuses.range(200..300).map(|(_, n)| n).sum()
    }

    pub(crate) fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    pub(crate) fn record_response(&mut self, status: u16, latency: Duration, ttfb: Duration, transfer: Duration) {
        self.latency.saturating_record(us(latency));
        self.ttfb.saturating_record(us(ttfb));
        self.transfer.saturating_record(us(transfer));
        *self.statuses.entry(status).or_default() += 1;
        self.answered += 1;
    }

    pub(crate) fn record_error(&mut self, kind: ErrorKind) {
        *self.errors.entry(kind).or_default() += 1;
    }

    /// A request without a complete answer in time: its latency is not unknown but at least
    /// the time it was given (censored), so it enters the latency histogram at that value and
    /// a server that never answers cannot look fast.
    pub(crate) fn record_timeout(&mut self, censored_latency: Duration) {
        self.record_error(ErrorKind::Timeout);
        self.latency.saturating_record(us(censored_latency));
        self.censored += 1;
    }

    pub(crate) fn record_connection(&mut self, connect: Duration, tls: Option<Duration>) {
        self.connections += 1;
        self.connect.saturating_record(us(connect));
        if let Some(t) = tls {
            self.tls.saturating_record(us(t));
        }
    }

    pub(crate) fn record_server_timing(&mut self, header: &str) {
        for metric in crate::server_timing::parse(header) {
            if let Some(d) = metric.dur_ms {
                let e = self.server_timing.entry(metric.name).or_default();
                e.0 += d;
                e.1 += 1;
            }
        }
    }
}
