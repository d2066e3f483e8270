//! 1.6 request-size-limit: request size limit enforced.

use crate::catalog::prelude::*;
use crate::evidence::BodyLimitAttempt;
use crate::threshold::format_bytes;

declare_item! {
    /// ## What it checks
    /// That write endpoints enforce a maximum request body size and reject larger bodies early.
    /// By default stethoscope sends a **16 MiB** body; the server must refuse it with `413
    /// Payload Too Large` (or `400`) without reading the whole body first.
    ///
    /// ## Why it matters
    /// Without a limit, one client can send a multi-gigabyte JSON body that the framework buffers
    /// and parses in memory. A few such requests in parallel push the process into the OOM
    /// killer, and the resulting restart drops every other in-flight request. Large bodies also
    /// tie up workers while they trickle in, which makes a cheap denial-of-service.
    ///
    /// ## How it is measured
    /// Source: **http**. For each write endpoint (login endpoints excepted: their strict rate
    /// limit is left to 6.4) stethoscope streams an oversized JSON body (16 MiB by default,
    /// `[probes] body_size`) with chunked transfer encoding, generated on the fly and never
    /// buffered, with the endpoint's identity credentials, and records how many
    /// bytes the server had taken when its answer arrived. A `413` or `400` that arrives before
    /// the body has been fully sent passes. A `2xx` (the body was accepted), a `5xx` (the server
    /// choked on it), any answer after the whole body was read, or no answer within the timeout
    /// fails; a connection closed without an answer warns. A server that answers early and
    /// closes can break the connection before its answer is read, so the body pauses 25 ms
    /// every 512 KiB to read an answer that has arrived, and a lost answer is tried again, up
    /// to three times. A `401`/`403` says nothing about the limit and leaves the endpoint unassessed. If
    /// the server accepts the body, the endpoint may have processed it, so run this against a
    /// non-production environment. The threshold is the largest body a server may accept; the
    /// probe body must exceed it:
    ///
    /// ```toml
    /// [probes]
    /// body_size = "32MiB"
    /// [thresholds]
    /// "1.6" = "16MiB"
    /// ```
    ///
    /// ## How to fix
    /// Enforce the limit as close to the edge as possible, and again in the application:
    ///
    /// ```nginx
    /// client_max_body_size 1m;
    /// ```
    ///
    /// ```javascript
    /// app.use(express.json({ limit: "1mb" }));
    /// ```
    ///
    /// In Go wrap `r.Body` with `http.MaxBytesReader`; in ASP.NET Core lower Kestrel's
    /// `Limits.MaxRequestBodySize`. Give upload endpoints their own, larger limit, or better,
    /// presigned URLs (8.6).
    pub REQUEST_SIZE_LIMIT = {
        id: "1.6",
        slug: "request-size-limit",
        title: "Request size limit enforced",
        section: ApiPerformance,
        threshold: Threshold::bytes_at_most(16 * 1024 * 1024),
        sources: [Http],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn describe(a: &BodyLimitAttempt) -> String {
    let answer = match (a.status, &a.error) {
        (Some(s), _) => s.to_string(),
        (None, Some(e)) => format!("no answer ({e})"),
        (None, None) => "no answer".into(),
    };
    let sent = if a.body_complete { "the whole body".to_string() } else { format_bytes(a.bytes_sent) };
    format!("{} → {answer} after {sent} in {} ms", a.request, a.elapsed_ms)
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.body_limit.get()?;
    if (probe.body_bytes as f64) < threshold.limit_number() {
        return Err(Outcome::not_assessed(format!(
            "the probe body ({}) is smaller than the threshold ({threshold}); raise [probes] body_size",
            format_bytes(probe.body_bytes)
        )));
    }
    if probe.attempts.is_empty() {
        return Err(Outcome::not_assessed("no write endpoint is configured"));
    }
    let (mut enforced, mut failed, mut unclear) = (0usize, Vec::new(), Vec::new());
    for a in &probe.attempts {
        match a.status {
            Some(400 | 413) if !a.body_complete => enforced += 1,
            Some(401 | 403) => unclear.push(format!("{}: authentication refused first", describe(a))),
            Some(s) if a.body_complete || (200..300).contains(&s) || s >= 500 => failed.push(describe(a)),
            Some(_) => unclear.push(describe(a)),
            None if a.timed_out => failed.push(describe(a)),
            None => unclear.push(describe(a)),
        }
    }
    let size = format_bytes(probe.body_bytes);
    let total = probe.attempts.len();
    let measured = format!("{enforced}/{total} write endpoints refuse a {size} body early");
    if !failed.is_empty() {
        return Ok(Outcome::fail(measured, format!("{} endpoint(s) take or choke on a {size} body", failed.len()))
            .with_findings(failed.into_iter().chain(unclear))
            .with_excess(2.0));
    }
    if enforced == 0 {
        if probe.attempts.iter().all(|a| a.status.is_none() && !a.timed_out && a.bytes_sent == 0) {
            return Err(Outcome::error(format!("no oversized body could be sent: {}", unclear.join("; "))));
        }
        return Err(Outcome::not_assessed(format!("no attempt was conclusive: {}", unclear.join("; "))));
    }
    let largest = probe.attempts.iter().filter(|a| a.status.is_some()).map(|a| a.bytes_sent).max().unwrap_or(0);
    let evidence =
        format!("413/400 before the body was sent; at most {} taken before the answer", format_bytes(largest));
    if unclear.is_empty() {
        Ok(Outcome::pass(measured, evidence))
    } else {
        Ok(Outcome::warn(measured, evidence).with_findings(unclear))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{BodyLimitProbe, Slot};
    use crate::outcome::Status;

    fn attempt(status: Option<u16>, bytes_sent: u64, body_complete: bool, timed_out: bool) -> BodyLimitAttempt {
        BodyLimitAttempt {
            request: "POST /orders".into(),
            status,
            bytes_sent,
            body_complete,
            elapsed_ms: 12,
            timed_out,
            error: status.is_none().then(|| if timed_out { "timed out" } else { "connection closed" }.into()),
        }
    }

    fn probe(body_bytes: u64, attempts: Vec<BodyLimitAttempt>) -> Evidence {
        let mut h = http(false);
        h.body_limit = Slot::collected(BodyLimitProbe { body_bytes, attempts });
        with_http(h)
    }

    const SIZE: u64 = 16 * 1024 * 1024;

    #[test]
    fn early_413_passes() {
        let o =
            expect(&REQUEST_SIZE_LIMIT, &probe(SIZE, vec![attempt(Some(413), 2 << 20, false, false)]), Status::Pass);
        assert!(o.evidence.contains("2 MiB"), "{}", o.evidence);
    }

    #[test]
    fn accepted_choked_late_or_hung_fails() {
        for a in [
            attempt(Some(201), SIZE, true, false),
            attempt(Some(500), 4 << 20, false, false),
            attempt(Some(422), SIZE, true, false),
            attempt(None, 8 << 20, false, true),
        ] {
            expect(&REQUEST_SIZE_LIMIT, &probe(SIZE, vec![a]), Status::Fail);
        }
    }

    #[test]
    fn auth_in_the_way_or_a_small_probe_is_not_assessed() {
        expect(&REQUEST_SIZE_LIMIT, &probe(SIZE, vec![attempt(Some(401), 1024, false, false)]), Status::NotAssessed);
        expect(&REQUEST_SIZE_LIMIT, &probe(1024, vec![attempt(Some(413), 1024, false, false)]), Status::NotAssessed);
    }

    #[test]
    fn closed_connection_warns_beside_a_pass_and_nothing_sent_is_an_error() {
        let e = probe(SIZE, vec![attempt(Some(413), 1024, false, false), attempt(None, 1 << 20, false, false)]);
        expect(&REQUEST_SIZE_LIMIT, &e, Status::Warn);
        expect(&REQUEST_SIZE_LIMIT, &probe(SIZE, vec![attempt(None, 0, false, false)]), Status::Error);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &REQUEST_SIZE_LIMIT,
            probe(SIZE, vec![attempt(Some(413), 2 << 20, false, false)]),
            "32MiB",
            Status::Pass,
            Status::NotAssessed,
        )
    }
}
