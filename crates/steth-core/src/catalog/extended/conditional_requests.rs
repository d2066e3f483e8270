//! X.2 conditional-requests: read endpoints carry validators and honour If-None-Match.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// A read endpoint answers with an `ETag` (or `Last-Modified`), and a repeat of the same
    /// request carrying `If-None-Match` gets `304 Not Modified` without a body.
    ///
    /// ## Why it matters
    /// Clients that poll (dashboards, mobile apps refreshing a list) re-download the same bytes
    /// again and again. With validators a repeat costs a header exchange: less bandwidth, less
    /// serialization work, and caches in between can revalidate instead of refetching.
    ///
    /// ## How it is measured
    /// Source: **http**. stethoscope GETs the first read endpoint, then repeats it with
    /// `If-None-Match` set to the `ETag` it received. A 304 passes; validators without a 304 on
    /// the repeat warn (the validator is there but unused); no `ETag` and no `Last-Modified`
    /// fails. Scored apart from the 71.
    ///
    /// ## How to fix
    /// Compute a strong or weak ETag from the representation (a hash of the body, or the row's
    /// version and updated-at) and compare it with `If-None-Match` before serializing, answering
    /// 304 when it matches. Many frameworks do it for you: Rails `fresh_when`, Spring
    /// `ShallowEtagHeaderFilter`, nginx `etag on` for static files.
    pub CONDITIONAL_REQUESTS = {
        id: "X.2",
        slug: "conditional-requests",
        title: "ETag and 304 on conditional requests",
        section: Extended,
        threshold: Threshold::requires("ETag and 304 on If-None-Match"),
        sources: [Http],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.conditional.get()?;
    if !(200..300).contains(&probe.status) {
        return Err(Outcome::not_assessed(format!("{} answered {}", probe.request, probe.status)));
    }
    let finding = format!(
        "{}: ETag {}, Last-Modified {}, repeat {}",
        probe.request,
        probe.etag.as_deref().unwrap_or("none"),
        probe.last_modified.as_deref().unwrap_or("none"),
        probe.repeat_status.map_or("not sent".to_string(), |s| s.to_string())
    );
    let outcome = match (&probe.etag, &probe.last_modified, probe.repeat_status) {
        (_, _, Some(304)) => Outcome::pass("304 on If-None-Match", "the repeat was answered without a body"),
        (None, None, _) => {
            Outcome::fail("no validators", "no ETag and no Last-Modified: every repeat downloads the body again")
        }
        (_, _, repeat) => Outcome::warn(
            format!("validators, repeat {}", repeat.map_or("not sent".into(), |s| s.to_string())),
            "validators are sent but a conditional repeat still gets the full body",
        ),
    };
    Ok(outcome.with_findings([finding]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{ConditionalProbe, Slot};
    use crate::outcome::Status;

    fn probe(etag: Option<&str>, repeat: Option<u16>) -> Evidence {
        let mut h = http(false);
        h.conditional = Slot::collected(ConditionalProbe {
            request: "GET /products/1".into(),
            status: 200,
            etag: etag.map(String::from),
            last_modified: None,
            repeat_status: repeat,
        });
        with_http(h)
    }

    #[test]
    fn verdicts() {
        expect(&CONDITIONAL_REQUESTS, &probe(Some("\"v1\""), Some(304)), Status::Pass);
        expect(&CONDITIONAL_REQUESTS, &probe(Some("\"v1\""), Some(200)), Status::Warn);
        expect(&CONDITIONAL_REQUESTS, &probe(None, None), Status::Fail);
    }
}
