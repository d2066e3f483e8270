//! X.5 public-api-docs: API documentation is not served to anyone who asks.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The service does not serve its API documentation publicly: Swagger UI, ReDoc, the raw
    /// OpenAPI document or a GraphQL playground, reachable without credentials in production.
    ///
    /// ## Why it matters
    /// A public OpenAPI document is an attacker's map: every route, every parameter, the admin
    /// endpoints nobody linked to, the fields the validation forgot. A GraphQL playground with
    /// introspection does the same for a graph. Documentation belongs behind authentication, on
    /// an internal host, or out of the production build.
    ///
    /// ## How it is measured
    /// Source: **http**. stethoscope asks, without credentials, for the usual documentation paths
    /// (`/docs`, `/redoc`, `/swagger-ui/`, `/swagger-ui.html`, `/openapi.json`, `/swagger.json`,
    /// `/v3/api-docs`, `/graphiql`, `/playground`, `/graphql` as a browser would) and reads up to
    /// 256 KiB of each answer. A 2xx whose body shows documentation (Swagger UI, ReDoc, an
    /// `"openapi"`/`"swagger"` document, GraphiQL or a playground) fails and names the path;
    /// none served passes. Scored apart from the 71.
    ///
    /// ## How to fix
    /// Disable the documentation routes in production (FastAPI `docs_url=None, redoc_url=None,
    /// openapi_url=None`; springdoc `springdoc.api-docs.enabled=false`; Apollo
    /// `introspection: false` and no landing page), or serve them only behind authentication or
    /// on an internal host.
    pub PUBLIC_API_DOCS = {
        id: "X.5",
        slug: "no-public-api-docs",
        title: "API documentation not public",
        section: Extended,
        threshold: Threshold::requires("no documentation served without credentials"),
        sources: [Http],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.api_docs.get()?;
    if probe.answers.iter().all(|a| a.status.is_none()) {
        let why = probe.answers.iter().find_map(|a| a.error.clone()).unwrap_or_else(|| "nothing was asked".into());
        return Err(Outcome::error(format!("no documentation path was answered: {why}")));
    }
    let served: Vec<String> = probe
        .answers
        .iter()
        .filter(|a| a.status.is_some_and(|s| (200..300).contains(&s)))
        .filter_map(|a| a.marker.as_ref().map(|m| format!("{} → {} ({m})", a.request, a.status.unwrap_or_default())))
        .collect();
    if served.is_empty() {
        return Ok(Outcome::pass(
            format!("0 of {} documentation paths served", probe.answers.len()),
            "no API documentation answered without credentials",
        ));
    }
    Ok(Outcome::fail(format!("{} documentation path(s) served publicly", served.len()), served.join("; "))
        .with_findings(served))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{DocsAnswer, DocsProbe, Slot};
    use crate::outcome::Status;

    fn probe(answers: Vec<(u16, Option<&str>)>) -> Evidence {
        let mut h = http(false);
        let answers = answers
            .into_iter()
            .map(|(s, m)| DocsAnswer {
                request: "GET /docs".into(),
                status: Some(s),
                marker: m.map(String::from),
                error: None,
            })
            .collect();
        h.api_docs = Slot::collected(DocsProbe { answers });
        with_http(h)
    }

    #[test]
    fn served_documentation_fails_and_refusals_pass() {
        let o = expect(&PUBLIC_API_DOCS, &probe(vec![(404, None), (200, Some("swagger-ui"))]), Status::Fail);
        assert!(o.findings[0].contains("GET /docs → 200 (swagger-ui)"));
        expect(&PUBLIC_API_DOCS, &probe(vec![(404, None), (401, None), (200, None)]), Status::Pass);
    }
}
