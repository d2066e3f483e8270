//! 6.9 security-headers: responses carry HSTS, nosniff, frame protection and a CSP.

use crate::catalog::prelude::*;
use crate::evidence::HeaderSample;

/// One year, the HSTS max-age browsers' preload lists ask for.
const HSTS_MIN_AGE: u64 = 31_536_000;

declare_item! {
    /// ## What it checks
    /// Every sampled response carries the four browser-side defences, with values that
    /// actually protect: `Strict-Transport-Security` with `max-age` of at least one year (on
    /// HTTPS targets), `X-Content-Type-Options: nosniff`, frame protection
    /// (`X-Frame-Options: DENY`/`SAMEORIGIN` or a CSP `frame-ancestors`), and a
    /// `Content-Security-Policy`.
    ///
    /// ## Why it matters
    /// An API's responses end up in browsers more often than their authors think: error pages,
    /// JSON rendered as HTML after content sniffing, documents framed by a phishing page.
    /// HSTS stops the first plain-HTTP request that a network attacker can rewrite; nosniff
    /// stops a JSON body being executed as script; frame protection stops clickjacking; CSP
    /// limits what injected markup can load. `Server: nginx/1.18.0` or `X-Powered-By:
    /// Express` tells an attacker which CVEs to try first.
    ///
    /// ## How it is measured
    /// stethoscope sends ordinary `GET`s to the base path and to each configured read endpoint
    /// and reads the response headers, evaluating values, not only presence: an HSTS
    /// `max-age` under 31 536 000 fails; `unsafe-inline` or `unsafe-eval` in the CSP warns; a
    /// `Server` or `X-Powered-By` header warns, with a version or only naming the product; a
    /// missing `Referrer-Policy` (or `unsafe-url`) warns. An answer to a request sent with an
    /// identity's credentials must carry `Cache-Control: no-store` (or `private`), else a
    /// shared cache may hand one user's data to another: it fails. On a plain-HTTP target HSTS is
    /// reported as not assessed ("target is not HTTPS") and the other three decide. A header
    /// missing from any sampled response fails, naming the response.
    ///
    /// ## How to fix
    /// Set them once, in the middleware or proxy that fronts every route:
    ///
    /// ```nginx
    /// add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
    /// add_header X-Content-Type-Options nosniff always;
    /// add_header X-Frame-Options DENY always;
    /// add_header Content-Security-Policy "default-src 'none'; frame-ancestors 'none'" always;
    /// server_tokens off;
    /// ```
    ///
    /// For a JSON-only API, `default-src 'none'` is the right CSP: it serves no documents.
    pub SECURITY_HEADERS = {
        id: "6.9",
        slug: "security-headers",
        title: "Security headers",
        section: Security,
        threshold: Threshold::requires("HSTS, X-Content-Type-Options, frame protection, CSP"),
        sources: [Http],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

/// Problems found in one response: (is it a failure rather than a warning, description).
fn problems(sample: &HeaderSample, https: bool) -> Vec<(bool, String)> {
    let mut found = Vec::new();
    let csp = sample.header("content-security-policy");
    match sample.header("x-content-type-options") {
        Some(v) if v.trim().eq_ignore_ascii_case("nosniff") => {}
        Some(v) => found.push((true, format!("X-Content-Type-Options is `{v}`, not nosniff"))),
        None => found.push((true, "X-Content-Type-Options missing".into())),
    }
    let xfo_ok = sample
        .header("x-frame-options")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("deny") || v.trim().eq_ignore_ascii_case("sameorigin"));
    let ancestors_ok = csp.is_some_and(|c| c.to_ascii_lowercase().contains("frame-ancestors"));
    if !xfo_ok && !ancestors_ok {
        found.push((true, "no frame protection (X-Frame-Options or CSP frame-ancestors)".into()));
    }
    match csp {
        None => found.push((true, "Content-Security-Policy missing".into())),
        Some(c) => {
            let lower = c.to_ascii_lowercase();
            for unsafe_source in ["'unsafe-inline'", "'unsafe-eval'"] {
                if lower.contains(unsafe_source) {
                    found.push((false, format!("Content-Security-Policy allows {unsafe_source}")));
                }
            }
        }
    }
    if https {
        match sample.header("strict-transport-security").map(hsts_max_age) {
            None => found.push((true, "Strict-Transport-Security missing".into())),
            Some(None) => found.push((true, "Strict-Transport-Security without a readable max-age".into())),
            Some(Some(age)) if age < HSTS_MIN_AGE => {
                found.push((true, format!("Strict-Transport-Security max-age={age} is under one year")))
            }
            Some(Some(_)) => {}
        }
    }
    for name in ["server", "x-powered-by"] {
        match sample.header(name).map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) if v.chars().any(|c| c.is_ascii_digit()) => {
                found.push((false, format!("{name}: `{v}` reveals a version")))
            }
            // Even without a version, naming the product narrows the attacker's search.
            Some(v) => found.push((false, format!("{name}: `{v}` names the product"))),
            None => {}
        }
    }
    match sample.header("referrer-policy").map(|v| v.trim().to_ascii_lowercase()) {
        None => found.push((false, "Referrer-Policy missing".into())),
        Some(v) if v == "unsafe-url" || v == "no-referrer-when-downgrade" => {
            found.push((false, format!("Referrer-Policy `{v}` sends full URLs to other sites")))
        }
        Some(_) => {}
    }
    if sample.authenticated && (200..300).contains(&sample.status) {
        let cache = sample.header("cache-control").map(str::to_ascii_lowercase);
        let private = cache.as_deref().is_some_and(|c| c.contains("no-store") || c.contains("private"));
        if !private {
            let shown = cache.map_or("missing".to_string(), |c| format!("`{c}`"));
            found.push((
                true,
                format!(
                    "Cache-Control {shown} on an authenticated answer: a shared cache may keep it (no-store or private)"
                ),
            ));
        }
    }
    found
}

fn hsts_max_age(value: &str) -> Option<u64> {
    value.split(';').find_map(|d| {
        let (k, v) = d.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("max-age").then(|| v.trim().trim_matches('"').parse().ok())?
    })
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let http = evidence.http.get()?;
    let samples = http.headers.get()?;
    if samples.is_empty() {
        return Err(Outcome::not_assessed("no response was sampled"));
    }
    let mut findings = Vec::new();
    let (mut failures, mut warnings) = (0usize, 0usize);
    for sample in samples {
        for (fails, text) in problems(sample, http.https) {
            if fails {
                failures += 1
            } else {
                warnings += 1
            }
            let line = format!("{}: {text}", sample.request);
            if !findings.contains(&line) {
                findings.push(line);
            }
        }
    }
    let hsts_note = if http.https { "" } else { "; HSTS not assessed: target is not HTTPS" };
    let checked = format!("{} responses checked{hsts_note}", samples.len());
    let outcome = if failures > 0 {
        Outcome::fail(format!("{failures} missing or weak header(s)"), checked)
            .with_excess(1.0 + failures as f64 / samples.len() as f64)
    } else if warnings > 0 {
        Outcome::warn(format!("{warnings} weak header value(s)"), checked)
    } else {
        Outcome::pass(
            if http.https { "all four headers present" } else { "nosniff, frame protection, CSP present" },
            checked,
        )
    };
    Ok(outcome.with_findings(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::Slot;
    use crate::outcome::Status;

    fn healthy() -> Vec<(String, String)> {
        [
            ("strict-transport-security", "max-age=31536000; includeSubDomains"),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("content-security-policy", "default-src 'none'"),
            ("referrer-policy", "no-referrer"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn sampled(https: bool, headers: Vec<(String, String)>) -> Evidence {
        let mut h = http(https);
        h.headers = Slot::collected(vec![HeaderSample {
            request: "GET /products".into(),
            status: 200,
            headers,
            authenticated: false,
        }]);
        with_http(h)
    }

    fn without(name: &str) -> Vec<(String, String)> {
        healthy().into_iter().filter(|(k, _)| k != name).collect()
    }

    fn replaced(name: &str, value: &str) -> Vec<(String, String)> {
        let mut h = without(name);
        h.push((name.into(), value.into()));
        h
    }

    #[test]
    fn all_headers_pass_on_https_and_http() {
        expect(&SECURITY_HEADERS, &sampled(true, healthy()), Status::Pass);
        let o = expect(&SECURITY_HEADERS, &sampled(false, without("strict-transport-security")), Status::Pass);
        assert!(o.evidence.contains("HSTS not assessed: target is not HTTPS"));
    }

    #[test]
    fn authenticated_answers_must_not_be_cached_and_products_are_not_named() {
        let mut ev = sampled(true, healthy());
        if let Slot::Collected { data } = &mut ev.http
            && let Slot::Collected { data: samples } = &mut data.headers
        {
            samples[0].authenticated = true;
        }
        let o = expect(&SECURITY_HEADERS, &ev, Status::Fail);
        assert!(o.findings[0].contains("Cache-Control missing on an authenticated answer"), "{:?}", o.findings);
        if let Slot::Collected { data } = &mut ev.http
            && let Slot::Collected { data: samples } = &mut data.headers
        {
            samples[0].headers.push(("cache-control".into(), "private, no-store".into()));
        }
        expect(&SECURITY_HEADERS, &ev, Status::Pass);
        let mut named = healthy();
        named.push(("server".into(), "nginx".into()));
        let o = expect(&SECURITY_HEADERS, &sampled(true, named), Status::Warn);
        assert!(o.findings[0].contains("`nginx` names the product"), "{:?}", o.findings);
        expect(&SECURITY_HEADERS, &sampled(true, without("referrer-policy")), Status::Warn);
    }

    #[test]
    fn each_missing_header_fails() {
        for name in ["x-content-type-options", "content-security-policy"] {
            expect(&SECURITY_HEADERS, &sampled(true, without(name)), Status::Fail);
        }
        expect(&SECURITY_HEADERS, &sampled(true, without("strict-transport-security")), Status::Fail);
    }

    #[test]
    fn frame_ancestors_replaces_x_frame_options() {
        let h = replaced("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
        let h: Vec<_> = h.into_iter().filter(|(k, _)| k != "x-frame-options").collect();
        expect(&SECURITY_HEADERS, &sampled(true, h), Status::Pass);
        expect(&SECURITY_HEADERS, &sampled(true, without("x-frame-options")), Status::Fail);
    }

    #[test]
    fn values_are_evaluated_not_just_presence() {
        expect(&SECURITY_HEADERS, &sampled(true, replaced("strict-transport-security", "max-age=300")), Status::Fail);
        expect(&SECURITY_HEADERS, &sampled(true, replaced("x-content-type-options", "sniff-away")), Status::Fail);
        let o = expect(
            &SECURITY_HEADERS,
            &sampled(true, replaced("content-security-policy", "default-src 'self' 'unsafe-inline'")),
            Status::Warn,
        );
        assert!(o.findings[0].contains("unsafe-inline"));
        let mut leaky = healthy();
        leaky.push(("server".into(), "nginx/1.18.0".into()));
        expect(&SECURITY_HEADERS, &sampled(true, leaky), Status::Warn);
        let mut plain = healthy();
        plain.push(("server".into(), "nginx".into()));
        expect(&SECURITY_HEADERS, &sampled(true, plain), Status::Warn);
    }
}
