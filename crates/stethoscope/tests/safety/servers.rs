//! Servers the safety tests point the binary at: a recording HTTP service (it logs every
//! request, logs users in, serves metrics), hostile raw-TCP servers (an endless body, a drip),
//! an HTTPS server with a certificate made in the test, and a free-port finder.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The password the recording service's login accepts.
pub const RIGHT_PASSWORD: &str = "RIGHT-PASSWORD";
/// The token it hands out: a secret too.
pub const ISSUED_TOKEN: &str = "tok-SERVER-ISSUED-SECRET-7";

/// One request as the service received it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Sent with `Transfer-Encoding: chunked` (the streamed oversized body).
    pub chunked: bool,
    /// The first bytes of the body.
    pub body: String,
    /// When it arrived.
    pub at: Instant,
}

/// A recording service on a loopback port, running on its own runtime.
pub struct Recorder {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Every request received.
    pub seen: Arc<Mutex<Vec<Seen>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Recorder {
    /// Starts it.
    pub fn start() -> Recorder {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(record).with_state(seen.clone());
        runtime.spawn(async move { axum::serve(listener, app).await });
        Recorder { url, seen, _runtime: runtime }
    }

    /// Requests so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Forgets what was recorded.
    pub fn clear(&self) {
        self.seen.lock().unwrap().clear();
    }
}

async fn record(State(seen): State<Arc<Mutex<Vec<Seen>>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let chunked = header(&parts.headers, "transfer-encoding").contains("chunked");
    let path = parts.uri.path_and_query().map_or("/".to_string(), |p| p.to_string());
    let entry =
        |body: String| Seen { method: parts.method.to_string(), path: path.clone(), chunked, body, at: Instant::now() };
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            seen.lock().unwrap().push(entry("<over 64 KiB>".into()));
            return StatusCode::PAYLOAD_TOO_LARGE.into_response();
        }
    };
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]).into_owned();
    seen.lock().unwrap().push(entry(text.clone()));
    match (parts.method.as_str(), parts.uri.path()) {
        ("POST", "/login") if text.contains(RIGHT_PASSWORD) => {
            json(StatusCode::OK, format!("{{\"token\":\"{ISSUED_TOKEN}\"}}"))
        }
        ("POST", "/login") => json(StatusCode::UNAUTHORIZED, "{\"error\":\"bad credentials\"}".into()),
        ("POST", "/orders") => {
            let id = seen.lock().unwrap().len();
            let mut answer = json(StatusCode::CREATED, format!("{{\"order\":{{\"id\":{id}}}}}"));
            answer.headers_mut().insert("location", format!("/orders/{id}").parse().unwrap());
            answer
        }
        (_, "/metrics") => (StatusCode::OK, "db_queries_total 1\n").into_response(),
        _ => json(StatusCode::OK, "[]".into()),
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase()
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [("content-type", "application/json")], Body::from(body)).into_response()
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// How a hostile server answers every request.
#[derive(Debug, Clone, Copy)]
pub enum Hostility {
    /// A 200 with a body that never ends.
    Endless,
    /// A 200 whose body arrives one byte a second.
    Drip,
}

/// A raw TCP server answering every connection with `how`; returns its base URL.
pub fn hostile(how: Hostility) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve_hostile(stream, how));
        }
    });
    url
}

fn serve_hostile(mut stream: TcpStream, how: Hostility) {
    let mut buf = [0u8; 4096];
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.read(&mut buf);
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n");
    let chunk = "db_queries_total{a=\"x\"} 1\n".repeat(2000);
    loop {
        let sent = match how {
            Hostility::Endless => stream.write_all(chunk.as_bytes()),
            Hostility::Drip => {
                std::thread::sleep(Duration::from_secs(1));
                stream.write_all(b"d")
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

/// An HTTPS server (`openssl s_server -www`) with a self-signed certificate made in `dir`;
/// killed when dropped.
pub struct Https {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
}

impl Https {
    /// Makes the certificate and starts the server.
    pub fn start(dir: &Path) -> Https {
        let (cert, key) = self_signed(dir, "localhost");
        let port = free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept", &port.to_string(), "-cert"])
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl runs");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "openssl s_server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Https { url: format!("https://127.0.0.1:{port}"), child }
    }
}

impl Drop for Https {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate and its key (PEM files in `dir`) for `name` and 127.0.0.1.
pub fn self_signed(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", &format!("/CN={name}"), "-addext", &format!("subjectAltName=DNS:{name},IP:127.0.0.1")])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl made no certificate");
    (cert, key)
}
