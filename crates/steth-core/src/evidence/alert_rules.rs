//! Evidence from the service's alerting rules (5.5, 5.6): each alert's conditions as PromQL
//! gives them, recording rules resolved, with the series they watch.

use serde::{Deserialize, Serialize};

/// The alerting rules read from the rule files and the Prometheus server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertRules {
    /// What was read: each rule file, the server's rules URL (credentials redacted).
    pub read: Vec<String>,
    /// Every alerting rule of the files and groups that load.
    pub alerts: Vec<AlertRule>,
    /// Files and rules Prometheus would refuse (YAML or PromQL syntax), each with its place.
    pub problems: Vec<RuleProblem>,
}

/// A rule file or rule that does not load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleProblem {
    /// `file:line`, or the server's group.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

/// One alerting rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    /// The `alert:` name.
    pub name: String,
    /// `file:line`, or the server's group.
    pub location: String,
    /// The comparisons of its expression that judge a signal stethoscope recognises.
    pub conditions: Vec<AlertCondition>,
    /// The series its expression reads, recording rules resolved to the series they read.
    pub watches: Vec<String>,
}

/// A comparison of a recognised signal with a constant, firing above it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertCondition {
    /// What is compared.
    pub signal: AlertSignal,
    /// The constant it fires above: a ratio (0..1) for error signals, seconds for latency.
    pub threshold: f64,
}

/// The signal an alert condition judges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertSignal {
    /// 5xx responses over all responses.
    ErrorRatio,
    /// An error ratio against a burn-rate factor times an error budget (Sloth, Pyrra); the
    /// threshold is the budget.
    ErrorBudgetBurn {
        /// The burn-rate factor, e.g. 14.4.
        factor: f64,
    },
    /// A count or rate of 5xx responses, not divided by the traffic.
    ErrorCount,
    /// A latency quantile, from `histogram_quantile` or a summary's `quantile` label.
    LatencyQuantile {
        /// The quantile, e.g. 0.99.
        quantile: f64,
    },
    /// A mean latency (`_sum / _count`).
    LatencyMean,
}
