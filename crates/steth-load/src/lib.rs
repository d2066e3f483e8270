//! stethoscope's load engine, usable on its own.
//!
//! A load phase is data — an arrival [`Model`] (closed: N connections as fast as answers
//! come; open: a constant arrival rate) × a stop condition (duration and/or request count) —
//! run by one loop. In the open model latency is measured from each request's *intended* send
//! time, so a stalled server shows up in the percentiles (coordinated omission corrected).
//! Per phase it records HDR histograms (1 µs to 60 s, 3 significant digits) of latency, time
//! to first byte and transfer, status codes, error classes, bytes and the achieved rate, and
//! aborts itself when the target's error rate or latency runs away.
#![deny(missing_docs)]

pub mod body;
mod connection;
pub mod hdrlog;
mod phase;
mod recorder;
mod report;
pub mod server_timing;
mod stall;
mod target;
mod template;
mod workers;

pub use phase::{AbortRules, Control, Model, PhaseSpec, ProgressFn, Snapshot, run};
pub use recorder::ErrorKind;
pub use report::{ErrorCounts, Interval, LatencySummary, PhaseReport, StopReason, TimingPhase};
pub use target::{Target, TargetError};
pub use template::{Capture, MAX_CAPTURED, RequestTemplate, TemplateError, Values};

pub use hdrhistogram::Histogram;

/// Latencies are recorded in microseconds between these bounds, 3 significant digits.
pub const HISTOGRAM_LOW_US: u64 = 1;
/// The highest latency recorded exactly (60 s); longer ones saturate.
pub const HISTOGRAM_HIGH_US: u64 = 60_000_000;
/// Significant digits of every histogram.
pub const HISTOGRAM_SIGFIG: u8 = 3;

/// A new histogram with the engine's bounds.
pub fn histogram() -> hdrhistogram::Histogram<u64> {
    hdrhistogram::Histogram::new_with_bounds(HISTOGRAM_LOW_US, HISTOGRAM_HIGH_US, HISTOGRAM_SIGFIG)
        .expect("the bounds are valid constants")
}
