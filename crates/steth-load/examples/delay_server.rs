//! A fixed-delay HTTP/1.1 keep-alive server for the benchmark: every answer leaves exactly
//! DELAY_MS after its request arrived (an OS sleep, accurate to ~0.1 ms, where an async timer
//! would round up to the next millisecond), so load tools can be compared against the truth.
//!
//! `cargo run --release -p steth-load --example delay_server -- PORT DELAY_MS`

use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(18981);
    let delay = Duration::from_secs_f64(args.next().and_then(|d| d.parse::<f64>().ok()).unwrap_or(20.0) / 1000.0);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut reader = BufReader::new(read);
            let mut line = String::new();
            loop {
                let mut length = 0usize;
                let mut started = None;
                loop {
                    line.clear();
                    match reader.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    started.get_or_insert_with(std::time::Instant::now);
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                if reader.read_exact(&mut body).await.is_err() {
                    return;
                }
                let left = delay.saturating_sub(started.map_or(Duration::ZERO, |s| s.elapsed()));
                let _ = tokio::task::spawn_blocking(move || std::thread::sleep(left)).await;
                if write.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await.is_err() {
                    return;
                }
            }
        });
    }
}
