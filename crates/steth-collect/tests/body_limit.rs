//! The oversized-body probe (1.6) against small servers on 127.0.0.1: one that refuses early,
//! one that reads everything and accepts it, one that reads everything and never answers.

use std::time::{Duration, Instant};
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{Endpoint, Plan, Target};
use steth_core::evidence::Evidence;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy)]
enum Server {
    /// 413 after the head, then reads and discards what still comes (a lingering close).
    RefusesEarly,
    /// Reads the whole chunked body, then 201.
    AcceptsAll,
    /// Reads the whole body and never answers.
    Hangs,
}

/// Reads until the end of the chunked body (`0\r\n\r\n`) or the connection closes.
async fn read_all(stream: &mut TcpStream, mut seen: Vec<u8>) {
    let mut buf = vec![0u8; 256 * 1024];
    while !seen.ends_with(b"0\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let keep = seen.len().saturating_sub(8);
                seen.drain(..keep);
                seen.extend_from_slice(&buf[..n]);
            }
        }
    }
}

async fn serve(mut stream: TcpStream, server: Server) {
    let mut head = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    if !head.starts_with(b"POST") {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
        return;
    }
    match server {
        Server::RefusesEarly => {
            let _ = stream.write_all(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n").await;
            let _ = tokio::time::timeout(Duration::from_secs(5), read_all(&mut stream, Vec::new())).await;
        }
        Server::AcceptsAll => {
            read_all(&mut stream, head).await;
            let _ = stream.write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n").await;
        }
        Server::Hangs => {
            read_all(&mut stream, head).await;
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }
}

async fn start(server: Server) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, server));
        }
    });
    format!("http://{addr}")
}

/// Runs the HTTP probes with one write endpoint and assesses 1.6.
async fn assess(server: Server) -> (Status, String, u64) {
    let url = start(server).await;
    let create = Endpoint { public: true, ..Endpoint::new("POST", "/orders") };
    let plan = Plan {
        target: Some(Target {
            base_url: url.parse().expect("url"),
            serverless: false,
            timeout: Duration::from_secs(2),
            peak_rps: None,
        }),
        endpoints: vec![create],
        ..Plan::default()
    };
    let start = Instant::now();
    let http = tokio::time::timeout(Duration::from_secs(30), steth_collect::http::collect(&plan))
        .await
        .expect("bounded")
        .map(|probes| probes.with(steth_collect::http::Bursts::not_run()));
    let took = start.elapsed().as_secs();
    let item = catalog::find("1.6").expect("1.6");
    let o = item.assess(&Evidence { http, ..Evidence::default() }, &item.default_threshold);
    (o.status, format!("{} | {}", o.evidence, o.findings.join("; ")), took)
}

#[tokio::test]
async fn an_early_413_passes() {
    let (status, why, _) = assess(Server::RefusesEarly).await;
    assert_eq!(status, Status::Pass, "{why}");
}

#[tokio::test]
async fn a_body_read_in_full_and_accepted_fails() {
    let (status, why, _) = assess(Server::AcceptsAll).await;
    assert_eq!(status, Status::Fail, "{why}");
    assert!(why.contains("201 after the whole body"), "{why}");
}

#[tokio::test]
async fn no_answer_within_the_timeout_fails() {
    let (status, why, took) = assess(Server::Hangs).await;
    assert_eq!(status, Status::Fail, "{why}");
    assert!(why.contains("no answer"), "{why}");
    assert!(took < 20, "took {took} s");
}
