//! One connection to the target: TCP (and TLS with ALPN), then an HTTP/1.1 or HTTP/2
//! handshake. Its setup times feed the connect and TLS histograms.

use crate::recorder::ErrorKind;
use crate::target::Target;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

enum Sender {
    H1(http1::SendRequest<Full<Bytes>>),
    H2(http2::SendRequest<Full<Bytes>>),
}

/// An open connection.
pub(crate) struct Connection {
    sender: Sender,
    /// TCP connect time.
    pub(crate) connect: Duration,
    /// TLS handshake time, on HTTPS.
    pub(crate) tls: Option<Duration>,
}

/// A connection that could not be opened.
pub(crate) struct OpenError {
    pub(crate) kind: ErrorKind,
}

impl Connection {
    /// Opens a connection within `timeout`.
    pub(crate) async fn open(target: &Target, timeout: Duration) -> Result<Connection, OpenError> {
        let start = Instant::now();
        let connect_error = |_| OpenError { kind: ErrorKind::Connect };
        let tcp = tokio::time::timeout(timeout, TcpStream::connect((target.host.as_str(), target.port)))
            .await
            .map_err(|_| OpenError { kind: ErrorKind::Connect })?
            .map_err(connect_error)?;
        let _ = tcp.set_nodelay(true);
        let connect = start.elapsed();
        match &target.tls {
            None => {
                let (sender, conn) =
                    http1::handshake(TokioIo::new(tcp)).await.map_err(|_| OpenError { kind: ErrorKind::Protocol })?;
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                Ok(Connection { sender: Sender::H1(sender), connect, tls: None })
            }
            Some(config) => {
                let tls_start = Instant::now();
                let name = rustls::pki_types::ServerName::try_from(target.host.clone())
                    .map_err(|_| OpenError { kind: ErrorKind::Connect })?;
                let connector = tokio_rustls::TlsConnector::from(config.clone());
                let stream = tokio::time::timeout(timeout, connector.connect(name, tcp))
                    .await
                    .map_err(|_| OpenError { kind: ErrorKind::Connect })?
                    .map_err(|_| OpenError { kind: ErrorKind::Protocol })?;
                let tls = Some(tls_start.elapsed());
                let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                let io = TokioIo::new(stream);
                if h2 {
                    let (sender, conn) = http2::handshake(TokioExecutor::new(), io)
                        .await
                        .map_err(|_| OpenError { kind: ErrorKind::Protocol })?;
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                    Ok(Connection { sender: Sender::H2(sender), connect, tls })
                } else {
                    let (sender, conn) =
                        http1::handshake(io).await.map_err(|_| OpenError { kind: ErrorKind::Protocol })?;
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                    Ok(Connection { sender: Sender::H1(sender), connect, tls })
                }
            }
        }
    }

    /// Whether the connection speaks HTTP/2.
    pub(crate) fn is_http2(&self) -> bool {
        matches!(self.sender, Sender::H2(_))
    }

    /// Whether the connection can take another request (the server may have closed it).
    pub(crate) fn is_usable(&self) -> bool {
        match &self.sender {
            Sender::H1(s) => !s.is_closed(),
            Sender::H2(s) => !s.is_closed(),
        }
    }

    /// Sends one request and returns the response head; the body is read by the caller.
    pub(crate) async fn send(&mut self, request: Request<Full<Bytes>>) -> Result<Response<Incoming>, hyper::Error> {
        match &mut self.sender {
            Sender::H1(s) => {
                s.ready().await?;
                s.send_request(request).await
            }
            Sender::H2(s) => {
                s.ready().await?;
                s.send_request(request).await
            }
        }
    }
}
