//! Evidence from the load engine: per hot endpoint, its phases (baseline, normal, stress,
//! soak) with latency percentiles, statuses, errors, rates and the timing breakdown.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A load phase: the key every per-phase window carries beside its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// A low rate, to see the endpoint without contention.
    Baseline,
    /// The configured rate: what the latency items judge.
    Normal,
    /// The normal rate times the stress factor.
    Stress,
    /// The normal rate held for the soak duration.
    Soak,
}

impl Phase {
    /// Every phase, in the order an endpoint runs them.
    pub const ALL: [Phase; 4] = [Phase::Baseline, Phase::Normal, Phase::Stress, Phase::Soak];

    /// The phase a word names.
    pub fn parse(word: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.word() == word)
    }

    /// The phase's word, as serialised and printed.
    pub fn word(self) -> &'static str {
        match self {
            Phase::Baseline => "baseline",
            Phase::Normal => "normal",
            Phase::Stress => "stress",
            Phase::Soak => "soak",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.word())
    }
}

/// Whether an endpoint reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// Reads data (GET, HEAD by default).
    Read,
    /// Changes data.
    Write,
    /// Bulk work.
    Batch,
}

impl EndpointKind {
    /// The kind a config word names.
    pub fn parse(word: &str) -> Option<EndpointKind> {
        [EndpointKind::Read, EndpointKind::Write, EndpointKind::Batch].into_iter().find(|k| k.word() == word)
    }

    /// The kind's config word.
    pub fn word(self) -> &'static str {
        match self {
            EndpointKind::Read => "read",
            EndpointKind::Write => "write",
            EndpointKind::Batch => "batch",
        }
    }
}

impl std::fmt::Display for EndpointKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.word())
    }
}

/// What every per-phase window shares: the endpoint it measured and the phase. The load
/// results, PostgreSQL windows, Redis windows and the metrics windows all carry this key, so
/// checks select them the same way (`in_phase`).
pub trait Windowed {
    /// The endpoint's display name.
    fn endpoint(&self) -> &str;
    /// The phase.
    fn phase(&self) -> Phase;
}

/// The windows of one phase, in order.
pub fn in_phase<W: Windowed>(windows: &[W], phase: Phase) -> impl Iterator<Item = &W> {
    windows.iter().filter(move |w| w.phase() == phase)
}

/// Implements `Windowed` for window types whose key is their `endpoint` and `phase` fields.
macro_rules! windowed {
    ($($t:ty),*) => {$(
        impl $crate::evidence::Windowed for $t {
            fn endpoint(&self) -> &str {
                &self.endpoint
            }
            fn phase(&self) -> $crate::evidence::Phase {
                self.phase
            }
        }
    )*};
}
pub(crate) use windowed;

/// The load phases of an audit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadEvidence {
    /// The settings and safety bounds the phases ran with, as printed in the report.
    pub settings: LoadSettings,
    /// Each hot endpoint in config order.
    pub endpoints: Vec<EndpointLoad>,
}

/// How the phases were run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadSettings {
    /// Normal-load arrival rate, requests per second per endpoint.
    pub rate: f64,
    /// Measured seconds of the normal phase.
    pub duration_secs: f64,
    /// Warm-up seconds excluded.
    pub warmup_secs: f64,
    /// Baseline rate.
    pub baseline_rate: f64,
    /// Stress multiplier of the normal rate, when a stress phase ran.
    pub stress_factor: Option<f64>,
    /// Soak seconds, when a soak phase ran.
    pub soak_secs: Option<f64>,
    /// The abort bounds in words.
    pub abort_bounds: String,
}

/// One endpoint's phases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointLoad {
    /// Display name.
    pub name: String,
    /// Method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// read, write or batch.
    pub kind: EndpointKind,
    /// The endpoint's own p99 budget, when configured.
    pub p99_budget_ms: Option<f64>,
    /// Phases in the order they ran.
    pub phases: Vec<PhaseResult>,
}

impl EndpointLoad {
    /// The phase's result, when it ran.
    pub fn phase(&self, phase: Phase) -> Option<&PhaseResult> {
        self.phases.iter().find(|p| p.phase == phase)
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Median.
    pub p50_ms: f64,
    /// 75th.
    pub p75_ms: f64,
    /// 90th.
    pub p90_ms: f64,
    /// 95th.
    pub p95_ms: f64,
    /// 99th.
    pub p99_ms: f64,
    /// 99.9th.
    pub p999_ms: f64,
    /// Largest.
    pub max_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

/// One phase of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseResult {
    /// baseline, normal, stress or soak.
    pub phase: Phase,
    /// open or closed.
    pub model: String,
    /// Target arrival rate.
    pub target_rate: Option<f64>,
    /// Achieved rate.
    pub achieved_rate: f64,
    /// Whether the schedule could not be kept.
    pub behind_schedule: bool,
    /// Measured seconds.
    pub measured_secs: f64,
    /// Requests answered or failed.
    pub requests: u64,
    /// Responses with 5xx plus requests without a response.
    pub failures: u64,
    /// Responses by status.
    #[serde(with = "status_keys")]
    pub statuses: BTreeMap<u16, u64>,
    /// Requests without a response by class: connect, timeout, reset, protocol.
    pub errors: BTreeMap<String, u64>,
    /// Latency from the intended send time.
    pub latency: Percentiles,
    /// Mean TCP connect time.
    pub connect_mean_ms: f64,
    /// Mean TLS handshake time, on HTTPS.
    pub tls_mean_ms: Option<f64>,
    /// Mean time to first byte.
    pub ttfb_mean_ms: f64,
    /// Mean body transfer time.
    pub transfer_mean_ms: f64,
    /// `Server-Timing` phases: name → mean milliseconds.
    pub server_timing: BTreeMap<String, f64>,
    /// Requests per connection opened (keep-alive reuse).
    pub requests_per_connection: f64,
    /// HTTP version spoken.
    pub http_version: String,
    /// Why the phase ended, when it did not complete: "aborted: ..." or "interrupted".
    pub stopped: Option<String>,
}

/// Status codes as JSON object keys. Evidence sits inside internally tagged slots, whose
/// buffering loses serde's integer-key parsing, so the keys are parsed here.
mod status_keys {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(map: &BTreeMap<u16, u64>, s: S) -> Result<S::Ok, S::Error> {
        map.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<String, u64>>().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u16, u64>, D::Error> {
        BTreeMap::<String, u64>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| k.parse::<u16>().map(|k| (k, v)).map_err(serde::de::Error::custom))
            .collect()
    }
}
