//! A tiny HTTP/1.1 keep-alive server on 127.0.0.1 whose answers (status, delay) are planted
//! per request by a closure, for testing the engine against known distributions.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the server does with the n-th request (0-based, counted across connections), at the
/// time it arrives relative to the first request.
pub type Behaviour = Arc<dyn Fn(u64, Duration) -> (u16, Duration) + Send + Sync>;

/// The delays the server really applied, in µs: a sleep overshoots its request a little, so
/// tests compare the engine with what was realized, not with what was asked for.
pub type Realized = Arc<std::sync::Mutex<hdrhistogram::Histogram<u64>>>;

/// Starts the server; it runs until the test's runtime ends.
pub async fn serve(behaviour: Behaviour) -> SocketAddr {
    serve_recording(behaviour).await.0
}

/// Starts the server and returns the histogram of the delays it applied.
pub async fn serve_recording(behaviour: Behaviour) -> (SocketAddr, Realized) {
    let realized: Realized = Arc::new(std::sync::Mutex::new(steth_load::histogram()));
    let record = realized.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counter = Arc::new(AtomicU64::new(0));
    let first = Arc::new(std::sync::OnceLock::<Instant>::new());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let _ = stream.set_nodelay(true);
            let (behaviour, counter, first, record) =
                (behaviour.clone(), counter.clone(), first.clone(), record.clone());
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    let mut first_line = true;
                    loop {
                        line.clear();
                        match reader.read_line(&mut line).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        if line == "\r\n" && !first_line {
                            break;
                        }
                        first_line = false;
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; length];
                    if reader.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    let since = first.get_or_init(Instant::now).elapsed();
                    let (status, delay) = behaviour(n, since);
                    let began = Instant::now();
                    if !delay.is_zero() {
                        // The OS timer is finer than tokio's millisecond wheel.
                        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(delay)).await;
                    }
                    if let Ok(mut h) = record.lock() {
                        h.saturating_record(began.elapsed().as_micros() as u64);
                    }
                    let response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nserver-timing: db;dur=1.5, app;dur=0.5\r\n\r\nok"
                    );
                    if write.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, realized)
}
