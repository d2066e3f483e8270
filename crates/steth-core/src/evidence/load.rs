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
    pub kind: EndpointKind,
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
    /// How late the load generator's own timer woke, at its p99, during the phase: what an
    /// overloaded host adds to the corrected latencies (none when not measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_stall_p99_ms: Option<f64>,
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
