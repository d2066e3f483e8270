//! The verdict on one item: its status, what was measured, against which threshold, and why.

use serde::{Deserialize, Serialize};

/// The seven verdicts an item can get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Measured and meets the threshold (1 point).
    Pass,
    /// Measured and violates the threshold (0 points, an action item).
    Fail,
    /// Partial or indirect evidence, or within 10 % of the threshold (0 points).
    Warn,
    /// The evidence could not be gathered; the reason is given (0 points).
    NotAssessed,
    /// The evidence source failed (0 points).
    Error,
    /// A human vouched for it in the config (1 point, shown distinctly).
    Attested,
    /// Does not apply; removed from the denominator.
    Na,
}

impl Status {
    /// The symbol printed in human reports.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Warn => "⚠",
            Status::NotAssessed => "·",
            Status::Error => "!",
            Status::Attested => "A",
            Status::Na => "–",
        }
    }

    /// The word printed in human reports and used in JSON.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::NotAssessed => "not assessed",
            Status::Error => "error",
            Status::Attested => "attested",
            Status::Na => "n/a",
        }
    }

    /// Points this status earns.
    pub fn points(self) -> u32 {
        matches!(self, Status::Pass | Status::Attested) as u32
    }
}

/// The verdict on one item with the measurement behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The verdict.
    pub status: Status,
    /// The measured value in words and units ("p99 312 ms on GET /products"), when there is one.
    pub measured: Option<String>,
    /// A one-line summary of the evidence, or the reason nothing was measured.
    pub evidence: String,
    /// The offending (or examined) objects: endpoints, tables, headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// How far the measurement is past the threshold, as a ratio (1.0 = at the threshold); ranks action items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excess: Option<f64>,
    /// A fail for lack of any sign of a practice that may be kept where stethoscope cannot
    /// look (a scanner run by another team, a review checklist in a wiki): an attestation may
    /// replace it. Recomputed from the evidence, never saved.
    #[serde(skip)]
    pub attestable: bool,
    /// Each load-tested endpoint as this item judged it (1.1–1.3); the report's endpoint table
    /// is built from these, never judged again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<EndpointVerdict>,
}

/// One endpoint as a load item judged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointVerdict {
    /// The endpoint's display name.
    pub endpoint: String,
    /// pass, warn or fail (a phase that is not a latency measurement fails its row).
    pub status: Status,
    /// The p99 target the item held it to, in milliseconds.
    pub target_ms: f64,
    /// Why the row fails when its phase is no latency measurement ("96 % of responses were 401").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Its p99 reaches 2 s: long-running work that belongs in a queue (8.5).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub long_running: bool,
}

impl Outcome {
    fn new(status: Status, measured: Option<String>, evidence: impl Into<String>) -> Outcome {
        Outcome {
            status,
            measured,
            evidence: evidence.into(),
            findings: Vec::new(),
            excess: None,
            endpoints: Vec::new(),
            attestable: false,
        }
    }
    /// Measured and within the threshold.
    pub fn pass(measured: impl Into<String>, evidence: impl Into<String>) -> Outcome {
        Outcome::new(Status::Pass, Some(measured.into()), evidence)
    }
    /// Measured and past the threshold.
    pub fn fail(measured: impl Into<String>, evidence: impl Into<String>) -> Outcome {
        Outcome::new(Status::Fail, Some(measured.into()), evidence)
    }
    /// An improvement opportunity or partial evidence.
    pub fn warn(measured: impl Into<String>, evidence: impl Into<String>) -> Outcome {
        Outcome::new(Status::Warn, Some(measured.into()), evidence)
    }
    /// Nothing measured; the reason says why.
    pub fn not_assessed(reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::NotAssessed, None, reason)
    }
    /// The evidence source failed.
    pub fn error(reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::Error, None, reason)
    }
    /// A human vouched for the item.
    pub fn attested(note: impl Into<String>) -> Outcome {
        Outcome::new(Status::Attested, None, note)
    }
    /// The item does not apply.
    pub fn not_applicable(reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::Na, None, reason)
    }
    /// Adds the offending or examined objects.
    pub fn with_findings(mut self, findings: impl IntoIterator<Item = String>) -> Outcome {
        self.findings.extend(findings);
        self
    }
    /// Marks a fail as the absence of any sign of a practice, which an attestation may replace.
    pub fn attestable(mut self) -> Outcome {
        self.attestable = true;
        self
    }
    /// Adds the per-endpoint verdicts behind the item's verdict.
    pub fn with_endpoints(mut self, endpoints: Vec<EndpointVerdict>) -> Outcome {
        self.endpoints = endpoints;
        self
    }
    /// Records how far past the threshold the measurement is (ratio, 1.0 = at the threshold).
    pub fn with_excess(mut self, excess: f64) -> Outcome {
        self.excess = excess.is_finite().then_some(excess);
        self
    }
}
