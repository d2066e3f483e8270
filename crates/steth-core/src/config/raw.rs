//! The config file as written: serde types with spans, before validation.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// `stethoscope.toml` as parsed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub target: Option<RawTarget>,
    #[serde(default)]
    pub endpoints: Vec<RawEndpoint>,
    #[serde(default)]
    pub identities: BTreeMap<String, RawIdentity>,
    pub postgres: Option<RawPostgres>,
    pub redis: Option<RawRedis>,
    pub metrics: Option<RawMetrics>,
    pub source: Option<RawSource>,
    pub health: Option<RawHealth>,
    pub cors: Option<RawCors>,
    pub load: Option<super::load::RawLoad>,
    pub history: Option<super::history::RawHistory>,
    pub probes: Option<RawProbes>,
    #[serde(default)]
    pub thresholds: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub attest: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub na: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTarget {
    pub base_url: Spanned<String>,
    pub openapi: Option<Spanned<String>>,
    #[serde(default)]
    pub serverless: bool,
    pub timeout: Option<Spanned<String>>,
    pub peak_rps: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEndpoint {
    pub name: Option<String>,
    #[serde(default = "default_method")]
    pub method: Spanned<String>,
    pub path: Spanned<String>,
    pub kind: Option<Spanned<String>>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub list: bool,
    #[serde(default)]
    pub login: bool,
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<String>>,
    pub body: Option<Spanned<String>>,
    pub identity: Option<Spanned<String>>,
    pub p99_budget: Option<Spanned<String>>,
    #[serde(default)]
    pub params: BTreeMap<String, Spanned<toml::Value>>,
    pub writes: Option<bool>,
    pub cleanup: Option<Spanned<String>>,
}

fn default_method() -> Spanned<String> {
    Spanned::new(0..0, "GET".to_string())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIdentity {
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<String>>,
    pub owns: Option<Spanned<RawOwns>>,
    pub login: Option<RawLogin>,
}

/// `owns = "/orders/7"` or `owns = [{ path = "/posts/42", read = "public" }]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawOwns {
    Path(String),
    List(Vec<RawOwned>),
}

/// One owned resource in the list form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOwned {
    pub path: String,
    pub read: Option<String>,
    #[serde(default)]
    pub destructive: bool,
}

/// How an identity logs in by itself: `[identities.NAME.login]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLogin {
    pub path: Spanned<String>,
    pub body: Spanned<String>,
    pub token: Option<Spanned<String>>,
    pub header: Option<Spanned<String>>,
    pub prefix: Option<Spanned<String>>,
}

/// Bounds of the HTTP probes: `[probes]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProbes {
    pub body_size: Option<Spanned<String>>,
    pub max_response: Option<Spanned<String>>,
    pub burst_requests: Option<Spanned<i64>>,
    pub burst_window: Option<Spanned<String>>,
    pub login_attempts: Option<Spanned<i64>>,
    pub login_window: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPostgres {
    pub url: Spanned<String>,
    pub app_role: Option<String>,
    pub statement_timeout: Option<Spanned<String>>,
    pub lock_timeout: Option<Spanned<String>>,
    pub cores: Option<Spanned<i64>>,
    #[serde(default)]
    pub replicas: Vec<Spanned<String>>,
    pub session_watch: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRedis {
    pub url: Spanned<String>,
    pub key_pattern: Option<String>,
    pub delimiter: Option<Spanned<String>>,
    pub max_keys: Option<Spanned<i64>>,
    pub scan_budget: Option<Spanned<String>>,
    #[serde(default)]
    pub active: bool,
    pub statement_metric: Option<String>,
    pub stampede: Option<RawStampede>,
    pub negative: Option<RawNegative>,
}

/// `[redis.stampede]`: the hot key of 3.6's active probe.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStampede {
    pub path: Spanned<String>,
    pub key: Spanned<String>,
    pub requests: Option<Spanned<i64>>,
    pub identity: Option<Spanned<String>>,
}

/// `[redis.negative]`: the missing id of 3.7's active probe.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNegative {
    pub path: Spanned<String>,
    pub identity: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMetrics {
    pub url: Option<Spanned<String>>,
    #[serde(default)]
    pub rule_files: Vec<Spanned<String>>,
    pub prometheus: Option<Spanned<String>>,
    pub query_histogram: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    pub path: Spanned<String>,
    pub history: Option<bool>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    pub max_blob_bytes: Option<Spanned<String>>,
    pub fixtures: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub migrations: Vec<Spanned<String>>,
    pub baseline: Option<Spanned<String>>,
    pub advisories: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHealth {
    pub liveness: Option<Vec<String>>,
    pub readiness: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCors {
    pub foreign_origin: Option<Spanned<String>>,
}
