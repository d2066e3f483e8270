//! Oversized bodies streamed to write endpoints (evidence for 1.6), generated on the fly and
//! never buffered.

use super::{ProbeClient, write_endpoints};
use futures_util::stream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use steth_core::config::Plan;
use steth_core::evidence::{BodyLimitAttempt, BodyLimitProbe, Slot};

/// At most this many write endpoints get an oversized body.
pub(super) const MAX_ENDPOINTS: usize = 5;
/// Tries per endpoint when the connection is reset before an answer could be read.
pub(super) const MAX_TRIES: u32 = 3;
/// The body pauses briefly after every this many bytes...
const PAUSE_EVERY: u64 = 512 * 1024;
/// ...for this long (about 0.8 s over a 16 MiB body).
const PAUSE: std::time::Duration = std::time::Duration::from_millis(25);
/// The body goes out in chunks of this size.
const CHUNK: usize = 64 * 1024;
const HEAD: &[u8] = br#"{"stethoscope_padding":""#;
const TAIL: &[u8] = br#""}"#;

/// A JSON body of exactly `size` bytes (at least its head and tail), produced chunk by chunk;
/// `taken` counts the bytes handed to the connection.
fn oversized_body(size: u64, taken: Arc<AtomicU64>) -> reqwest::Body {
    reqwest::Body::wrap_stream(chunks(size, taken))
}

fn chunks(size: u64, taken: Arc<AtomicU64>) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    let filler = vec![b'a'; CHUNK];
    let size = size.max((HEAD.len() + TAIL.len()) as u64);
    stream::unfold(0u64, move |sent| {
        let taken = Arc::clone(&taken);
        let filler = filler.clone();
        async move {
            if sent >= size {
                return None;
            }
            if sent > 0 && sent % PAUSE_EVERY < CHUNK as u64 {
                // A server that refuses early closes the connection; a write racing its answer
                // fails with a broken pipe before the answer is read. Pausing now and then lets
                // the client read an answer that has arrived.
                tokio::time::sleep(PAUSE).await;
            }
            let mut chunk = Vec::with_capacity(CHUNK);
            if sent == 0 {
                chunk.extend_from_slice(HEAD);
            }
            let room = (size - sent).saturating_sub(TAIL.len() as u64);
            let fill = room.min((CHUNK - chunk.len()) as u64) as usize;
            chunk.extend_from_slice(&filler[..fill]);
            if sent + chunk.len() as u64 + TAIL.len() as u64 >= size {
                chunk.extend_from_slice(TAIL);
            }
            let next = sent + chunk.len() as u64;
            taken.store(next, Ordering::SeqCst);
            Some((Ok::<_, std::io::Error>(chunk), next))
        }
    })
}

/// Streams the oversized body to each write endpoint and records when and how it answered.
pub(super) async fn probe(client: &ProbeClient, plan: &Plan) -> Slot<BodyLimitProbe> {
    let size = plan.probes.body_size;
    let mut attempts = Vec::new();
    for e in write_endpoints(plan).take(MAX_ENDPOINTS) {
        let path = e.path_for(0);
        let mut headers = plan.headers_for(e);
        headers.push(("content-type".into(), "application/json".into()));
        let method = reqwest::Method::from_bytes(e.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut tries = 0;
        let (status, error, timed_out, bytes_sent, elapsed) = loop {
            tries += 1;
            let taken = Arc::new(AtomicU64::new(0));
            let body = oversized_body(size, Arc::clone(&taken));
            let start = Instant::now();
            let sent =
                tokio::time::timeout(client.timeout(), client.call(method.clone(), &path, &headers, Some(body))).await;
            let bytes_sent = taken.load(Ordering::SeqCst);
            let (status, error, timed_out) = match sent {
                Ok(Ok(response)) => (Some(response.status().as_u16()), None, false),
                Ok(Err(e)) => {
                    let timed_out = e.starts_with("timed out");
                    (None, Some(e), timed_out)
                }
                Err(_) => (None, Some(format!("no answer within {} s", client.timeout().as_secs_f64())), true),
            };
            // A server that answers early and closes while the body still arrives resets the
            // connection, which can destroy its answer before it is read: try again.
            let lost = status.is_none() && !timed_out && bytes_sent > 0 && bytes_sent < size;
            if !lost || tries == MAX_TRIES {
                break (status, error, timed_out, bytes_sent, start.elapsed());
            }
        };
        attempts.push(BodyLimitAttempt {
            request: format!("{} {path}", e.method),
            status,
            bytes_sent,
            body_complete: bytes_sent >= size,
            elapsed_ms: elapsed.as_millis() as u64,
            timed_out,
            error,
        });
    }
    Slot::collected(BodyLimitProbe { body_bytes: size, attempts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn the_body_is_valid_json_of_the_exact_size() {
        let taken = Arc::new(AtomicU64::new(0));
        let mut stream = Box::pin(chunks(200_000, Arc::clone(&taken)));
        let mut all = Vec::new();
        while let Some(chunk) = stream.next().await {
            all.extend_from_slice(&chunk.expect("chunk"));
        }
        assert_eq!(all.len(), 200_000);
        assert_eq!(taken.load(Ordering::SeqCst), 200_000);
        let json: serde_json::Value = serde_json::from_slice(&all).expect("valid JSON");
        assert!(json["stethoscope_padding"].as_str().is_some_and(|s| s.len() > 199_000));
    }
}
