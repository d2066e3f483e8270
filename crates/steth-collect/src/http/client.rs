//! The probe client: no redirects, no decompression, a timeout on every request, bodies read
//! only up to a byte cap and a deadline, and a `User-Agent` that says who is asking.

use reqwest::{Body, Method, Response};
use std::sync::Once;
use std::time::Duration;
use steth_core::config::{Plan, Target};
use tokio::time::Instant;
use url::Url;

/// The `User-Agent` of every probe.
pub fn user_agent() -> String {
    format!("stethoscope/{}", env!("CARGO_PKG_VERSION"))
}

static CRYPTO: Once = Once::new();

/// Installs the TLS crypto provider once per process. The binary calls it at start-up;
/// `http_client` calls it too, so a library user cannot reach reqwest's panic without it.
pub fn install_crypto() {
    CRYPTO.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The one HTTP client builder: no redirects (a redirect is an answer to judge, not to follow),
/// no decompression (reqwest's is off in this build), a timeout on every request and its
/// connect, and stethoscope's `User-Agent`. Bodies are read only through `read_body`.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    install_crypto();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(user_agent())
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", describe(e)))
}

/// Sends one request to an absolute URL and reads its body, at most `cap` bytes, all within
/// `timeout`: the bounded read every fetch outside the probes (OpenAPI, active probes) uses.
pub async fn fetch_url(request: reqwest::RequestBuilder, cap: u64, timeout: Duration) -> Result<Fetched, String> {
    let deadline = Instant::now() + timeout;
    let sent = tokio::time::timeout_at(deadline, request.send()).await;
    let response =
        sent.map_err(|_| format!("timed out after {} waiting for the answer", secs(timeout)))?.map_err(describe)?;
    let answer = answer_of(&response);
    let (body, truncated) = read_body(response, cap, deadline, timeout).await?;
    Ok(Fetched { answer, body, truncated })
}

/// A client bound to one target.
#[derive(Debug, Clone)]
pub struct ProbeClient {
    client: reqwest::Client,
    base: Url,
    timeout: Duration,
}

/// An answer with its body, read up to a byte cap.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Status and headers.
    pub answer: Answer,
    /// The body bytes read (at most the cap).
    pub body: Vec<u8>,
    /// Whether reading stopped at the cap with more to come.
    pub truncated: bool,
}

/// What a probe saw of one response: status and headers, never an unbounded body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
}

impl ProbeClient {
    /// A client for the target's base URL with its timeout.
    pub fn new(target: &Target) -> Result<ProbeClient, String> {
        let client = http_client(target.timeout)?;
        Ok(ProbeClient { client, base: target.base_url.clone(), timeout: target.timeout })
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one request with owned headers and an optional body; returns the response with its
    /// body unread.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(String, String)],
        body: Option<Body>,
    ) -> Result<Response, String> {
        self.request(method, path, headers, body).send().await.map_err(describe)
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(String, String)],
        body: Option<Body>,
    ) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        request
    }

    /// Sends one request and reads its body, at most `cap` bytes, all within the timeout: a
    /// body that keeps coming stops at the cap, one that trickles stops at the deadline.
    pub async fn fetch(
        &self,
        method: Method,
        path: &str,
        headers: &[(String, String)],
        body: Option<Body>,
        cap: u64,
    ) -> Result<Fetched, String> {
        fetch_url(self.request(method, path, headers, body), cap, self.timeout).await
    }

    /// The absolute URL of a path under the base URL (`config::join_url`, the rule the load
    /// engine follows too); it never falls back to another URL.
    pub fn url(&self, path: &str) -> Url {
        steth_core::config::join_url(&self.base, path)
    }

    /// Sends one request and returns its status and headers; the body is not read.
    pub async fn send(&self, method: Method, path: &str, headers: &[(String, String)]) -> Result<Answer, String> {
        let mut request = self.client.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response: Response = request.send().await.map_err(describe)?;
        Ok(answer_of(&response))
    }

    /// Every header of the identity (a token from its login included), for probes that send
    /// credentials.
    pub fn credentials(plan: &Plan, identity: Option<&str>) -> Vec<(String, String)> {
        identity
            .and_then(|name| plan.identities.get(name))
            .map(|i| i.headers.iter().map(|(n, v)| (n.clone(), v.expose().to_string())).collect())
            .unwrap_or_default()
    }
}

/// Status and headers of a response, header names lowercased.
pub fn answer_of(response: &Response) -> Answer {
    Answer {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
    }
}

impl Answer {
    /// The first value of a header (name lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Reads a body chunk by chunk until it ends, `cap` bytes are in, or the deadline passes.
/// Returns the bytes and whether the cap cut it short; a deadline or a broken connection is an
/// error naming how much had arrived.
pub async fn read_body(
    mut response: Response,
    cap: u64,
    deadline: Instant,
    timeout: Duration,
) -> Result<(Vec<u8>, bool), String> {
    let mut body = Vec::new();
    loop {
        let chunk = match tokio::time::timeout_at(deadline, response.chunk()).await {
            Err(_) => {
                return Err(format!("timed out after {} reading the body ({} bytes read)", secs(timeout), body.len()));
            }
            Ok(Err(e)) => {
                return Err(format!("connection broken after {} bytes of the body: {}", body.len(), describe(e)));
            }
            Ok(Ok(chunk)) => chunk,
        };
        let Some(chunk) = chunk else { return Ok((body, false)) };
        let room = usize::try_from(cap).unwrap_or(usize::MAX).saturating_sub(body.len());
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
}

/// One sentence for a failed request: the cause chain without the URL's credentials.
pub fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_redirect() {
        "redirect refused"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() { kind.to_string() } else { format!("{kind}: {cause}") }
}
