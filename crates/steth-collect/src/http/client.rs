//! The probe client: no redirects, no decompression, a timeout on every request, and a
//! `User-Agent` that says who is asking.

use reqwest::{Method, Response};
use std::sync::Once;
use std::time::Duration;
use steth_core::config::{Plan, Target};
use url::Url;

/// The `User-Agent` of every probe.
pub fn user_agent() -> String {
    format!("stethoscope/{}", env!("CARGO_PKG_VERSION"))
}

static CRYPTO: Once = Once::new();

/// Installs the TLS crypto provider once per process.
fn install_crypto() {
    CRYPTO.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client bound to one target.
#[derive(Debug, Clone)]
pub struct ProbeClient {
    client: reqwest::Client,
    base: Url,
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
    pub fn new(target: &Target) -> Result<ProbeClient, reqwest::Error> {
        install_crypto();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(target.timeout)
            .connect_timeout(target.timeout.min(Duration::from_secs(5)))
            .user_agent(user_agent())
            .build()?;
        Ok(ProbeClient { client, base: target.base_url.clone() })
    }

    /// The absolute URL of a path under the base URL.
    pub fn url(&self, path: &str) -> Url {
        let base = self.base.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{path}")).unwrap_or_else(|_| self.base.clone())
    }

    /// Sends one request and returns its status and headers; the body is not read.
    pub async fn send(&self, method: Method, path: &str, headers: &[(&str, String)]) -> Result<Answer, String> {
        let mut request = self.client.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response: Response = request.send().await.map_err(describe)?;
        Ok(Answer {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
        })
    }

    /// The identity's headers for authenticated requests.
    pub fn identity_headers(plan: &Plan, identity: Option<&str>) -> Vec<(&'static str, String)> {
        let Some(identity) = identity.and_then(|name| plan.identities.get(name)) else {
            return Vec::new();
        };
        identity
            .headers
            .iter()
            .filter_map(|(name, value)| {
                let name: &'static str = match name.to_ascii_lowercase().as_str() {
                    "authorization" => "authorization",
                    "cookie" => "cookie",
                    "x-api-key" => "x-api-key",
                    _ => return None,
                };
                Some((name, value.expose().to_string()))
            })
            .collect()
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
