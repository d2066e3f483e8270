//! A load phase: its specification and the one loop that runs it, whatever the model.

use crate::recorder::Recorder;
use crate::report::{Interval, PhaseFacts, PhaseReport, StopReason};
use crate::target::Target;
use crate::template::RequestTemplate;
use crate::workers::{self, Shared};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How requests arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// N connections, each sending its next request as soon as the previous answer arrives.
    Closed {
        /// Concurrent connections.
        connections: usize,
    },
    /// A constant arrival rate; latency is measured from each request's intended send time.
    Open {
        /// Requests per second.
        rate: f64,
        /// At most this many connections are opened to keep the schedule.
        max_connections: usize,
    },
}

/// Bounds that stop a phase before it harms the target or runs forever.
#[derive(Debug, Clone, PartialEq)]
pub struct AbortRules {
    /// Abort when more than this share of requests in the window fail (5xx or no response).
    pub error_ratio: f64,
    /// The window the error ratio is measured over.
    pub window: Duration,
    /// The error bound applies only with at least this many requests in the window.
    pub min_requests: u64,
    /// Abort when the median latency of the window exceeds this (latency runaway).
    pub max_latency: Duration,
    /// Abort when this many scheduled requests wait for a connection (open model).
    pub max_backlog: u64,
    /// No phase runs longer than this, whatever its stop condition.
    pub hard_limit: Duration,
    /// Stop when this many first outcomes (warm-up included) are all non-success (no 2xx):
    /// a 401 storm, redirects or a dead port is not a latency measurement. 0 disables it.
    pub first_failures: u64,
}

impl Default for AbortRules {
    fn default() -> Self {
        AbortRules {
            error_ratio: 0.5,
            window: Duration::from_secs(10),
            min_requests: 20,
            max_latency: Duration::from_secs(30),
            max_backlog: 10_000,
            hard_limit: Duration::from_secs(15 * 60),
            first_failures: 20,
        }
    }
}

/// One phase.
#[derive(Debug, Clone)]
pub struct PhaseSpec {
    /// Name shown in progress and reports.
    pub name: String,
    /// Arrival model.
    pub model: Model,
    /// Excluded from statistics.
    pub warmup: Duration,
    /// Measured duration (after warm-up).
    pub duration: Option<Duration>,
    /// Total requests (warm-up included).
    pub requests: Option<u64>,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Safety bounds.
    pub abort: AbortRules,
    /// Keep each second's latencies (compressed) for an interval log.
    pub keep_intervals: bool,
}

/// A progress snapshot, about once a second.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Phase name.
    pub phase: String,
    /// Since the phase started.
    pub elapsed: Duration,
    /// Still warming up.
    pub warming_up: bool,
    /// Measured requests so far.
    pub completed: u64,
    /// Requests per second over the last interval.
    pub rate: f64,
    /// p99 of the measured requests so far.
    pub p99: Duration,
    /// Failures (5xx and errors) so far.
    pub errors: u64,
}

/// Receives a snapshot about once a second.
pub type ProgressFn = Arc<dyn Fn(&Snapshot) + Send + Sync>;

/// What the caller can do to a running phase: stop it, watch it.
#[derive(Clone)]
pub struct Control {
    stop: watch::Receiver<bool>,
    progress: Option<ProgressFn>,
}

impl Control {
    /// No external stop, no progress.
    pub fn none() -> Control {
        let (tx, rx) = watch::channel(false);
        // Keep the sender alive so the receiver never reports a change.
        std::mem::forget(tx);
        Control { stop: rx, progress: None }
    }
    /// Stops when the channel turns true (e.g. on Ctrl-C); reports progress to `progress`.
    pub fn new(stop: watch::Receiver<bool>, progress: Option<ProgressFn>) -> Control {
        Control { stop, progress }
    }
}

struct Window {
    slots: VecDeque<(u64, u64, u64)>,
    len: usize,
}

impl Window {
    fn push(&mut self, requests: u64, failures: u64, median_us: u64) {
        self.slots.push_back((requests, failures, median_us));
        while self.slots.len() > self.len {
            self.slots.pop_front();
        }
    }
    fn requests(&self) -> u64 {
        self.slots.iter().map(|s| s.0).sum()
    }
    fn failures(&self) -> u64 {
        self.slots.iter().map(|s| s.1).sum()
    }
    fn latest_median(&self) -> u64 {
        self.slots.back().map_or(0, |s| s.2)
    }
}

fn failures(r: &Recorder) -> u64 {
    r.error_count() + r.statuses.iter().filter(|(s, _)| **s >= 500).map(|(_, n)| n).sum::<u64>()
}

/// "401 ×18, timeout ×2": the first outcomes by kind, most frequent first.
fn first_outcomes(first: &[String]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for label in first {
        match counts.iter_mut().find(|(l, _)| *l == label.as_str()) {
            Some(c) => c.1 += 1,
            None => counts.push((label.as_str(), 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.iter().map(|(l, n)| format!("{l} ×{n}")).collect::<Vec<_>>().join(", ")
}

/// Runs one phase against the target and reports what it measured.
pub async fn run(target: &Target, template: Arc<RequestTemplate>, spec: &PhaseSpec, control: &Control) -> PhaseReport {
    let start = Instant::now();
    let shared = Arc::new(Shared::new(start, spec));
    let mut tasks = JoinSet::new();
    let (model, connections, rate) = match spec.model {
        Model::Closed { connections } => {
            for _ in 0..connections.max(1) {
                tasks.spawn(workers::closed(target.clone(), template.clone(), shared.clone()));
            }
            ("closed", connections.max(1), None)
        }
        Model::Open { rate, max_connections } => {
            tasks.spawn(workers::open(target.clone(), template.clone(), shared.clone(), rate, max_connections.max(1)));
            ("open", max_connections.max(1), Some(rate))
        }
    };

    let stall = crate::stall::StallMeter::start(shared.warmup_end.into());
    let mut intervals: Vec<Interval> = Vec::new();
    let mut spare = crate::histogram();
    let mut window = Window { slots: VecDeque::new(), len: spec.abort.window.as_secs().max(1) as usize };
    let (mut seen_completed, mut seen_failures) = (0u64, 0u64);
    let mut interval_start = shared.warmup_end;
    let mut tick = tokio::time::interval_at((start + Duration::from_secs(1)).into(), Duration::from_secs(1));
    let mut stop = control.stop.clone();
    let end = spec.duration.map(|d| shared.warmup_end + d);
    let hard_end = start + spec.abort.hard_limit;

    // The measured window ends exactly on time, not on the next progress tick.
    let deadline = tokio::time::sleep_until(end.unwrap_or(hard_end).into());
    tokio::pin!(deadline);
    let reason = loop {
        tokio::select! {
            joined = tasks.join_next() => if joined.is_none() { break StopReason::Completed },
            _ = &mut deadline => break if end.is_some() {
                StopReason::Completed
            } else {
                StopReason::Aborted(format!("phase hit its hard limit of {} s", spec.abort.hard_limit.as_secs()))
            },
            _ = tick.tick() => {
                let now = Instant::now();
                // Read the books and swap the interval histogram for an empty one, under the
                // lock but without allocating.
                let (completed, failed, median, p99, total, hopeless) = {
                    let mut books = shared.books.lock().unwrap_or_else(|p| p.into_inner());
                    let b = &mut *books;
                    std::mem::swap(&mut b.interval, &mut spare);
                    let hopeless = (spec.abort.first_failures > 0
                        && !b.any_success
                        && b.first.len() as u64 >= spec.abort.first_failures)
                        .then(|| first_outcomes(&b.first));
                    (
                        b.measured.completed() + b.warm_completed,
                        failures(&b.measured) + b.warm_failures,
                        spare.value_at_quantile(0.5),
                        b.measured.latency.value_at_quantile(0.99),
                        b.measured.completed(),
                        hopeless,
                    )
                };
                if now > shared.warmup_end {
                    if spec.keep_intervals {
                        let from = interval_start.max(shared.warmup_end);
                        intervals.push(Interval::encode(from - start, now - from, &spare));
                    }
                    interval_start = now;
                }
                let rate_now = spare.len() as f64;
                spare.reset();
                window.push(completed - seen_completed, failed - seen_failures, median);
                seen_completed = completed;
                seen_failures = failed;
                if let Some(progress) = &control.progress {
                    progress(&Snapshot {
                        phase: spec.name.clone(),
                        elapsed: now - start,
                        warming_up: now < shared.warmup_end,
                        completed: total,
                        rate: rate_now,
                        p99: Duration::from_micros(p99),
                        errors: failed,
                    });
                }
                if let Some(outcomes) = hopeless {
                    break StopReason::Aborted(format!(
                        "the first {} answers were all non-success ({outcomes}): not a latency measurement",
                        spec.abort.first_failures
                    ));
                }
                let (req, fail) = (window.requests(), window.failures());
                if req >= spec.abort.min_requests && fail as f64 > spec.abort.error_ratio * req as f64 {
                    break StopReason::Aborted(format!(
                        "{fail} of {req} requests failed in the last {} s (bound: more than {:.0} %)",
                        window.slots.len(), spec.abort.error_ratio * 100.0
                    ));
                }
                if Duration::from_micros(window.latest_median()) > spec.abort.max_latency {
                    break StopReason::Aborted(format!(
                        "latency ran away: median {:.1} s over the bound of {} s",
                        window.latest_median() as f64 / 1e6, spec.abort.max_latency.as_secs()
                    ));
                }
                let backlog = shared.backlog();
                if backlog > spec.abort.max_backlog {
                    break StopReason::Aborted(format!(
                        "cannot keep the schedule: {backlog} requests wait for a connection (bound {})", spec.abort.max_backlog
                    ));
                }
                if end.is_some_and(|e| now >= e) {
                    break StopReason::Completed;
                }
                if now >= hard_end {
                    break StopReason::Aborted(format!("phase hit its hard limit of {} s", spec.abort.hard_limit.as_secs()));
                }
            },
            _ = stop.changed() => break StopReason::Interrupted,
        }
    };
    let stopped_at = Instant::now();
    let stall = stall.finish();
    shared.stop.store(true, Ordering::SeqCst);
    // In-flight requests get their timeout to finish; then the workers are cancelled.
    let grace = tokio::time::sleep(spec.request_timeout + Duration::from_millis(500));
    tokio::pin!(grace);
    loop {
        tokio::select! {
            joined = tasks.join_next() => if joined.is_none() { break },
            _ = &mut grace => { tasks.abort_all(); break }
        }
    }
    let books = shared.books.lock().unwrap_or_else(|p| p.into_inner());
    if spec.keep_intervals && !books.interval.is_empty() && stopped_at > shared.warmup_end {
        let from = interval_start.max(shared.warmup_end);
        intervals.push(Interval::encode(from - start, stopped_at.saturating_duration_since(from), &books.interval));
    }
    let measured = stopped_at.saturating_duration_since(shared.warmup_end).max(Duration::from_millis(1));
    PhaseReport::build(
        PhaseFacts {
            name: spec.name.clone(),
            model,
            connections,
            target_rate: rate,
            measured,
            warmup: spec.warmup,
            http2: shared.http2.load(Ordering::Relaxed),
            stop: reason,
            intervals,
            stall,
        },
        &books.measured,
    )
}
