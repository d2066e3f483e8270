//! The target of a phase: where to connect, and how (plain TCP or TLS with ALPN).

use std::sync::Arc;
use url::Url;

/// Why a target cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Not an http(s) URL with a host.
    #[error("`{0}` is not an http:// or https:// URL with a host")]
    Url(String),
    /// The TLS configuration could not be built.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
}

/// Where requests go.
#[derive(Clone)]
pub struct Target {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) authority: String,
    pub(crate) scheme: &'static str,
    pub(crate) base_path: String,
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({}://{}{})", self.scheme, self.authority, self.base_path)
    }
}

impl Target {
    /// A target from a base URL; paths of templates are appended to its path.
    pub fn new(url: &Url) -> Result<Target, TargetError> {
        let bad = || TargetError::Url(url.to_string());
        let scheme = match url.scheme() {
            "http" => "http",
            "https" => "https",
            _ => return Err(bad()),
        };
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(bad)?.to_string();
        let port = url.port_or_known_default().ok_or_else(bad)?;
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let tls = if scheme == "https" { Some(Arc::new(tls_config()?)) } else { None };
        Ok(Target { host, port, authority, scheme, base_path: url.path().to_string(), tls })
    }

    /// `scheme://authority`.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }
}

fn tls_config() -> Result<rustls::ClientConfig, TargetError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| TargetError::Tls(e.to_string()))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TargetError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
