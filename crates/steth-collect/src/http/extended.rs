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
    let (path, identity) = paths.last().cloned().unwrap_or(("/".into(), None));
    (path, ProbeClient::credentials(plan, identity))
}

/// Asks for a gzip or brotli answer and records what came (never decompressed).
pub(super) async fn probe_compression(client: &ProbeClient, plan: &Plan) -> Slot<CompressionProbe> {
    let (path, mut headers) = read_path(plan);
    headers.push(("accept-encoding".into(), "gzip, br".into()));
    match client.fetch(Method::GET, &path, &headers, None, plan.probes.max_response).await {
        Ok(f) => Slot::collected(CompressionProbe {
            request: format!("GET {path}"),
            status: f.answer.status,
            content_encoding: f.answer.header("content-encoding").map(String::from),
            vary: f.answer.header("vary").map(String::from),
            bytes: f.body.len() as u64,
        }),
        Err(e) => Slot::failed(format!("GET {path}: {e}")),
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
    let mut headers = ProbeClient::credentials(plan, e.identity.as_deref());
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
