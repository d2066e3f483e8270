//! Hostile targets on 127.0.0.1: an endless body, a 1 byte/s drip and a connection closed
//! mid-response. Every probe must end bounded in bytes and time, with `error` and a reason.

use std::time::{Duration, Instant};
use steth_collect::http::ProbeClient;
use steth_core::Status;
use steth_core::catalog;
use steth_core::config::{Endpoint, Plan, ProbeSettings, Target};
use steth_core::evidence::{Evidence, HttpEvidence, Slot};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the server misbehaves once it has read a request.
#[derive(Clone, Copy)]
enum Hostility {
    /// Announces 10 GB and sends zeros until the client goes away.
    EndlessBody,
    /// Announces 1000 bytes and sends one per second.
    Drip,
    /// Announces 1000 bytes, sends 10 and closes the connection.
    CloseMidway,
}

const TEN_GB: u64 = 10 * 1024 * 1024 * 1024;
const CAP: u64 = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(1);

async fn read_head(stream: &mut TcpStream) -> bool {
    let mut buf = vec![0u8; 16 * 1024];
    let mut seen = Vec::new();
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
        if seen.windows(4).any(|w| w == b"\r\n\r\n") {
            return true;
        }
    }
}

async fn serve(mut stream: TcpStream, hostility: Hostility) {
    if !read_head(&mut stream).await {
        return;
    }
    let length = match hostility {
        Hostility::EndlessBody => TEN_GB,
        Hostility::Drip | Hostility::CloseMidway => 1000,
    };
    let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    match hostility {
        Hostility::EndlessBody => {
            let chunk = vec![b'['; 64 * 1024];
            let mut sent = 0u64;
            while sent < TEN_GB && stream.write_all(&chunk).await.is_ok() {
                sent += chunk.len() as u64;
            }
        }
        Hostility::Drip => {
            for _ in 0..1000 {
                if stream.write_all(b"[").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Hostility::CloseMidway => {
            let _ = stream.write_all(b"[1,2,3,4,5").await;
            let _ = stream.shutdown().await;
        }
    }
}

async fn hostile(hostility: Hostility) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, hostility));
        }
    });
    format!("http://{addr}")
}

fn plan(base_url: &str) -> Plan {
    let login = Endpoint { public: true, login: true, ..Endpoint::new("POST", "/login") };
    let list = Endpoint { public: true, list: true, ..Endpoint::new("GET", "/items") };
    Plan {
        target: Some(Target {
            base_url: base_url.parse().expect("url"),
            serverless: false,
            timeout: TIMEOUT,
            peak_rps: None,
        }),
        endpoints: vec![list, login],
        probes: ProbeSettings { max_response: CAP, ..ProbeSettings::default() },
        ..Plan::default()
    }
}

fn client(base_url: &str) -> ProbeClient {
    ProbeClient::new(plan(base_url).target.as_ref().expect("target")).expect("client")
}

/// Runs every HTTP probe against the target, asserting it ends within a bound.
async fn collect(base_url: &str) -> HttpEvidence {
    let start = Instant::now();
    let slot = tokio::time::timeout(Duration::from_secs(30), steth_collect::http::collect(&plan(base_url)))
        .await
        .expect("the HTTP probes end within 30 s");
    eprintln!("probes took {:?}", start.elapsed());
    match slot {
        Slot::Collected { data } => data.with(steth_collect::http::Bursts::not_run()),
        other => panic!("expected evidence, got {other:?}"),
    }
}

fn assess(http: HttpEvidence, id: &str) -> (Status, String) {
    let item = catalog::find(id).expect("item");
    let evidence = Evidence { http: Slot::collected(http), ..Evidence::default() };
    let o = item.assess(&evidence, &item.default_threshold);
    (o.status, o.evidence)
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap() {
    let url = hostile(Hostility::EndlessBody).await;
    let start = Instant::now();
    let f = client(&url).fetch(reqwest::Method::GET, "/items", &[], None, CAP).await.expect("answer");
    assert!(f.truncated && f.body.len() as u64 == CAP, "read {} bytes", f.body.len());
    assert!(start.elapsed() < TIMEOUT * 2);
    let (status, why) = assess(collect(&url).await, "8.7");
    assert_eq!(status, Status::Error, "{why}");
    assert!(why.contains("read cap"), "{why}");
    let (status, why) = assess(collect(&url).await, "8.8");
    assert_eq!(status, Status::Fail, "{why}");
}

#[tokio::test]
async fn a_dripping_body_ends_at_the_deadline() {
    let url = hostile(Hostility::Drip).await;
    let start = Instant::now();
    let e = client(&url).fetch(reqwest::Method::GET, "/items", &[], None, CAP).await.expect_err("no full answer");
    assert!(e.contains("timed out"), "{e}");
    assert!(start.elapsed() < TIMEOUT * 3, "took {:?}", start.elapsed());
    let http = collect(&url).await;
    for id in ["8.7", "8.8"] {
        let (status, why) = assess(http.clone(), id);
        assert_eq!(status, Status::Error, "{id}: {why}");
        assert!(why.contains("timed out"), "{id}: {why}");
    }
}

#[tokio::test]
async fn a_connection_closed_midway_is_an_error() {
    let url = hostile(Hostility::CloseMidway).await;
    let e = client(&url).fetch(reqwest::Method::GET, "/items", &[], None, CAP).await.expect_err("broken body");
    assert!(e.contains("connection broken after"), "{e}");
    let http = collect(&url).await;
    for id in ["8.7", "8.8"] {
        let (status, why) = assess(http.clone(), id);
        assert_eq!(status, Status::Error, "{id}: {why}");
        assert!(why.contains("connection broken"), "{id}: {why}");
    }
}

#[tokio::test]
async fn bursts_at_a_dripping_target_give_up_early() {
    let url = hostile(Hostility::Drip).await;
    let start = Instant::now();
    let bursts = tokio::time::timeout(Duration::from_secs(15), steth_collect::http::collect_bursts(&plan(&url)))
        .await
        .expect("the bursts end within 15 s");
    assert!(start.elapsed() < TIMEOUT * 6, "took {:?}", start.elapsed());
    let http = match steth_collect::http::collect(&plan(&url)).await {
        Slot::Collected { data } => data.with(bursts),
        other => panic!("expected evidence, got {other:?}"),
    };
    for id in ["6.3", "6.4"] {
        let (status, why) = assess(http.clone(), id);
        assert_eq!(status, Status::Error, "{id}: {why}");
        assert!(why.contains("timed out"), "{id}: {why}");
    }
}
