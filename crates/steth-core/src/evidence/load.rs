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
    /// The identity it authenticates as, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Whether that identity logs in by itself (`[identities.NAME.login]`) rather than sending
    /// configured headers: it decides which config key a 401 storm points to.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identity_logs_in: bool,
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
    /// Successful (2xx) answers per second: failed requests are not throughput.
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
    /// Latency from the intended send time; a timed-out request counts at its timeout.
    pub latency: Percentiles,
    /// Timed-out requests counted in `latency` at their timeout (censored).
    #[serde(default)]
    pub censored: u64,
    /// Where the first redirect answer pointed (query removed), when the phase saw one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
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

impl PhaseResult {
    /// Requests by outcome class.
    pub fn classes(&self) -> StatusClasses {
        let class = |lo: u16| self.statuses.range(lo..lo + 100).map(|(_, n)| n).sum::<u64>();
        let timeout = self.errors.get("timeout").copied().unwrap_or(0);
        StatusClasses {
            success: class(200),
            redirect: class(300),
            client_error: class(400),
            server_error: class(500),
            timeout,
            no_answer: self.errors.values().sum::<u64>() - timeout,
        }
    }
}

/// A phase's requests by outcome class, as the endpoint table shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusClasses {
    /// 2xx answers.
    #[serde(rename = "2xx")]
    pub success: u64,
    /// 3xx answers.
    #[serde(rename = "3xx")]
    pub redirect: u64,
    /// 4xx answers.
    #[serde(rename = "4xx")]
    pub client_error: u64,
    /// 5xx answers.
    #[serde(rename = "5xx")]
    pub server_error: u64,
    /// Requests without a complete answer in time.
    pub timeout: u64,
    /// Requests without an answer for another reason: refused, reset, not HTTP.
    pub no_answer: u64,
}

impl StatusClasses {
    /// Every request.
    pub fn total(&self) -> u64 {
        self.success + self.redirect + self.client_error + self.server_error + self.timeout + self.no_answer
    }
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
