//! TLS to PostgreSQL with rustls, as libpq's `sslmode` and `sslrootcert` ask: `disable` (the
//! default here), `allow`/`prefer` (TLS when offered, unverified), `require` (TLS, unverified
//! unless `sslrootcert` is given, then as `verify-ca`), `verify-ca` (the chain against the
//! root, any host name) and `verify-full` (the chain and the host name).

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// A connection's settings and, when TLS may be used, its connector.
pub(crate) struct Dsn {
    /// The driver's settings (the TLS parameters taken out).
    pub(crate) config: tokio_postgres::Config,
    /// The TLS connector, unless `sslmode=disable`.
    pub(crate) tls: Option<MakeRustlsConnect>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verify {
    Nothing,
    Chain,
    ChainAndName,
}

/// Parses a PostgreSQL URL with its TLS parameters. Errors name the URL as `shown`.
pub(crate) fn parse(url: &str, shown: &str) -> Result<Dsn, String> {
    let mut parsed = url::Url::parse(url).map_err(|e| format!("invalid PostgreSQL URL {shown}: {e}"))?;
    let mut mode = "disable".to_string();
    let mut root = None;
    let rest: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(k, v)| match k.as_ref() {
            "sslmode" => {
                mode = v.into_owned();
                None
            }
            "sslrootcert" => {
                root = Some(v.into_owned());
                None
            }
            _ => Some((k.into_owned(), v.into_owned())),
        })
        .collect();
    if rest.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(rest);
    }
    let mut config: tokio_postgres::Config =
        parsed.as_str().parse().map_err(|e| format!("invalid PostgreSQL URL {shown}: {e}"))?;
    let (ssl, verify) = match mode.as_str() {
        "disable" => (SslMode::Disable, None),
        "allow" | "prefer" => (SslMode::Prefer, Some(Verify::Nothing)),
        "require" if root.is_some() => (SslMode::Require, Some(Verify::Chain)),
        "require" => (SslMode::Require, Some(Verify::Nothing)),
        "verify-ca" => (SslMode::Require, Some(Verify::Chain)),
        "verify-full" => (SslMode::Require, Some(Verify::ChainAndName)),
        other => {
            return Err(format!(
                "{shown}: sslmode `{other}` is not one of disable, allow, prefer, require, verify-ca, verify-full"
            ));
        }
    };
    config.ssl_mode(ssl);
    let tls = match verify {
        None => None,
        Some(verify) => Some(MakeRustlsConnect::new(client_config(verify, root.as_deref(), shown)?)),
    };
    Ok(Dsn { config, tls })
}

fn client_config(verify: Verify, root: Option<&str>, shown: &str) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = match verify {
        Verify::Nothing => None,
        _ => Some(
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots(root, shown)?), provider.clone())
                .build()
                .map_err(|e| format!("{shown}: cannot use the root certificates: {e}"))?,
        ),
    };
    let verifier = Arc::new(PgVerifier { chain, names: verify == Verify::ChainAndName, provider: provider.clone() });
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("{shown}: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// The trusted roots: `sslrootcert`'s PEM file, else the system's.
fn roots(root: Option<&str>, shown: &str) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match root {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("{shown}: cannot read sslrootcert {path}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{shown}: sslrootcert {path} is not PEM certificates: {e}"))?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!("{shown}: sslrootcert {path} holds no usable certificate"));
            }
        }
        None => {
            store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    Ok(store)
}

/// The server certificate check of one sslmode: no chain check (`prefer`, `require` without a
/// root: encrypted, not authenticated, as libpq does), the chain only (`verify-ca`), or the
/// chain and the host name (`verify-full`). Handshake signatures are always verified.
#[derive(Debug)]
struct PgVerifier {
    chain: Option<Arc<WebPkiServerVerifier>>,
    names: bool,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for PgVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else { return Ok(ServerCertVerified::assertion()) };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.names => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
