//! Evidence from the load engine: per hot endpoint, its phases (baseline, normal, stress,
//! soak) with latency percentiles, statuses, errors, rates and the timing breakdown.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The load phases of an audit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadEvidence {
    /// The settings and safety bounds the phases ran with, as printed in the report.
    pub settings: LoadSettings,
    /// Each hot endpoint in config order.
    pub endpoints: Vec<EndpointLoad>,
    /// Endpoints that change data and were not loaded, because the config does not allow it
    /// (`[load] writes`, or `writes` on the endpoint).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_writes: Vec<String>,
    /// Every write the load phases made: endpoint, requests sent, answers by status class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<WritesMade>,
}

/// The writes the load phases sent to one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WritesMade {
    /// The endpoint's name.
    pub endpoint: String,
    /// Requests measured (warm-up excluded).
    pub requests: u64,
    /// About this many more during the phases' warm-ups (rate × warm-up).
    pub warmup_requests: u64,
    /// Answers by status class (`2xx`, `4xx`, …), in class order.
    pub statuses: Vec<(String, u64)>,
    /// What the endpoint's `cleanup` deleted, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<CleanupDone>,
}

/// The deletes of one endpoint's cleanup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CleanupDone {
    /// Created records found (a `Location`, or a value at the pointer), warm-ups included.
    pub created: u64,
    /// Deletes answered 2xx (or 404: already gone).
    pub deleted: u64,
    /// Deletes that failed, or answers without a usable location.
    pub failed: u64,
    /// Why the cleanup did not run or stopped, when it did not finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
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
    pub kind: String,
    /// The endpoint's own p99 budget, when configured.
    pub p99_budget_ms: Option<f64>,
    /// Phases in the order they ran.
    pub phases: Vec<PhaseResult>,
}

impl EndpointLoad {
    /// The phase of a kind, when it ran.
    pub fn phase(&self, kind: &str) -> Option<&PhaseResult> {
        self.phases.iter().find(|p| p.phase == kind)
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
    pub phase: String,
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
