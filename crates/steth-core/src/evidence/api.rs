//! Evidence from the HTTP probes of API behaviour: body limits, authentication, authorization,
//! rate limits, input validation, tracing, request ids and pagination.

use serde::{Deserialize, Serialize};

/// One identity logging in before the probes, as configured in `[identities.NAME.login]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAttempt {
    /// The identity's name.
    pub identity: String,
    /// Method and path, e.g. `POST /login`.
    pub request: String,
    /// HTTP status, or None when no answer came.
    pub status: Option<u16>,
    /// Why no token was obtained, when none was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The oversized-body probe (1.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyLimitProbe {
    /// Size of the body streamed to each write endpoint, in bytes.
    pub body_bytes: u64,
    /// One attempt per write endpoint.
    pub attempts: Vec<BodyLimitAttempt>,
}

/// One oversized body streamed to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyLimitAttempt {
    /// Method and path.
    pub request: String,
    /// HTTP status, or None when no answer came.
    pub status: Option<u16>,
    /// Bytes of the body the server had taken (sent into the connection) when its answer
    /// arrived or the request ended; kernel buffers make this an upper bound.
    pub bytes_sent: u64,
    /// Whether the whole body had been sent before the answer arrived.
    pub body_complete: bool,
    /// Time from the start of the request to its end, in milliseconds.
    pub elapsed_ms: u64,
    /// Whether the request ended because the timeout expired without an answer.
    pub timed_out: bool,
    /// Why no answer came, when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One request with the status it got: the common shape of several probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The endpoint as configured, e.g. `GET /users/{id}`.
    pub endpoint: String,
    /// What was sent, e.g. `no credentials` or `malformed JSON`.
    pub case: String,
    /// HTTP status, or None when no answer came.
    pub status: Option<u16>,
    /// Why no answer came, when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Non-public endpoints called without credentials and with a malformed token (6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthProbe {
    /// Two exchanges per non-public endpoint.
    pub exchanges: Vec<Exchange>,
}

/// Bad input sent to each write endpoint (6.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputProbe {
    /// Malformed JSON, an empty object, and every leaf of the configured body (enveloped ones
    /// included) with the wrong type, missing, empty or overlong, per endpoint. A 2xx here may
    /// be leniency (an optional field, a coerced type).
    pub exchanges: Vec<Exchange>,
    /// Bodies that violate the endpoint's request schema from `[target] openapi` (a required
    /// field removed, a bad `format`, a length, a bound or an `enum` broken): a 2xx is wrong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_violations: Vec<Exchange>,
    /// Where the schema came from, or why there was none for some endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// List endpoints asked for `limit=0`, `limit=-1` and `offset=-1`: any answer but a 5xx is
    /// fine (one such request crashed a tested service with a database error).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pagination_edges: Vec<Exchange>,
}

/// Identity A reading and changing a resource identity B owns (6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthzProbe {
    /// One entry per (actor, owner, action).
    pub attempts: Vec<AuthzAttempt>,
    /// Why some pairs could not be tried (no `owns`, a failed login).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One cross-identity attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthzAttempt {
    /// The identity making the request.
    pub actor: String,
    /// The identity owning the resource.
    pub owner: String,
    /// Method and path, e.g. `PATCH /orders/1`.
    pub request: String,
    /// Whether the request tries to change the resource (a write method the path offers, with
    /// the owner's own representation) rather than read it.
    pub change: bool,
    /// What a change sent, e.g. "the owner's representation (312 bytes)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<String>,
    /// The status the owner gets reading its own resource (the control: the resource exists
    /// and the owner's credentials work).
    pub control_status: Option<u16>,
    /// The status the actor got, or None when no answer came.
    pub status: Option<u16>,
    /// Why no answer came, when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A bounded burst that must meet a 429 (6.3 for public endpoints, 6.4 for login).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BurstProbe {
    /// Method and path burst.
    pub request: String,
    /// The most requests the burst would send.
    pub max_requests: u32,
    /// The most time the burst would take, in milliseconds.
    pub window_ms: u64,
    /// Requests sent (the burst stops at the first 429).
    pub sent: u32,
    /// Requests answered before the first 429, when one came.
    pub first_429_after: Option<u32>,
    /// Time the burst took, in milliseconds.
    pub elapsed_ms: u64,
    /// How many answers had each status, ascending by status.
    pub statuses: Vec<(u16, u32)>,
    /// Requests that got no answer.
    pub errors: u32,
    /// The last of those failures, when there were any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// `Retry-After`, `RateLimit-*` and `X-RateLimit-*` headers seen (on the 429, else the last
    /// answer), names lowercased.
    pub limit_headers: Vec<(String, String)>,
    /// What each request sent, in words (never a credential), e.g. "the configured login body
    /// with `password` replaced by a wrong one".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_body: Option<String>,
}

/// Requests carrying a W3C `traceparent` (5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TracingProbe {
    /// The trace id stethoscope sent.
    pub trace_id: String,
    /// The answers and their trace headers.
    pub exchanges: Vec<TraceExchange>,
}

/// One answer's trace-related headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceExchange {
    /// Method and path.
    pub request: String,
    /// HTTP status.
    pub status: u16,
    /// `traceresponse`, when present.
    pub traceresponse: Option<String>,
    /// `traceparent` echoed in the response, when present.
    pub traceparent: Option<String>,
    /// `Server-Timing`, when present.
    pub server_timing: Option<String>,
}

/// Requests with and without an `X-Request-ID` (5.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestIdProbe {
    /// One entry per request.
    pub exchanges: Vec<RequestIdExchange>,
}

/// One request and the request id in its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestIdExchange {
    /// Method and path.
    pub request: String,
    /// HTTP status.
    pub status: u16,
    /// The `X-Request-ID` sent, or None for the request that sent none.
    pub sent: Option<String>,
    /// The id in the answer (`X-Request-ID`, `Request-ID`, `X-Correlation-ID`), when present.
    pub returned: Option<String>,
}

/// List endpoints and what their first page looked like (8.7), or what a huge page size
/// gave (8.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListProbe {
    /// One page per list endpoint.
    pub pages: Vec<ListPage>,
}

/// One list response, read up to the byte cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPage {
    /// Method and path with query, e.g. `GET /products?limit=1000000`.
    pub request: String,
    /// HTTP status, or None when no answer came.
    pub status: Option<u16>,
    /// Body bytes read.
    pub bytes: u64,
    /// Whether reading stopped at the byte cap (`[probes] max_response`).
    pub truncated: bool,
    /// Items in the page: a top-level JSON array, or the array under `items`, `data`,
    /// `results`, `records` (else the first array field); None when not JSON.
    pub items: Option<u64>,
    /// What leads to the next page: a body field such as `next_cursor` (present even when
    /// null on the last page), a `Link: rel="next"` header, or `offset`/`page` when asking for
    /// the next offset or page returned the next items; None when nothing does.
    pub next: Option<String>,
    /// Whether more items exist after this page: a non-null next field, `has_more`, a `Link`
    /// next (true) or a null next field, `has_more: false` (false); None when the page does not
    /// say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<bool>,
    /// Why the page could not be read, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
