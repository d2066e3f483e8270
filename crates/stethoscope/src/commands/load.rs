//! `stethoscope load URL`: the load engine on its own, with a wrk/oha-style latency report,
//! JSON, and HdrHistogram interval logs; `stethoscope merge` combines logs.

use crate::cli::{LoadArgs, MergeArgs};
use crate::exit::{Exit, Failure};
use crate::output;
use crate::progress::LoadBar;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use steth_core::threshold::parse_duration;
use steth_load::{
    AbortRules, Control, LatencySummary, Model, PhaseReport, PhaseSpec, RequestTemplate, StopReason, Target,
};

fn duration(text: &str, flag: &str) -> Result<Duration, Failure> {
    parse_duration(text)
        .ok_or_else(|| Failure::usage(format!("{flag} `{text}` is not a duration such as `10s` or `500ms`")))
}

/// Runs `stethoscope load`.
pub fn run(args: LoadArgs) -> Result<Exit, Failure> {
    let shown = steth_core::config::redact_url(&args.url);
    let url = url::Url::parse(&args.url).map_err(|e| Failure::usage(format!("`{shown}` is not a URL: {e}")))?;
    let target = Target::new(&url).map_err(Failure::usage)?;
    let mut headers = Vec::new();
    for h in &args.header {
        let (name, value) =
            h.split_once(':').ok_or_else(|| Failure::usage(format!("-H `{h}` is not `Name: value`")))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let body = match (&args.body, &args.body_file) {
        (Some(b), None) => Some(b.clone().into_bytes()),
        (None, Some(f)) => {
            Some(std::fs::read(f).map_err(|e| Failure::usage(format!("cannot read {}: {e}", f.display())))?)
        }
        (None, None) => None,
        (Some(_), Some(_)) => return Err(Failure::usage("give --body or --body-file, not both")),
    };
    let path = match url.query() {
        Some(q) => format!("?{q}"),
        None => String::new(),
    };
    let template = RequestTemplate::new(&args.method.to_ascii_uppercase(), &path, vec![], &headers, body)
        .map_err(Failure::usage)?;
    let model = match args.rate {
        Some(rate) if rate > 0.0 => Model::Open { rate, max_connections: args.max_connections },
        Some(_) => return Err(Failure::usage("--rate must be above 0")),
        None => Model::Closed { connections: args.connections.max(1) },
    };
    let measured = match (&args.duration, args.requests) {
        (None, None) => Some(Duration::from_secs(10)),
        (Some(d), _) => Some(duration(d, "--duration")?),
        (None, Some(_)) => None,
    };
    let spec = PhaseSpec {
        name: format!("{} {shown}", args.method.to_ascii_uppercase()),
        model,
        warmup: duration(&args.warmup, "--warmup")?,
        duration: measured,
        requests: args.requests,
        request_timeout: duration(&args.timeout, "--timeout")?,
        abort: AbortRules::default(),
        keep_intervals: args.hdr_log.is_some(),
    };
    let format = args.format.as_str();
    if !matches!(format, "terminal" | "json") {
        return Err(Failure::usage(format!("unknown format `{format}`; expected terminal or json")));
    }
    let started = SystemTime::now();
    let runtime = super::runtime()?;
    let report = runtime.block_on(async {
        let stop_rx = crate::interrupt::listen(args.quiet);
        let bar = LoadBar::new(args.quiet);
        let progress = bar.callback();
        let report = steth_load::run(&target, Arc::new(template), &spec, &Control::new(stop_rx, progress)).await;
        bar.finish();
        report
    });
    if let Some(log) = &args.hdr_log {
        output::emit(Some(log), |w| steth_load::hdrlog::write(w, started, &report.intervals, None))?;
        if !args.quiet {
            eprintln!("interval log written to {}", log.display());
        }
    }
    output::emit(None, |w| match format {
        "json" => {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            writeln!(w)
        }
        _ => render(&report, w),
    })?;
    if report.requests > 0 && report.successes == 0 {
        if !args.quiet {
            eprintln!("error: none of the {} requests got a successful (2xx) answer", report.requests);
        }
        return Ok(Exit::CouldNotRun);
    }
    Ok(match report.stop {
        _ if crate::interrupt::happened() => Exit::Interrupted,
        StopReason::Aborted(_) => Exit::CouldNotRun,
        _ => Exit::Done,
    })
}

use steth_core::threshold::format_ms_fine as ms;

fn percentiles(w: &mut dyn Write, l: &LatencySummary) -> std::io::Result<()> {
    writeln!(w, "Latency percentiles:")?;
    for (name, v) in [
        ("50%", l.p50_ms),
        ("75%", l.p75_ms),
        ("90%", l.p90_ms),
        ("95%", l.p95_ms),
        ("99%", l.p99_ms),
        ("99.9%", l.p999_ms),
        ("max", l.max_ms),
    ] {
        writeln!(w, "  {name:>6}  {}", ms(v))?;
    }
    writeln!(w, "  mean {} ± {} (stdev), min {}", ms(l.mean_ms), ms(l.stdev_ms), ms(l.min_ms))
}

fn histogram(w: &mut dyn Write, h: &steth_load::Histogram<u64>) -> std::io::Result<()> {
    if h.is_empty() {
        return Ok(());
    }
    let (lo, hi) = (h.min().max(1) as f64, h.max().max(2) as f64);
    let buckets = 10;
    let step = (hi / lo).powf(1.0 / buckets as f64);
    let mut edges: Vec<u64> = (0..=buckets).map(|i| (lo * step.powi(i)).round() as u64).collect();
    edges.dedup();
    let counts: Vec<u64> = edges
        .windows(2)
        .enumerate()
        .map(|(i, e)| h.count_between(if i == 0 { e[0] } else { e[0] + 1 }, e[1]))
        .collect();
    let widest = counts.iter().copied().max().unwrap_or(1).max(1);
    writeln!(w, "Latency histogram:")?;
    for (edge, count) in edges.iter().skip(1).zip(&counts) {
        let bar = "■".repeat(((*count as f64 / widest as f64) * 40.0).round() as usize);
        writeln!(w, "  ≤ {:>10} [{count:>8}] {bar}", ms(*edge as f64 / 1000.0))?;
    }
    Ok(())
}

/// Writes the standalone latency report.
fn render(r: &PhaseReport, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "{} — {} model, {}", r.name, r.model, r.http_version)?;
    match r.target_rate {
        Some(rate) => writeln!(
            w,
            "  target {rate:.1} req/s, achieved {:.1} successful answers/s{} (up to {} connections; largest schedule lag {})",
            r.achieved_rate,
            if r.behind_schedule { " — BEHIND SCHEDULE" } else { "" },
            r.connections,
            ms(r.max_schedule_lag_ms)
        )?,
        None => writeln!(w, "  {} connections, {:.1} successful answers/s", r.connections, r.achieved_rate)?,
    }
    writeln!(
        w,
        "  {} requests in {:.2} s (warm-up {:.1} s excluded), {} connections opened, {:.1} requests per connection",
        r.requests,
        r.measured_secs,
        r.warmup_secs,
        r.connections_opened,
        r.requests_per_connection()
    )?;
    writeln!(w, "  {:.2} MB in, {:.2} MB out", r.bytes_in as f64 / 1e6, r.bytes_out as f64 / 1e6)?;
    let stall = &r.generator_stall;
    if stall.count > 0 {
        // What the host added: on a busy machine the corrected latencies include it.
        let busy = if stall.p99_ms >= 10.0 { " — the host is busy: latencies near this include it" } else { "" };
        writeln!(w, "  load generator stall: p99 {}, max {}{busy}", ms(stall.p99_ms), ms(stall.max_ms))?;
    }
    if let StopReason::Aborted(why) = &r.stop {
        writeln!(w, "  ABORTED: {why}")?;
    } else if r.stop == StopReason::Interrupted {
        writeln!(w, "  interrupted: the figures cover what ran")?;
    }
    writeln!(w)?;
    if r.successes < r.requests {
        writeln!(w, "  {} of {} requests got a 2xx answer", r.successes, r.requests)?;
    }
    if r.censored > 0 {
        writeln!(w, "  {} timed-out requests are counted at their timeout (censored), not as fast", r.censored)?;
    }
    if let Some(location) = &r.redirect {
        writeln!(w, "  redirected to {location}")?;
    }
    if r.latency.count == 0 {
        writeln!(w, "No answer: there is no latency to report")?;
    } else {
        percentiles(w, &r.latency)?;
    }
    writeln!(w)?;
    if let Some(h) = &r.histogram {
        histogram(w, h)?;
        writeln!(w)?;
    }
    writeln!(w, "Status codes:")?;
    for (status, n) in &r.statuses {
        writeln!(w, "  [{status}] {n}")?;
    }
    let e = &r.errors;
    if e.total() > 0 {
        writeln!(
            w,
            "Errors: {} connect, {} timeout, {} reset, {} protocol",
            e.connect, e.timeout, e.reset, e.protocol
        )?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "Breakdown (mean): connect {}, TLS {}, first byte {}, transfer {}",
        ms(r.connect.mean_ms),
        if r.tls.count > 0 { ms(r.tls.mean_ms) } else { "–".into() },
        ms(r.ttfb.mean_ms),
        ms(r.transfer.mean_ms)
    )?;
    if !r.server_timing.is_empty() {
        let phases: Vec<String> = r.server_timing.iter().map(|t| format!("{} {}", t.name, ms(t.mean_ms))).collect();
        writeln!(w, "Server-Timing (mean): {}", phases.join(", "))?;
    }
    Ok(())
}

/// Runs `stethoscope merge`.
pub fn merge(args: MergeArgs) -> Result<Exit, Failure> {
    let mut all = Vec::new();
    for path in &args.logs {
        let bytes = std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
        let intervals =
            steth_load::hdrlog::read(&bytes).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
        all.extend(intervals);
    }
    let merged = steth_load::hdrlog::merge(&all);
    let summary = LatencySummary::of(&merged);
    output::emit(None, |w| match args.format.as_str() {
        "json" => {
            serde_json::to_writer_pretty(
                &mut *w,
                &serde_json::json!({"logs": args.logs.len(), "intervals": all.len(), "latency": summary}),
            )?;
            writeln!(w)
        }
        _ => {
            writeln!(w, "{} intervals from {} logs, {} requests", all.len(), args.logs.len(), merged.len())?;
            percentiles(w, &summary)?;
            histogram(w, &merged)
        }
    })?;
    Ok(Exit::Done)
}
