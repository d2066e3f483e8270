//! Facts the user declares in the config, which stethoscope cannot measure: the database
//! server's cores, whether the service runs serverless, its real peak request rate and each
//! endpoint's latency budget. They reach the checks as declared facts (`Source::Config`), never
//! copied into a collector's evidence.

use serde::{Deserialize, Serialize};

/// What the config declares about the service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Declared {
    /// The database server's CPU cores, `[postgres] cores` (4.2).
    #[serde(default)]
    pub cores: Option<u32>,
    /// Whether the service runs serverless, `[target] serverless` (4.10 applies).
    #[serde(default)]
    pub serverless: bool,
    /// The service's real peak request rate, per second, `[target] peak_rps` (4.2).
    #[serde(default)]
    pub peak_rps: Option<f64>,
    /// The configured endpoints that are not logins, in config order, each with its own p99
    /// budget when it declares one (1.1, 1.2, 9.5).
    #[serde(default)]
    pub endpoints: Vec<DeclaredEndpoint>,
}

/// One configured endpoint and its declared budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeclaredEndpoint {
    /// Display name, as the load evidence names it.
    pub name: String,
    /// `p99_budget`, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_budget_ms: Option<f64>,
}

impl Declared {
    /// The endpoint's own p99 budget in milliseconds, when it declares one.
    pub fn p99_budget_ms(&self, endpoint: &str) -> Option<f64> {
        self.endpoints.iter().find(|e| e.name == endpoint).and_then(|e| e.p99_budget_ms)
    }
}
