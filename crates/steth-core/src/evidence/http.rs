//! Evidence from single targeted HTTP probes.

use super::Slot;
use super::api::{
    AuthProbe, AuthzProbe, BodyLimitProbe, BurstProbe, InputProbe, ListProbe, LoginAttempt, RequestIdProbe,
    TracingProbe,
};
use super::extended::{CompressionProbe, ConditionalProbe, DocsProbe, EnumerationProbe, IdempotencyProbe};
use serde::{Deserialize, Serialize};

/// What the HTTP probes saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpEvidence {
    /// The base URL probed.
    pub base_url: String,
    /// Whether the target speaks HTTPS.
    pub https: bool,
    /// Response headers of ordinary GET requests (the base path and each read endpoint).
    pub headers: Slot<Vec<HeaderSample>>,
    /// Cross-origin requests from a foreign origin.
    pub cors: Slot<CorsProbe>,
    /// Liveness and readiness paths tried.
    pub health: Slot<HealthProbe>,
    /// Identities that logged in before the probes.
    #[serde(default)]
    pub logins: Vec<LoginAttempt>,
    /// Oversized bodies streamed to write endpoints (1.6).
    #[serde(default)]
    pub body_limit: Slot<BodyLimitProbe>,
    /// Non-public endpoints called without valid credentials (6.1).
    #[serde(default)]
    pub authentication: Slot<AuthProbe>,
    /// One identity reaching for another's resource (6.2).
    #[serde(default)]
    pub authorization: Slot<AuthzProbe>,
    /// A burst at a public endpoint (6.3); runs after every other probe.
    #[serde(default)]
    pub rate_limit: Slot<BurstProbe>,
    /// Failed login attempts in a row (6.4); runs after every other probe.
    #[serde(default)]
    pub login_rate_limit: Slot<BurstProbe>,
    /// Bad input sent to write endpoints (6.6).
    #[serde(default)]
    pub input_validation: Slot<InputProbe>,
    /// Requests carrying a W3C traceparent (5.1).
    #[serde(default)]
    pub tracing: Slot<TracingProbe>,
    /// Requests with and without an X-Request-ID (5.4).
    #[serde(default)]
    pub request_ids: Slot<RequestIdProbe>,
    /// The first page of each list endpoint (8.7).
    #[serde(default)]
    pub pagination: Slot<ListProbe>,
    /// Each list endpoint asked for a huge page size (8.8).
    #[serde(default)]
    pub huge_pages: Slot<ListProbe>,
    /// Extended: a compressed answer asked for.
    #[serde(default)]
    pub compression: Slot<CompressionProbe>,
    /// Extended: ETag and a conditional repeat.
    #[serde(default)]
    pub conditional: Slot<ConditionalProbe>,
    /// Extended: a POST repeated with the same Idempotency-Key.
    #[serde(default)]
    pub idempotency: Slot<IdempotencyProbe>,
    /// The requests the probes sent that may change data (1.6, 6.1 to write endpoints, 6.2's
    /// `PATCH`, 6.6, X.3), per endpoint, with answers by status class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<super::WritesMade>,
    /// API documentation paths asked without credentials (X.5).
    #[serde(default)]
    pub api_docs: Slot<DocsProbe>,
    /// Failed logins for an unknown user and a wrong password (X.6).
    #[serde(default)]
    pub login_enumeration: Slot<EnumerationProbe>,
}

/// One response's status and headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderSample {
    /// Method and path requested, e.g. `GET /products`.
    pub request: String,
    /// HTTP status code.
    pub status: u16,
    /// Response headers, names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// Whether the request carried an identity's credentials (its answer is private data).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authenticated: bool,
}

impl HeaderSample {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The cross-origin probe: a preflight and a simple request carrying a foreign `Origin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsProbe {
    /// The foreign origin sent.
    pub origin: String,
    /// The exchanges made (preflight and simple, per path).
    pub exchanges: Vec<CorsExchange>,
}

/// One cross-origin request and the CORS headers in its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsExchange {
    /// Method and path, e.g. `OPTIONS /products (preflight)`.
    pub request: String,
    /// HTTP status code.
    pub status: u16,
    /// `Access-Control-Allow-Origin`, when present.
    pub allow_origin: Option<String>,
    /// `Access-Control-Allow-Credentials`, when present.
    pub allow_credentials: Option<String>,
}

/// The health paths tried and how they answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthProbe {
    /// Liveness paths tried, in order, with their answers.
    pub liveness: Vec<HealthAnswer>,
    /// Readiness paths tried, in order, with their answers.
    pub readiness: Vec<HealthAnswer>,
}

/// One health path and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthAnswer {
    /// The path requested.
    pub path: String,
    /// The status code, or None when the request failed.
    pub status: Option<u16>,
    /// Why the request failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
