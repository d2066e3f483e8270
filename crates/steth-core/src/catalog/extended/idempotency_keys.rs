//! X.3 idempotency-keys: a repeated mutation with the same Idempotency-Key does not repeat.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// A write endpoint called twice with the same body and the same `Idempotency-Key` header
    /// answers the second time with the first result (or a conflict), and creates no second
    /// record.
    ///
    /// ## Why it matters
    /// Networks drop answers, clients time out and retry, users double-click. Without
    /// idempotency keys each retry of "place order" or "charge card" is a second order or a
    /// second charge; with them, retries are safe and clients can retry aggressively.
    ///
    /// ## How it is measured
    /// Source: **http**. stethoscope sends the first write endpoint's configured body twice with
    /// one fresh `Idempotency-Key`. The same answer (same body or the same record `id`), an
    /// `Idempotent-Replayed` header, or a 409 on the repeat passes; two successful answers for
    /// two different records fail. This probe creates one record on a service that honours the
    /// key (two on one that does not): point it at an environment where that is acceptable.
    /// Scored apart from the 71.
    ///
    /// ## How to fix
    /// Store the key with the result of the first request (scoped to the caller, with a TTL of
    /// a day or so) in the same transaction as the write, and answer repeats from it; reject a
    /// repeat whose body differs with 422. Stripe's API documents the pattern well.
    pub IDEMPOTENCY_KEYS = {
        id: "X.3",
        slug: "idempotency-keys",
        title: "Idempotency keys honoured on mutations",
        section: Extended,
        threshold: Threshold::requires("a repeat with the same key makes no second record"),
        sources: [Http],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.idempotency.get()?;
    let ok = |s: u16| (200..300).contains(&s);
    let finding = format!(
        "{} twice with one Idempotency-Key: {} then {}{}{}",
        probe.request,
        probe.first_status,
        probe.second_status,
        if probe.same_body { ", same answer" } else { ", different answers" },
        probe.replayed_header.as_deref().map(|h| format!(", replayed: {h}")).unwrap_or_default()
    );
    if !ok(probe.first_status) {
        return Err(Outcome::not_assessed(format!(
            "the first request answered {}: nothing to repeat",
            probe.first_status
        )));
    }
    let outcome = if probe.second_status == 409
        || (ok(probe.second_status) && (probe.same_body || probe.replayed_header.is_some()))
    {
        Outcome::pass("repeat replayed", "the repeat returned the first result; no second record")
    } else if ok(probe.second_status) {
        Outcome::fail("second record created", "the repeat with the same key succeeded with a different result")
    } else {
        Outcome::warn(
            format!("repeat answered {}", probe.second_status),
            "the repeat was refused, but not as a replay or a conflict",
        )
    };
    Ok(outcome.with_findings([finding]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{IdempotencyProbe, Slot};
    use crate::outcome::Status;

    fn probe(first: u16, second: u16, same: bool) -> Evidence {
        let mut h = http(false);
        h.idempotency = Slot::collected(IdempotencyProbe {
            request: "POST /orders".into(),
            first_status: first,
            second_status: second,
            replayed_header: None,
            same_body: same,
        });
        with_http(h)
    }

    #[test]
    fn verdicts() {
        expect(&IDEMPOTENCY_KEYS, &probe(201, 201, true), Status::Pass);
        expect(&IDEMPOTENCY_KEYS, &probe(201, 409, false), Status::Pass);
        expect(&IDEMPOTENCY_KEYS, &probe(201, 201, false), Status::Fail);
        expect(&IDEMPOTENCY_KEYS, &probe(201, 500, false), Status::Warn);
        expect(&IDEMPOTENCY_KEYS, &probe(401, 401, true), Status::NotAssessed);
    }
}
