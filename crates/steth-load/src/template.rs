//! Request templates: method, path with placeholders filled from value lists or integer
//! ranges, headers and body.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request};

/// Values a placeholder takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values {
    /// An explicit list.
    List(Vec<String>),
    /// An inclusive integer range.
    Range(i64, i64),
}

impl Values {
    fn len(&self) -> u64 {
        match self {
            Values::List(v) => v.len() as u64,
            Values::Range(a, b) => b.abs_diff(*a) + 1,
        }
    }
    fn pick(&self, index: u64) -> String {
        match self {
            Values::List(v) if v.is_empty() => String::new(),
            Values::List(v) => v[(index % v.len() as u64) as usize].clone(),
            Values::Range(a, _) => (a + (index % self.len()) as i64).to_string(),
        }
    }
}

/// Why a template cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// A method that is not a valid token.
    #[error("invalid method `{0}`")]
    Method(String),
    /// A header name or value that HTTP does not allow.
    #[error("invalid header `{0}`")]
    Header(String),
    /// A body placeholder that cannot be filled.
    #[error("body: {0}")]
    Body(#[from] crate::body::BodyError),
}

/// What each request of a phase looks like.
#[derive(Debug, Clone)]
pub struct RequestTemplate {
    method: Method,
    path: String,
    params: Vec<(String, Values)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    /// The body's placeholders, when it has any, and the sequence its requests share.
    filled: Option<(Vec<crate::body::Part>, std::sync::Arc<crate::body::Counter>)>,
    /// What to keep of each successful answer, so what the requests created can be deleted.
    capture: Option<Capture>,
    /// What was kept, warm-ups included, across every phase that uses this template.
    captured: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// What a template keeps of each 2xx answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// The `Location` header.
    Location,
    /// The body, up to 64 KiB.
    Body,
}

/// Most answers a template keeps: a cleanup beyond this is left to the user.
pub const MAX_CAPTURED: usize = 100_000;
/// Most body bytes kept per answer.
pub const MAX_CAPTURED_BODY: usize = 64 * 1024;

/// Characters escaped in a placeholder value: everything a path segment may not hold raw.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A deterministic spread of request numbers over a parameter's values (splitmix64), so
/// consecutive requests hit different rows without a random number generator.
fn spread(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl RequestTemplate {
    /// A template; `path` may hold `{name}` placeholders filled from `params`.
    pub fn new(
        method: &str,
        path: &str,
        params: Vec<(String, Values)>,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<RequestTemplate, TemplateError> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| TemplateError::Method(method.to_string()))?;
        let mut parsed = Vec::new();
        for (name, value) in headers {
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| TemplateError::Header(name.clone()))?;
            let v = HeaderValue::from_str(value).map_err(|_| TemplateError::Header(name.clone()))?;
            parsed.push((n, v));
        }
        let body = Bytes::from(body.unwrap_or_default());
        if !body.is_empty() && !parsed.iter().any(|(n, _)| n == hyper::header::CONTENT_TYPE) {
            parsed.push((hyper::header::CONTENT_TYPE, HeaderValue::from_static("application/json")));
        }
        let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
        let filled = match std::str::from_utf8(&body) {
            Ok(text) => {
                let parts = crate::body::parse(text, &names)?;
                crate::body::has_placeholders(&parts).then(|| (parts, Default::default()))
            }
            Err(_) => None,
        };
        Ok(RequestTemplate {
            method,
            path: path.to_string(),
            params,
            headers: parsed,
            body,
            filled,
            capture: None,
            captured: Default::default(),
        })
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Keeps the `Location` header or the body of every 2xx answer (for a cleanup).
    pub fn with_capture(mut self, capture: Capture) -> RequestTemplate {
        self.capture = Some(capture);
        self
    }

    /// What this template keeps of each answer, if anything.
    pub fn capture(&self) -> Option<Capture> {
        self.capture
    }

    /// Keeps one answer's capture, up to `MAX_CAPTURED`.
    pub(crate) fn keep(&self, value: String) {
        let mut kept = self.captured.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() < MAX_CAPTURED {
            kept.push(value);
        }
    }

    /// Everything kept so far, taken out.
    pub fn take_captured(&self) -> Vec<String> {
        std::mem::take(&mut *self.captured.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// A parameter's value for the n-th request (the path and the body get the same one).
    fn value(&self, n: u64, name: &str) -> String {
        self.params
            .iter()
            .enumerate()
            .find(|(_, (p, _))| p == name)
            .map(|(i, (_, values))| values.pick(spread(n.wrapping_add(i as u64 * 7919))))
            .unwrap_or_default()
    }

    /// The path of the n-th request; values are percent-encoded as path segments.
    pub fn path_for(&self, n: u64) -> String {
        let mut path = self.path.clone();
        for (name, _) in &self.params {
            let encoded = percent_encoding::utf8_percent_encode(&self.value(n, name), SEGMENT).to_string();
            path = path.replace(&format!("{{{name}}}"), &encoded);
        }
        path
    }

    /// The body of the n-th request: placeholders filled (each call takes the next `{seq}`).
    pub fn body_for(&self, n: u64) -> Bytes {
        match &self.filled {
            Some((parts, counter)) => Bytes::from(crate::body::render(parts, counter, &|name| self.value(n, name))),
            None => self.body.clone(),
        }
    }

    /// The n-th request for a target, in origin form for HTTP/1.1 and absolute form for HTTP/2,
    /// with an estimate of its bytes on the wire. A template that cannot form a valid URI is an
    /// error, never a panic.
    pub fn build(
        &self,
        n: u64,
        base_path: &str,
        authority: &str,
        scheme: &str,
        http2: bool,
    ) -> Result<(Request<Full<Bytes>>, u64), hyper::http::Error> {
        let mut path = format!("{}{}", base_path.trim_end_matches('/'), self.path_for(n));
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        let uri = if http2 { format!("{scheme}://{authority}{path}") } else { path.clone() };
        let mut builder = Request::builder().method(self.method.clone()).uri(uri);
        let mut header_bytes = self.method.as_str().len() + path.len() + 12;
        if !http2 {
            builder = builder.header(hyper::header::HOST, authority);
            header_bytes += authority.len() + 8;
        }
        builder = builder.header(hyper::header::USER_AGENT, concat!("stethoscope/", env!("CARGO_PKG_VERSION")));
        for (n, v) in &self.headers {
            builder = builder.header(n, v);
            header_bytes += n.as_str().len() + v.len() + 4;
        }
        let body = self.body_for(n);
        let bytes_out = (header_bytes + body.len()) as u64;
        Ok((builder.body(Full::new(body))?, bytes_out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_cover_the_range() {
        let t = RequestTemplate::new("GET", "/p/{id}", vec![("id".into(), Values::Range(1, 10))], &[], None).unwrap();
        let mut seen: Vec<String> = (0..500).map(|n| t.path_for(n)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 10);
        assert!(seen.iter().all(|p| p.starts_with("/p/")));
    }

    #[test]
    fn values_are_encoded_and_paths_always_start_with_a_slash() {
        let t =
            RequestTemplate::new("GET", "/s/{q}", vec![("q".into(), Values::List(vec!["a b/c".into()]))], &[], None)
                .unwrap();
        assert_eq!(t.path_for(3), "/s/a%20b%2Fc");
        let (r, _) = t.build(0, "/", "h:1", "http", false).unwrap();
        assert_eq!(r.uri(), "/s/a%20b%2Fc");
        let bare = RequestTemplate::new("GET", "", vec![], &[], None).unwrap();
        assert_eq!(bare.build(0, "/", "h:1", "http", false).unwrap().0.uri(), "/");
        let query = RequestTemplate::new("GET", "?x=1", vec![], &[], None).unwrap();
        assert_eq!(query.build(0, "/api/", "h:1", "http", false).unwrap().0.uri(), "/api?x=1");
    }

    #[test]
    fn bad_parts_are_refused() {
        assert!(RequestTemplate::new("GE T", "/", vec![], &[], None).is_err());
        assert!(RequestTemplate::new("GET", "/", vec![], &[("bad header".into(), "x".into())], None).is_err());
    }
}
