//! 6.6 input-validation: input validation.

use crate::catalog::prelude::*;
use crate::evidence::Exchange;

declare_item! {
    /// ## What it checks
    /// Requests are validated at the boundary: malformed JSON, wrong types, missing or out-of-range
    /// fields and oversized values are rejected with 400 or 422 and a message saying what is wrong.
    /// Invalid input must never produce a 500. The default threshold is "400 or 422 on bad input".
    ///
    /// ## Why it matters
    /// A 500 on bad input means unchecked data reached code that did not expect it: a string where
    /// the handler assumed an integer raises an exception, a 2 MB `name` hits a `varchar(255)`
    /// column and the database error bubbles up, a negative quantity turns an order into a refund.
    /// Besides the bug itself, these 500s trigger error-rate alerts (5.5) for what are client
    /// mistakes, and error pages with stack traces leak internals.
    ///
    /// ## How it is measured
    /// - **http**: stethoscope sends each write endpoint (login endpoints excepted: their strict
    ///   rate limit is left to 6.4), with its identity's credentials and headers, bad requests:
    ///   syntactically broken JSON, an empty object, and for every leaf of the configured body
    ///   — inside envelopes like `{"user": {...}}` too — the body with that leaf of the wrong
    ///   type, missing, empty and 10 000 characters long. A 400, 422 or another client error
    ///   passes; a 5xx fails (the bad input reached code that did not expect it); a 2xx warns
    ///   (it may be leniency: an optional field, a coerced type). With the service's OpenAPI
    ///   document (`[target] openapi = "openapi.json"`), the endpoint's request schema is
    ///   violated on purpose too — a `required` field removed, a malformed `format` (email,
    ///   uuid, date-time), `minLength`/`maxLength`, `minimum`/`maximum` and `enum` broken —
    ///   and a 2xx on a schema-invalid body fails. A 401/403 or 429 says nothing about
    ///   validation: the case is not counted.
    ///
    /// List endpoints are also asked for `limit=0`, `limit=-1` and `offset=-1`: any answer but a
    /// 5xx is fine there. At most 40 requests per write endpoint, no body read, each bounded by
    /// the target timeout.
    ///
    /// ## How to fix
    /// Declare a schema per request body and validate before any business logic runs. With Pydantic
    /// (FastAPI answers 422 automatically):
    ///
    /// ```python
    /// class OrderIn(BaseModel):
    ///     product_id: int = Field(gt=0)
    ///     quantity: int = Field(ge=1, le=100)
    ///     note: str | None = Field(default=None, max_length=500)
    /// ```
    ///
    /// In Node use zod or ajv, in Go decode with `DisallowUnknownFields` and validate the struct.
    /// Map body-parsing errors to 400 in the global error handler, so they never fall through to
    /// the generic 500 path, and return validation errors without stack traces.
    pub INPUT_VALIDATION = {
        id: "6.6",
        slug: "input-validation",
        title: "Input validation",
        section: Security,
        threshold: Threshold::requires("400 or 422 on bad input"),
        sources: [Http],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn describe(x: &Exchange) -> String {
    match x.status {
        Some(s) => format!("{} with {} → {s}", x.endpoint, x.case),
        None => format!("{} with {} → no answer", x.endpoint, x.case),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.input_validation.get()?;
    if probe.exchanges.is_empty() && probe.schema_violations.is_empty() {
        // Only the list endpoints' bad parameters were tried: a crash there still fails.
        if let Some(crash) = probe.pagination_edges.iter().find(|x| x.status.is_some_and(|s| s >= 500)) {
            return Ok(Outcome::fail(
                "a bad page parameter answered 5xx",
                "invalid input reaches code that fails on it",
            )
            .with_findings([describe(crash)]));
        }
        return Err(Outcome::not_assessed("no write endpoint is configured"));
    }
    let all: Vec<&Exchange> = probe.exchanges.iter().chain(&probe.schema_violations).collect();
    let ok = |x: &&Exchange| x.status.is_some_and(|s| (200..300).contains(&s));
    let crashed: Vec<&Exchange> =
        all.iter().copied().chain(&probe.pagination_edges).filter(|x| x.status.is_some_and(|s| s >= 500)).collect();
    let invalid_accepted: Vec<&Exchange> = probe.schema_violations.iter().filter(ok).collect();
    let accepted: Vec<&Exchange> = probe.exchanges.iter().filter(ok).collect();
    let rejected = all
        .iter()
        .filter(|x| x.status.is_some_and(|s| (400..500).contains(&s) && !matches!(s, 401 | 403 | 429)))
        .count();
    let total = all.len();
    if !crashed.is_empty() {
        return Ok(Outcome::fail(
            format!("{} of {total} bad requests answered 5xx", crashed.len()),
            "invalid input reaches code that fails on it instead of being rejected with 400/422",
        )
        .with_findings(crashed.iter().chain(&invalid_accepted).chain(&accepted).map(|x| describe(x)))
        .with_excess(1.0 + crashed.len() as f64 / total as f64));
    }
    if !invalid_accepted.is_empty() {
        return Ok(Outcome::fail(
            format!("{} of {} schema-invalid bodies accepted", invalid_accepted.len(), probe.schema_violations.len()),
            "bodies that violate the OpenAPI request schema were answered 2xx: they are not validated",
        )
        .with_findings(invalid_accepted.iter().chain(&accepted).map(|x| describe(x)))
        .with_excess(1.0 + invalid_accepted.len() as f64 / total as f64));
    }
    if !accepted.is_empty() {
        return Ok(Outcome::warn(
            format!("{} of {total} bad requests accepted", accepted.len()),
            "invalid input was answered 2xx: it is not validated at the boundary (give `[target] openapi` to \
             know which fields are required and fail on it)",
        )
        .with_findings(accepted.iter().map(|x| describe(x))));
    }
    if rejected == 0 {
        if all.iter().all(|x| x.status.is_none()) {
            let first = all.iter().find_map(|x| x.error.clone()).unwrap_or_default();
            return Err(Outcome::error(format!("no bad request was answered: {first}")));
        }
        return Err(Outcome::not_assessed(
            "every bad request was refused by authentication or a rate limit before validation; give the write endpoints an identity",
        ));
    }
    Ok(Outcome::pass(format!("{rejected} of {total} bad requests rejected with 4xx"), "no 5xx, no bad input accepted"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{exchange, expect, http, with_http};
    use crate::evidence::{InputProbe, Slot};
    use crate::outcome::Status;

    fn probe(statuses: &[Option<u16>]) -> Evidence {
        let cases = ["malformed JSON", "wrong types", "missing fields", "oversized field"];
        let mut h = http(false);
        h.input_validation = Slot::collected(InputProbe {
            exchanges: statuses.iter().zip(cases).map(|(s, c)| exchange("POST /orders", c, *s)).collect(),
            schema_violations: Vec::new(),
            notes: Vec::new(),
            pagination_edges: Vec::new(),
        });
        with_http(h)
    }

    #[test]
    fn a_schema_invalid_body_accepted_fails() {
        let mut ev = probe(&[Some(400), Some(422)]);
        if let Slot::Collected { data } = &mut ev.http
            && let Slot::Collected { data: p } = &mut data.input_validation
        {
            p.schema_violations.push(exchange("POST /users", "missing required /user/email", Some(201)));
        }
        let o = expect(&INPUT_VALIDATION, &ev, Status::Fail);
        assert!(o.findings[0].contains("missing required /user/email → 201"), "{:?}", o.findings);
    }

    #[test]
    fn a_crash_on_a_negative_offset_fails() {
        let mut ev = probe(&[Some(400), Some(422)]);
        if let Slot::Collected { data } = &mut ev.http
            && let Slot::Collected { data: p } = &mut data.input_validation
        {
            p.pagination_edges.push(exchange("GET /products", "offset=-1", Some(500)));
        }
        let o = expect(&INPUT_VALIDATION, &ev, Status::Fail);
        assert!(o.findings[0].contains("offset=-1 → 500"), "{:?}", o.findings);
    }

    #[test]
    fn client_errors_pass() {
        expect(&INPUT_VALIDATION, &probe(&[Some(400), Some(422), Some(422), Some(413)]), Status::Pass);
    }

    #[test]
    fn a_500_fails() {
        let o = expect(&INPUT_VALIDATION, &probe(&[Some(500), Some(422), Some(422), Some(422)]), Status::Fail);
        assert_eq!(o.findings, vec!["POST /orders with malformed JSON → 500".to_string()]);
    }

    #[test]
    fn accepted_bad_input_warns() {
        expect(&INPUT_VALIDATION, &probe(&[Some(400), Some(201), Some(422), Some(422)]), Status::Warn);
    }

    #[test]
    fn auth_in_the_way_is_not_assessed_and_silence_is_an_error() {
        expect(&INPUT_VALIDATION, &probe(&[Some(401), Some(401)]), Status::NotAssessed);
        expect(&INPUT_VALIDATION, &probe(&[None, None]), Status::Error);
    }
}
