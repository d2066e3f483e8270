//! The `[load]` table: how the load phases of an audit run, and their safety bounds.

use super::error::Locator;
use crate::threshold::parse_duration;
use serde::Deserialize;
use std::time::Duration;
use toml::Spanned;

/// `[load]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLoad {
    enabled: Option<bool>,
    writes: Option<bool>,
    rate: Option<Spanned<f64>>,
    duration: Option<Spanned<String>>,
    warmup: Option<Spanned<String>>,
    baseline_rate: Option<Spanned<f64>>,
    baseline_duration: Option<Spanned<String>>,
    stress: Option<Spanned<f64>>,
    soak: Option<Spanned<String>>,
    max_connections: Option<Spanned<i64>>,
    timeout: Option<Spanned<String>>,
    abort_error_ratio: Option<Spanned<f64>>,
    abort_window: Option<Spanned<String>>,
    abort_min_requests: Option<Spanned<i64>>,
    abort_latency: Option<Spanned<String>>,
    phase_limit: Option<Spanned<String>>,
}

/// How the load phases run.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadPlan {
    /// Whether the audit runs load phases at all.
    pub enabled: bool,
    /// Whether endpoints that change data (POST, PUT, PATCH, DELETE) get load phases: off by
    /// default, since each phase creates about rate × duration records.
    pub writes: bool,
    /// Normal-load arrival rate per endpoint, requests per second (open model).
    pub rate: f64,
    /// Measured duration of the normal phase.
    pub duration: Duration,
    /// Warm-up before each phase, excluded from statistics.
    pub warmup: Duration,
    /// Baseline arrival rate.
    pub baseline_rate: f64,
    /// Baseline duration.
    pub baseline_duration: Duration,
    /// Stress phase at this multiple of the normal rate, when set.
    pub stress: Option<f64>,
    /// Soak phase of this duration at the normal rate, when set.
    pub soak: Option<Duration>,
    /// Connections the open model may open per phase.
    pub max_connections: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Abort when more than this share of requests fail in the window.
    pub abort_error_ratio: f64,
    /// The error-ratio window.
    pub abort_window: Duration,
    /// The error bound needs at least this many requests in the window.
    pub abort_min_requests: u64,
    /// Abort when the window's median latency exceeds this.
    pub abort_latency: Duration,
    /// No phase runs longer than this.
    pub phase_limit: Duration,
}

impl Default for LoadPlan {
    fn default() -> Self {
        LoadPlan {
            enabled: true,
            writes: false,
            rate: 20.0,
            duration: Duration::from_secs(10),
            warmup: Duration::from_secs(1),
            baseline_rate: 2.0,
            baseline_duration: Duration::from_secs(3),
            stress: None,
            soak: None,
            max_connections: 256,
            timeout: Duration::from_secs(10),
            abort_error_ratio: 0.5,
            abort_window: Duration::from_secs(10),
            abort_min_requests: 20,
            abort_latency: Duration::from_secs(30),
            phase_limit: Duration::from_secs(15 * 60),
        }
    }
}

impl LoadPlan {
    /// Whether an endpoint gets load phases: reads always, writes only when allowed (the
    /// endpoint's own `writes`, else `[load] writes`).
    pub fn loads(&self, endpoint: &super::Endpoint) -> bool {
        !endpoint.changes_data() || endpoint.writes.unwrap_or(self.writes)
    }

    /// The abort bounds in words, as the report prints them.
    pub fn bounds(&self) -> String {
        format!(
            "abort when more than {:.0} % of at least {} requests fail within {} s, when the median latency exceeds {} s, or after {} s per phase",
            self.abort_error_ratio * 100.0,
            self.abort_min_requests,
            self.abort_window.as_secs(),
            self.abort_latency.as_secs(),
            self.phase_limit.as_secs()
        )
    }
}

fn positive(at: &Locator<'_>, v: &Spanned<f64>, key: &str, max: f64) -> Result<f64, super::ConfigError> {
    let x = *v.get_ref();
    if x.is_finite() && x > 0.0 && x <= max {
        Ok(x)
    } else {
        Err(at.error(Some(v.span()), Some(format!("load.{key}")), format!("must be above 0 and at most {max}")))
    }
}

fn duration(
    at: &Locator<'_>,
    v: &Option<Spanned<String>>,
    key: &str,
    default: Duration,
) -> Result<Duration, super::ConfigError> {
    match v {
        None => Ok(default),
        Some(v) => parse_duration(v.get_ref()).ok_or_else(|| {
            at.error(
                Some(v.span()),
                Some(format!("load.{key}")),
                format!("`{}` is not a duration such as `10s`", v.get_ref()),
            )
        }),
    }
}

fn count(at: &Locator<'_>, v: &Spanned<i64>, key: &str) -> Result<u64, super::ConfigError> {
    u64::try_from(*v.get_ref())
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| at.error(Some(v.span()), Some(format!("load.{key}")), "must be a whole number above 0"))
}

/// Validates `[load]`.
pub(crate) fn plan(at: &Locator<'_>, raw: Option<&RawLoad>) -> Result<LoadPlan, super::ConfigError> {
    let d = LoadPlan::default();
    let Some(r) = raw else { return Ok(d) };
    Ok(LoadPlan {
        enabled: r.enabled.unwrap_or(true),
        writes: r.writes.unwrap_or(false),
        rate: r.rate.as_ref().map(|v| positive(at, v, "rate", 1e6)).transpose()?.unwrap_or(d.rate),
        duration: duration(at, &r.duration, "duration", d.duration)?,
        warmup: duration(at, &r.warmup, "warmup", d.warmup)?,
        baseline_rate: r
            .baseline_rate
            .as_ref()
            .map(|v| positive(at, v, "baseline_rate", 1e6))
            .transpose()?
            .unwrap_or(d.baseline_rate),
        baseline_duration: duration(at, &r.baseline_duration, "baseline_duration", d.baseline_duration)?,
        stress: r.stress.as_ref().map(|v| positive(at, v, "stress", 10.0)).transpose()?,
        soak: r.soak.as_ref().map(|_| duration(at, &r.soak, "soak", Duration::ZERO)).transpose()?,
        max_connections: r
            .max_connections
            .as_ref()
            .map(|v| count(at, v, "max_connections"))
            .transpose()?
            .map_or(d.max_connections, |n| n as usize),
        timeout: duration(at, &r.timeout, "timeout", d.timeout)?,
        abort_error_ratio: r
            .abort_error_ratio
            .as_ref()
            .map(|v| positive(at, v, "abort_error_ratio", 1.0))
            .transpose()?
            .unwrap_or(d.abort_error_ratio),
        abort_window: duration(at, &r.abort_window, "abort_window", d.abort_window)?,
        abort_min_requests: r
            .abort_min_requests
            .as_ref()
            .map(|v| count(at, v, "abort_min_requests"))
            .transpose()?
            .unwrap_or(d.abort_min_requests),
        abort_latency: duration(at, &r.abort_latency, "abort_latency", d.abort_latency)?,
        phase_limit: duration(at, &r.phase_limit, "phase_limit", d.phase_limit)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<crate::config::Plan, crate::config::ConfigError> {
        crate::config::parse("stethoscope.toml", text, &|_| None)
    }

    #[test]
    fn defaults_apply_without_the_table() {
        assert_eq!(parse("").unwrap().load, LoadPlan::default());
    }

    #[test]
    fn values_are_read_and_checked() {
        let plan =
            parse("[load]\nrate = 50.0\nduration = \"3s\"\nstress = 2.5\nsoak = \"1min\"\nmax_connections = 32\n")
                .unwrap();
        assert_eq!(plan.load.rate, 50.0);
        assert_eq!(plan.load.duration, Duration::from_secs(3));
        assert_eq!(plan.load.stress, Some(2.5));
        assert_eq!(plan.load.soak, Some(Duration::from_secs(60)));
        assert_eq!(plan.load.max_connections, 32);
        let e = parse("[load]\nrate = -1.0\n").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("load.rate")));
        let e = parse("[load]\nduration = \"soon\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("load.duration"));
        let e = parse("[load]\nrat = 5.0\n").unwrap_err();
        assert!(e.message.contains("unknown field"), "{e}");
        assert!(LoadPlan::default().bounds().contains("more than 50 %"));
    }
}
