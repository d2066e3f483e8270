//! 6.8 cors-allowlist: a foreign origin is neither echoed nor answered with `*`.

use crate::catalog::prelude::*;
use crate::evidence::CorsExchange;

declare_item! {
    /// ## What it checks
    /// The API's CORS policy is an allowlist: a request from an origin the service does not
    /// know gets no `Access-Control-Allow-Origin` that lets it in — neither `*` nor its own
    /// origin echoed back.
    ///
    /// ## Why it matters
    /// CORS is what stops a page on `evil.example` from reading your API's responses with the
    /// visitor's browser. `*` lets every site read every public response; echoing the caller's
    /// origin does the same for every site, and together with
    /// `Access-Control-Allow-Credentials: true` it hands any web page the logged-in user's
    /// data: the page calls your API with the user's cookies and reads the answer.
    ///
    /// ## How it is measured
    /// stethoscope sends, to the base path and to each configured read endpoint, a preflight
    /// (`OPTIONS` with `Access-Control-Request-Method`) and a plain `GET`, both carrying a
    /// foreign `Origin` (`https://stethoscope-probe.invalid` unless `[cors] foreign_origin` says
    /// otherwise). `*` or the foreign origin echoed fails; echoed together with
    /// `Allow-Credentials: true` is reported as the severest case. A refused preflight or a
    /// missing header passes: no CORS policy is not a permissive one. The probe is a handful of
    /// requests, bounded in bytes and time.
    ///
    /// ## How to fix
    /// Compare the request's `Origin` against an explicit list and only then echo it, adding
    /// `Vary: Origin` so caches keep answers apart:
    ///
    /// ```nginx
    /// map $http_origin $cors_origin { default ""; "https://app.example.com" $http_origin; }
    /// add_header Access-Control-Allow-Origin $cors_origin always;
    /// add_header Vary Origin always;
    /// ```
    ///
    /// In frameworks, configure the CORS middleware with a list of origins, never a wildcard
    /// or a "reflect origin" option.
    pub CORS_ALLOWLIST = {
        id: "6.8",
        slug: "cors-allowlist",
        title: "CORS not * on the API",
        section: Security,
        threshold: Threshold::requires("allowlist"),
        sources: [Http],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.cors.get()?;
    if probe.exchanges.is_empty() {
        return Err(Outcome::not_assessed("no cross-origin request could be made"));
    }
    let lets_in =
        |x: &CorsExchange| x.allow_origin.as_deref().is_some_and(|o| o.trim() == "*" || o.trim() == probe.origin);
    let with_credentials =
        |x: &CorsExchange| x.allow_credentials.as_deref().is_some_and(|c| c.trim().eq_ignore_ascii_case("true"));
    let permissive: Vec<&CorsExchange> = probe.exchanges.iter().filter(|x| lets_in(x)).collect();
    if permissive.is_empty() {
        return Ok(Outcome::pass(
            format!("foreign origin refused on {} requests", probe.exchanges.len()),
            format!("no Access-Control-Allow-Origin granted to {}", probe.origin),
        ));
    }
    let findings = permissive.iter().map(|x| {
        format!(
            "{} → {} Access-Control-Allow-Origin: {}{}",
            x.request,
            x.status,
            x.allow_origin.as_deref().unwrap_or_default(),
            if with_credentials(x) { ", Access-Control-Allow-Credentials: true" } else { "" }
        )
    });
    let worst = permissive
        .iter()
        .find(|x| with_credentials(x) && x.allow_origin.as_deref().map(str::trim) == Some(probe.origin.as_str()));
    let outcome = if let Some(x) = worst {
        Outcome::fail(
            "origin echoed with credentials",
            format!(
                "any web page can read logged-in users' responses: {} echoes {} with Allow-Credentials: true",
                x.request, probe.origin
            ),
        )
        .with_excess(3.0)
    } else if permissive.iter().any(|x| x.allow_origin.as_deref().map(str::trim) == Some("*")) {
        Outcome::fail(
            "Access-Control-Allow-Origin: *",
            format!("{} of {} cross-origin requests allowed for any origin", permissive.len(), probe.exchanges.len()),
        )
        .with_excess(2.0)
    } else {
        Outcome::fail(
            "foreign origin echoed",
            format!("{} is reflected as allowed on {} requests", probe.origin, permissive.len()),
        )
        .with_excess(2.0)
    };
    Ok(outcome.with_findings(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{CorsProbe, Slot};
    use crate::outcome::Status;

    const ORIGIN: &str = "https://stethoscope-probe.invalid";

    fn answers(pairs: &[(Option<&str>, Option<&str>)]) -> Evidence {
        let mut h = http(false);
        h.cors = Slot::collected(CorsProbe {
            origin: ORIGIN.into(),
            exchanges: pairs
                .iter()
                .enumerate()
                .map(|(n, (o, c))| CorsExchange {
                    request: format!("GET /r{n}"),
                    status: 200,
                    allow_origin: o.map(String::from),
                    allow_credentials: c.map(String::from),
                })
                .collect(),
        });
        with_http(h)
    }

    #[test]
    fn no_header_or_other_origin_passes() {
        expect(&CORS_ALLOWLIST, &answers(&[(None, None), (Some("https://shop.example"), Some("true"))]), Status::Pass);
    }

    #[test]
    fn wildcard_fails() {
        let o = expect(&CORS_ALLOWLIST, &answers(&[(None, None), (Some("*"), None)]), Status::Fail);
        assert_eq!(o.findings.len(), 1);
    }

    #[test]
    fn echo_with_credentials_is_the_severest_case() {
        let plain = expect(&CORS_ALLOWLIST, &answers(&[(Some(ORIGIN), None)]), Status::Fail);
        let creds = expect(&CORS_ALLOWLIST, &answers(&[(Some(ORIGIN), Some("true"))]), Status::Fail);
        assert!(creds.excess > plain.excess);
        assert!(creds.evidence.contains("Allow-Credentials"));
    }

    #[test]
    fn no_exchange_is_not_assessed() {
        expect(&CORS_ALLOWLIST, &answers(&[]), Status::NotAssessed);
    }
}
