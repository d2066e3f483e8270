//! Evidence for the extended items: a compressed answer asked for, an ETag and a conditional
//! repeat, and a POST repeated with the same `Idempotency-Key`.

use super::correlation::random_u64;
use super::{ProbeClient, sample_paths, write_endpoints};
use reqwest::Method;
use steth_core::config::Plan;
use steth_core::evidence::{CompressionProbe, ConditionalProbe, IdempotencyProbe, Slot};

/// The answers to an idempotent repeat are small documents.
const ANSWER_CAP: u64 = 64 * 1024;

/// The read path the extended probes use: the first read endpoint, else the base path.
fn read_path(plan: &Plan) -> (String, Vec<(String, String)>) {
    let paths = sample_paths(plan, 1);
    paths.last().cloned().unwrap_or(("/".into(), Vec::new()))
}

/// Below this many bytes an uncompressed answer says nothing about compression (X.1).
const WORTH_COMPRESSING: u64 = 1024;

/// Asks the sampled read paths for a gzip or brotli answer and records the first that is
/// compressed or at least 1 KiB (else the largest): a 50-byte answer says nothing about
/// compression. Nothing is decompressed.
pub(super) async fn probe_compression(client: &ProbeClient, plan: &Plan) -> Slot<CompressionProbe> {
    let mut best: Option<CompressionProbe> = None;
    let mut last_error = None;
    let mut paths = sample_paths(plan, 5);
    // Endpoints first, the base path last: it is the least likely to carry a real payload.
    paths.rotate_left(1);
    for (path, mut headers) in paths {
        headers.push(("accept-encoding".into(), "gzip, br".into()));
        match client.fetch(Method::GET, &path, &headers, None, plan.probes.max_response).await {
            Ok(f) => {
                let probe = CompressionProbe {
                    request: format!("GET {path}"),
                    status: f.answer.status,
                    content_encoding: f.answer.header("content-encoding").map(String::from),
                    vary: f.answer.header("vary").map(String::from),
                    bytes: f.body.len() as u64,
                };
                let telling = (200..300).contains(&probe.status)
                    && (probe.content_encoding.is_some() || probe.bytes >= WORTH_COMPRESSING);
                if telling {
                    return Slot::collected(probe);
                }
                if best.as_ref().is_none_or(|b| probe.bytes > b.bytes) {
                    best = Some(probe);
                }
            }
            Err(e) => last_error = Some(format!("GET {path}: {e}")),
        }
    }
    match (best, last_error) {
        (Some(probe), _) => Slot::collected(probe),
        (None, Some(e)) => Slot::failed(e),
        (None, None) => Slot::unavailable("no read path to ask"),
    }
}

/// Requests the read path, then again with `If-None-Match` when an ETag came.
pub(super) async fn probe_conditional(client: &ProbeClient, plan: &Plan) -> Slot<ConditionalProbe> {
    let (path, headers) = read_path(plan);
    let first = match client.call(Method::GET, &path, &headers, None).await {
        Ok(r) => super::client::answer_of(&r),
        Err(e) => return Slot::failed(format!("GET {path}: {e}")),
    };
    let etag = first.header("etag").map(String::from);
    let repeat_status = match &etag {
        Some(tag) => {
            let mut conditional = headers.clone();
            conditional.push(("if-none-match".into(), tag.clone()));
            client.call(Method::GET, &path, &conditional, None).await.ok().map(|r| r.status().as_u16())
        }
        None => None,
    };
    Slot::collected(ConditionalProbe {
        request: format!("GET {path}"),
        status: first.status,
        etag,
        last_modified: first.header("last-modified").map(String::from),
        repeat_status,
    })
}

/// Sends the first authenticated write endpoint's body twice with the same key.
pub(super) async fn probe_idempotency(client: &ProbeClient, plan: &Plan) -> Slot<IdempotencyProbe> {
    let Some(e) = write_endpoints(plan).find(|e| e.identity.is_some() && e.body.is_some()) else {
        return Slot::unavailable("no write endpoint with an identity and a body is configured");
    };
    let path = e.path_for(0);
    let method = Method::from_bytes(e.method.as_bytes()).unwrap_or(Method::POST);
    let mut headers = plan.headers_for(e);
    headers.push(("content-type".into(), "application/json".into()));
    headers.push(("idempotency-key".into(), format!("stethoscope-{:016x}", random_u64())));
    let body = crate::load::probe_body(plan, e).unwrap_or_default();
    let mut answers = Vec::new();
    for _ in 0..2 {
        match client.fetch(method.clone(), &path, &headers, Some(body.clone().into()), ANSWER_CAP).await {
            Ok(f) => answers.push(f),
            Err(err) => return Slot::failed(format!("{method} {path}: {err}")),
        }
    }
    let (first, second) = (&answers[0], &answers[1]);
    let id = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).ok().and_then(|v| v.get("id").cloned());
    Slot::collected(IdempotencyProbe {
        request: format!("{method} {path}"),
        first_status: first.answer.status,
        second_status: second.answer.status,
        replayed_header: ["idempotent-replayed", "idempotency-replayed"]
            .iter()
            .find_map(|h| second.answer.header(h))
            .map(String::from),
        same_body: first.body == second.body || id(&first.body).is_some_and(|i| Some(i) == id(&second.body)),
    })
}
