//! X.1 compression: responses are compressed when the client asks.

use crate::catalog::prelude::*;

/// Bodies smaller than this gain nothing from compression; servers rightly skip them.
const WORTH_COMPRESSING: u64 = 1024;

declare_item! {
    /// ## What it checks
    /// A read endpoint asked with `Accept-Encoding: gzip, br` answers with a compressed body
    /// (`Content-Encoding` gzip, br, zstd or deflate) and a `Vary: Accept-Encoding`.
    ///
    /// ## Why it matters
    /// JSON compresses five to ten times. An uncompressed 200 KB list page costs mobile clients
    /// real seconds and the service real bandwidth; compression is usually one line of
    /// middleware or proxy configuration.
    ///
    /// ## How it is measured
    /// Source: **http**. stethoscope requests the first list (or read) endpoint once with
    /// `Accept-Encoding: gzip, br`, reads at most the probe's byte cap and never decompresses.
    /// An encoded answer passes; an unencoded answer of 1 KiB or more fails; a smaller one is
    /// not assessed (too small to be worth compressing). A missing `Vary` on a compressed
    /// answer warns: shared caches could serve it to clients that cannot read it. Scored apart
    /// from the 71.
    ///
    /// ## How to fix
    /// Turn compression on where responses leave the service:
    ///
    /// ```nginx
    /// gzip on; gzip_types application/json; gzip_min_length 1024; gzip_vary on;
    /// ```
    ///
    /// or the framework's middleware (tower-http `CompressionLayer`, Express `compression()`,
    /// Django `GZipMiddleware`).
    pub COMPRESSION = {
        id: "X.1",
        slug: "compression",
        title: "Responses compressed when asked",
        section: Extended,
        threshold: Threshold::requires("gzip, br or zstd when asked"),
        sources: [Http],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.compression.get()?;
    let encoding = probe.content_encoding.as_deref().map(str::trim).filter(|e| !e.is_empty() && *e != "identity");
    let findings = vec![format!(
        "{} → {} Content-Encoding: {}, {} bytes",
        probe.request,
        probe.status,
        encoding.unwrap_or("none"),
        probe.bytes
    )];
    let outcome = match encoding {
        Some(e) if ["gzip", "br", "zstd", "deflate"].iter().any(|k| e.eq_ignore_ascii_case(k)) => {
            let varies = probe.vary.as_deref().is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding"));
            if varies {
                Outcome::pass(e.to_string(), format!("{} answers compressed when asked", probe.request))
            } else {
                Outcome::warn(format!("{e} without Vary"), "compressed, but without `Vary: Accept-Encoding`")
            }
        }
        Some(other) => Outcome::fail(format!("Content-Encoding {other}"), "an encoding clients rarely accept"),
        None if probe.bytes < WORTH_COMPRESSING => {
            return Err(Outcome::not_assessed(format!(
                "the answer is {} bytes: too small to be worth compressing",
                probe.bytes
            )));
        }
        None => Outcome::fail(
            "uncompressed",
            format!("{} bytes sent uncompressed although gzip and br were offered", probe.bytes),
        ),
    };
    Ok(outcome.with_findings(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{CompressionProbe, Slot};
    use crate::outcome::Status;

    fn answered(encoding: Option<&str>, vary: Option<&str>, bytes: u64) -> Evidence {
        let mut h = http(false);
        h.compression = Slot::collected(CompressionProbe {
            request: "GET /products".into(),
            status: 200,
            content_encoding: encoding.map(String::from),
            vary: vary.map(String::from),
            bytes,
        });
        with_http(h)
    }

    #[test]
    fn compressed_with_vary_passes() {
        expect(&COMPRESSION, &answered(Some("gzip"), Some("Accept-Encoding"), 900), Status::Pass);
        expect(&COMPRESSION, &answered(Some("br"), None, 900), Status::Warn);
    }

    #[test]
    fn uncompressed_fails_unless_small() {
        expect(&COMPRESSION, &answered(None, None, 20_000), Status::Fail);
        expect(&COMPRESSION, &answered(None, None, 300), Status::NotAssessed);
    }
}
