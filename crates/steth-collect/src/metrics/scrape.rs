//! One bounded scrape of the service's Prometheus endpoint: no redirects, no decompression, the
//! body read up to a byte cap and within a deadline, then parsed.

use super::text::{Exposition, ParseError, parse};
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

/// Most bytes read from one scrape.
pub const MAX_BODY: u64 = 8 * 1024 * 1024;

/// Why a scrape gave nothing usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScrapeError {
    /// The request did not get an answer.
    #[error("cannot scrape {url}: {cause}")]
    Request {
        /// The URL, credentials redacted.
        url: String,
        /// What went wrong.
        cause: String,
    },
    /// The answer was not a success.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL, credentials redacted.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The body did not end within the cap.
    #[error("{url} sent more than {cap} bytes; stopped reading")]
    TooLarge {
        /// The URL, credentials redacted.
        url: String,
        /// The byte cap.
        cap: u64,
    },
    /// The body is not UTF-8 text.
    #[error("{url} sent a body that is not UTF-8 text (invalid byte at offset {offset})")]
    NotText {
        /// The URL, credentials redacted.
        url: String,
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// The body is not valid exposition text.
    #[error("{url} sent invalid Prometheus text: {error}")]
    Invalid {
        /// The URL, credentials redacted.
        url: String,
        /// The first bad line.
        error: ParseError,
    },
}

/// Scrapes one URL within a byte cap and a time limit per scrape.
#[derive(Debug, Clone)]
pub struct Scraper {
    client: reqwest::Client,
    url: Url,
    shown: String,
    cap: u64,
    timeout: Duration,
}

impl Scraper {
    /// A scraper for `url` reading at most `cap` bytes, each scrape done within `timeout`.
    pub fn new(url: Url, cap: u64, timeout: Duration) -> Result<Scraper, String> {
        let client = crate::http::http_client(timeout)?;
        let shown = steth_core::config::redact_url(url.as_str());
        Ok(Scraper { client, url, shown, cap, timeout })
    }

    /// The URL, credentials redacted.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// Fetches and parses the metrics, keeping the samples whose name `keep` accepts.
    pub async fn scrape(&self, keep: impl Fn(&str) -> bool) -> Result<Exposition, ScrapeError> {
        // Ask for the text format: some servers would otherwise negotiate protobuf or OpenMetrics.
        let text = self.fetch("text/plain;version=0.0.4;q=1,*/*;q=0.1").await?;
        let url = || self.shown.clone();
        parse(&text, keep).map_err(|error| ScrapeError::Invalid { url: url(), error })
    }

    /// Fetches the body as text, within the byte cap and the deadline.
    pub async fn fetch(&self, accept: &str) -> Result<String, ScrapeError> {
        let url = || self.shown.clone();
        let deadline = Instant::now() + self.timeout;
        let request = self.client.get(self.url.clone()).header("accept", accept);
        let response = match tokio::time::timeout_at(deadline, request.send()).await {
            Err(_) => {
                let cause = format!("no answer within {:.1} s", self.timeout.as_secs_f64());
                return Err(ScrapeError::Request { url: url(), cause });
            }
            Ok(Err(e)) => return Err(ScrapeError::Request { url: url(), cause: crate::http::describe(e) }),
            Ok(Ok(r)) => r,
        };
        if !response.status().is_success() {
            return Err(ScrapeError::Status { url: url(), status: response.status().as_u16() });
        }
        let (body, truncated) = crate::http::read_body(response, self.cap, deadline, self.timeout)
            .await
            .map_err(|cause| ScrapeError::Request { url: url(), cause })?;
        if truncated {
            return Err(ScrapeError::TooLarge { url: url(), cap: self.cap });
        }
        String::from_utf8(body.to_vec())
            .map_err(|e| ScrapeError::NotText { url: url(), offset: e.utf8_error().valid_up_to() })
    }
}
