//! The workers: a closed-model loop per connection, and the open model's scheduler with the
//! connections it opens to keep its schedule.

use crate::connection::Connection;
use crate::phase::PhaseSpec;
use crate::recorder::{ErrorKind, Recorder};
use crate::target::Target;
use crate::template::RequestTemplate;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, mpsc};

/// What the workers record into, behind one lock: a record is a few histogram increments,
/// so two runtime threads rarely wait on each other, and memory stays flat however many
/// requests a phase sends.
pub(crate) struct Books {
    /// Everything measured after the warm-up.
    pub(crate) measured: Recorder,
    /// Measured latencies since the phase loop's last tick.
    pub(crate) interval: hdrhistogram::Histogram<u64>,
    /// Warm-up requests answered or failed, and how many failed (for the abort bounds).
    pub(crate) warm_completed: u64,
    pub(crate) warm_failures: u64,
    /// The first outcomes of the phase, warm-up included (a status code or an error class),
    /// kept until one is a success: a phase whose first answers all fail stops early.
    pub(crate) first: Vec<String>,
    /// Whether any answer so far was a success (2xx).
    pub(crate) any_success: bool,
}

impl Books {
    fn note_outcome(&mut self, label: impl FnOnce() -> String, success: bool, keep: usize) {
        if self.any_success {
            return;
        }
        if success {
            self.any_success = true;
            self.first.clear();
        } else if self.first.len() < keep {
            self.first.push(label());
        }
    }
}

/// State the phase loop and its workers share.
pub(crate) struct Shared {
    pub(crate) stop: AtomicBool,
    pub(crate) warmup_end: Instant,
    pub(crate) books: std::sync::Mutex<Books>,
    start: Instant,
    issued: AtomicU64,
    limit: Option<u64>,
    keep_first: usize,
    timeout: Duration,
    scheduled: AtomicU64,
    taken: AtomicU64,
    idle: AtomicUsize,
    pub(crate) http2: AtomicBool,
}

/// One request's outcome, recorded under the lock.
enum Sample {
    Connected {
        connect: Duration,
        tls: Option<Duration>,
    },
    Failed(ErrorKind),
    /// No complete answer within the timeout; `latency` is the censored value.
    TimedOut {
        latency: Duration,
    },
    Answered {
        status: u16,
        latency: Duration,
        ttfb: Duration,
        transfer: Duration,
        bytes_in: u64,
        bytes_out: u64,
        timing: Option<String>,
        location: Option<String>,
    },
}

impl Shared {
    pub(crate) fn new(start: Instant, spec: &PhaseSpec) -> Shared {
        Shared {
            stop: AtomicBool::new(false),
            warmup_end: start + spec.warmup,
            books: std::sync::Mutex::new(Books {
                measured: Recorder::new(),
                interval: crate::histogram(),
                warm_completed: 0,
                warm_failures: 0,
                first: Vec::new(),
                any_success: false,
            }),
            start,
            issued: AtomicU64::new(0),
            limit: spec.requests,
            keep_first: spec.abort.first_failures as usize,
            timeout: spec.request_timeout,
            scheduled: AtomicU64::new(0),
            taken: AtomicU64::new(0),
            idle: AtomicUsize::new(0),
            http2: AtomicBool::new(false),
        }
    }

    /// Scheduled requests still waiting for a connection.
    pub(crate) fn backlog(&self) -> u64 {
        self.scheduled.load(Ordering::Relaxed).saturating_sub(self.taken.load(Ordering::Relaxed))
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Records a sample of a request intended at `intended`; warm-up requests only count
    /// towards the abort bounds.
    fn record(&self, intended: Instant, lag: Duration, sample: Sample) {
        let mut books = self.books.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &sample {
            Sample::Connected { .. } => {}
            Sample::Failed(kind) => books.note_outcome(|| kind.word().to_string(), false, self.keep_first),
            Sample::TimedOut { .. } => books.note_outcome(|| "timeout".to_string(), false, self.keep_first),
            Sample::Answered { status, .. } => {
                books.note_outcome(|| status.to_string(), (200..300).contains(status), self.keep_first)
            }
        }
        if intended < self.warmup_end {
            match sample {
                Sample::Connected { .. } => {}
                Sample::Failed(_) | Sample::TimedOut { .. } => {
                    books.warm_completed += 1;
                    books.warm_failures += 1;
                }
                Sample::Answered { status, .. } => {
                    books.warm_completed += 1;
                    books.warm_failures += u64::from(status >= 500);
                }
            }
            return;
        }
        let books = &mut *books;
        books.measured.max_lag = books.measured.max_lag.max(lag);
        match sample {
            Sample::Connected { connect, tls } => books.measured.record_connection(connect, tls),
            Sample::Failed(kind) => books.measured.record_error(kind),
            Sample::TimedOut { latency } => {
                books.measured.record_timeout(latency);
                books.interval.saturating_record((latency.as_micros() as u64).max(1));
            }
            Sample::Answered { status, latency, ttfb, transfer, bytes_in, bytes_out, timing, location } => {
                books.measured.record_response(status, latency, ttfb, transfer);
                if books.measured.redirect.is_none() {
                    books.measured.redirect = location;
                }
                books.interval.saturating_record((latency.as_micros() as u64).max(1));
                books.measured.bytes_in += bytes_in;
                books.measured.bytes_out += bytes_out;
                if let Some(t) = timing {
                    books.measured.record_server_timing(&t);
                }
            }
        }
    }
}

/// Where a redirect points, without its query or fragment (they may carry a token) and
/// bounded in length.
fn redirect_target(location: &str) -> String {
    let bare = location.split(['?', '#']).next().unwrap_or_default();
    bare.chars().take(200).collect()
}

/// Sends the n-th request on the worker's connection (opening one when needed) and records
/// it; latency counts from `intended`.
async fn exchange(
    conn: &mut Option<Connection>,
    target: &Target,
    template: &RequestTemplate,
    shared: &Shared,
    n: u64,
    intended: Instant,
) {
    if conn.as_ref().is_none_or(|c| !c.is_usable()) {
        match Connection::open(target, shared.timeout).await {
            Ok(c) => {
                shared.http2.store(c.is_http2(), Ordering::Relaxed);
                shared.record(intended, Duration::ZERO, Sample::Connected { connect: c.connect, tls: c.tls });
                *conn = Some(c);
            }
            Err(e) => {
                let sample = if e.kind == ErrorKind::Timeout {
                    Sample::TimedOut { latency: intended.elapsed() }
                } else {
                    Sample::Failed(e.kind)
                };
                shared.record(intended, Duration::ZERO, sample);
                // A refused port would otherwise spin; the abort bound stops the phase soon.
                tokio::time::sleep(Duration::from_millis(5)).await;
                return;
            }
        }
    }
    let Some(c) = conn.as_mut() else { return };
    let Ok((request, bytes_out)) = template.build(n, &target.base_path, &target.authority, target.scheme, c.is_http2())
    else {
        shared.record(intended, Duration::ZERO, Sample::Failed(ErrorKind::Protocol));
        return;
    };
    let sent = Instant::now();
    let exchange = async {
        let response = c.send(request).await?;
        let head = Instant::now();
        let status = response.status().as_u16();
        let timing = response.headers().get("server-timing").and_then(|v| v.to_str().ok()).map(String::from);
        let location = (300..400)
            .contains(&status)
            .then(|| response.headers().get("location").and_then(|v| v.to_str().ok()).map(redirect_target))
            .flatten();
        let head_bytes: usize =
            response.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum::<usize>() + 17;
        let capture = template.capture().filter(|_| (200..300).contains(&status));
        if capture == Some(crate::template::Capture::Location)
            && let Some(location) = response.headers().get("location").and_then(|v| v.to_str().ok())
        {
            template.keep(location.to_string());
        }
        let mut kept = Vec::new();
        let mut body = response.into_body();
        let mut bytes = head_bytes as u64;
        while let Some(frame) = body.frame().await {
            if let Some(data) = frame?.data_ref() {
                bytes += data.len() as u64;
                if capture == Some(crate::template::Capture::Body) {
                    let room = crate::template::MAX_CAPTURED_BODY.saturating_sub(kept.len());
                    kept.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
        }
        if capture == Some(crate::template::Capture::Body) {
            template.keep(String::from_utf8_lossy(&kept).into_owned());
        }
        Ok::<_, hyper::Error>((status, head, bytes, timing, location))
    };
    let result = tokio::time::timeout_at((sent + shared.timeout).into(), exchange).await;
    let lag = sent.saturating_duration_since(intended);
    let sample = match result {
        Ok(Ok((status, head, bytes_in, timing, location))) => {
            let end = Instant::now();
            Sample::Answered {
                status,
                latency: end - intended,
                ttfb: head - sent,
                transfer: end - head,
                bytes_in,
                bytes_out,
                timing,
                location,
            }
        }
        Ok(Err(e)) => {
            *conn = None;
            Sample::Failed(ErrorKind::of(&e))
        }
        Err(_) => {
            *conn = None;
            Sample::TimedOut { latency: Instant::now() - intended }
        }
    };
    shared.record(intended, lag, sample);
}

/// Closed model: one connection sending as fast as answers come.
pub(crate) async fn closed(target: Target, template: Arc<RequestTemplate>, shared: Arc<Shared>) {
    let mut conn = None;
    while !shared.stopped() {
        let n = shared.issued.fetch_add(1, Ordering::Relaxed);
        if shared.limit.is_some_and(|l| n >= l) {
            break;
        }
        exchange(&mut conn, &target, &template, &shared, n, Instant::now()).await;
    }
}

type Queue = Arc<Mutex<mpsc::UnboundedReceiver<(u64, Instant)>>>;

/// One connection of the open model: takes the next scheduled request, sends it.
async fn open_worker(target: Target, template: Arc<RequestTemplate>, shared: Arc<Shared>, queue: Queue) {
    let mut conn = None;
    loop {
        shared.idle.fetch_add(1, Ordering::SeqCst);
        let next = queue.lock().await.recv().await;
        shared.idle.fetch_sub(1, Ordering::SeqCst);
        let Some((n, intended)) = next else { break };
        shared.taken.fetch_add(1, Ordering::Relaxed);
        if shared.stopped() {
            break;
        }
        exchange(&mut conn, &target, &template, &shared, n, intended).await;
    }
}

/// Open model: schedules requests at a constant rate and opens connections as needed.
///
/// The schedule runs on its own OS thread: its sleeps are accurate to tens of microseconds,
/// where the async timer wheel rounds every wake-up to the next millisecond — a systematic
/// error that would be added to every latency measured from the intended send time.
pub(crate) async fn open(
    target: Target,
    template: Arc<RequestTemplate>,
    shared: Arc<Shared>,
    rate: f64,
    max_connections: usize,
) {
    let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let (queue_tx, queue_rx) = mpsc::unbounded_channel::<(u64, Instant)>();
    let queue: Queue = Arc::new(Mutex::new(queue_rx));
    let runtime = tokio::runtime::Handle::current();
    let scheduler = {
        let shared = shared.clone();
        tokio::task::spawn_blocking(move || {
            let mut workers = Vec::new();
            let mut i: u64 = 0;
            'schedule: while !shared.stopped() {
                let now = Instant::now();
                loop {
                    let intended = shared.start + period.mul_f64(i as f64);
                    if intended > now {
                        break;
                    }
                    if shared.limit.is_some_and(|l| i >= l) || queue_tx.send((i, intended)).is_err() {
                        break 'schedule;
                    }
                    shared.scheduled.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                    if shared.idle.load(Ordering::SeqCst) == 0 && workers.len() < max_connections {
                        // Counted idle at once so one burst does not spawn a crowd.
                        shared.idle.fetch_add(1, Ordering::SeqCst);
                        let (t, tpl, sh, q) = (target.clone(), template.clone(), shared.clone(), queue.clone());
                        workers.push(runtime.spawn(async move {
                            sh.idle.fetch_sub(1, Ordering::SeqCst);
                            open_worker(t, tpl, sh, q).await
                        }));
                    }
                }
                let next = shared.start + period.mul_f64(i as f64);
                // Short naps so a stop is noticed within 50 ms even at very low rates.
                std::thread::sleep(next.saturating_duration_since(Instant::now()).min(Duration::from_millis(50)));
            }
            drop(queue_tx);
            workers
        })
    };
    if let Ok(workers) = scheduler.await {
        for w in workers {
            let _ = w.await;
        }
    }
}
