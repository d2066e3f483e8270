//! Evidence for the extended items (beyond the 71): response compression, conditional requests
//! and idempotency keys. Gathered into the raw evidence; no check scores them yet.

use serde::{Deserialize, Serialize};

/// A read endpoint asked for a compressed answer (`Accept-Encoding: gzip, br`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompressionProbe {
    /// Method and path.
    pub request: String,
    /// HTTP status.
    pub status: u16,
    /// `Content-Encoding` of the answer, when present (the probe never decompresses).
    pub content_encoding: Option<String>,
    /// `Vary` of the answer, when present.
    pub vary: Option<String>,
    /// Body bytes as sent on the wire, up to the read cap.
    pub bytes: u64,
}

/// A read endpoint requested twice, the second time with `If-None-Match`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionalProbe {
    /// Method and path.
    pub request: String,
    /// HTTP status of the first request.
    pub status: u16,
    /// `ETag` of the first answer, when present.
    pub etag: Option<String>,
    /// `Last-Modified` of the first answer, when present.
    pub last_modified: Option<String>,
    /// Status of the repeat with `If-None-Match` (304 when honoured); None when no ETag came.
    pub repeat_status: Option<u16>,
}

/// A write endpoint sent the same body twice with the same `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyProbe {
    /// Method and path.
    pub request: String,
    /// Status of the first request.
    pub first_status: u16,
    /// Status of the repeat.
    pub second_status: u16,
    /// `Idempotent-Replayed` (or `Idempotency-Replayed`) on the repeat, when present.
    pub replayed_header: Option<String>,
    /// Whether both answers carried the same body, or the same `id` (the same record, not a
    /// second one).
    pub same_body: bool,
}

/// Well-known API documentation paths asked without credentials (X.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocsProbe {
    /// One answer per path tried.
    pub answers: Vec<DocsAnswer>,
}

/// One documentation path and what it served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocsAnswer {
    /// Method and path, e.g. `GET /docs`.
    pub request: String,
    /// HTTP status, or None when no answer came.
    pub status: Option<u16>,
    /// What in the body shows it is API documentation (`swagger-ui`, `"openapi"`, `graphiql`),
    /// when something does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// Why no answer came, when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The login endpoint asked for an unknown user and for a known user with a wrong password
/// (X.6): both must fail the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumerationProbe {
    /// Method and path.
    pub request: String,
    /// The answer for an account that does not exist.
    pub unknown_user: LoginAnswer,
    /// The answer for the configured account with a wrong password.
    pub wrong_password: LoginAnswer,
}

/// One failed login's answer, its body with digits masked (ids, timestamps) and bounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAnswer {
    /// HTTP status, or None when no answer came.
    pub status: Option<u16>,
    /// The body's first 512 bytes as text, every digit replaced by `#`.
    pub body: String,
}
