//! 6.2 data-authorization: authorization at the data layer.

use crate::catalog::prelude::*;
use crate::evidence::AuthzAttempt;

declare_item! {
    /// ## What it checks
    /// An authenticated user can read or change only the resources they own or have been granted:
    /// every lookup is checked against the data (owner, tenant), not only against "is logged in".
    /// This is broken object-level authorization (BOLA, also called IDOR), the first entry of the
    /// OWASP API Security Top 10. The default threshold is 100 % of cross-user attempts refused.
    ///
    /// ## Why it matters
    /// The handler for `GET /orders/{id}` loads the order by id and returns it. Any logged-in user
    /// who increments the id reads other customers' names, addresses and purchases; the same bug on
    /// `PATCH /orders/{id}` lets them change someone else's delivery address. Authentication (6.1)
    /// does not help: the attacker is a legitimate user.
    ///
    /// ## How it is measured
    /// - **http**: for every pair of configured identities (A, B) where B names a resource it
    ///   `owns`, B first reads it (the control: the resource exists and B's credentials work,
    ///   and its answer is B's current representation), then A reads it (`GET`) and tries each
    ///   write method the path really offers — taken from the configured endpoints whose path
    ///   template matches it, else from the `Allow` header of an `OPTIONS` — sending B's own
    ///   representation back unchanged, so a wrongly accepted change changes nothing. Each of
    ///   A's attempts must be refused with 403 or 404; a 2xx fails. A 405 means the method is
    ///   not offered, never that authorization refused it: it leaves the attempt unclear, as do
    ///   a 401 (A's credentials refused), a failed control or another answer. `DELETE` is
    ///   never sent unless the resource says `destructive = true`. Many APIs make a resource
    ///   public to read and owner-only to change (an article, a review): say so and only the
    ///   changes are judged:
    ///
    /// ```toml
    /// [identities.alice]
    /// owns = [{ path = "/posts/42", read = "public" }]   # or owns = "/orders/1001" (private)
    /// ```
    ///
    /// With fewer than two identities, or none owning a resource, the item is not assessed.
    /// A threshold below 100 % (`"6.2" = "90%"`) tolerates that share of breaches as a warning,
    /// never a pass. A few requests per pair, each bounded by the target timeout; use dedicated test
    /// accounts, since a failing service will accept the change.
    ///
    /// ## How to fix
    /// Scope every query by the caller's identity, taken from the session and never from the
    /// request:
    ///
    /// ```sql
    /// SELECT * FROM orders WHERE id = $1 AND customer_id = $2;  -- $2 = authenticated user
    /// ```
    ///
    /// For defence in depth, PostgreSQL row-level security enforces it below the application:
    ///
    /// ```sql
    /// ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
    /// CREATE POLICY orders_owner ON orders
    ///   USING (customer_id = current_setting('app.user_id')::bigint);
    /// -- per transaction: SET LOCAL app.user_id = '42';
    /// ```
    ///
    /// Policies do not apply to the table owner (unless `FORCE ROW LEVEL SECURITY`) nor to
    /// superusers, so connect as a separate role. Prefer 404 over 403 for other users' resources so
    /// ids cannot be probed for existence.
    pub DATA_AUTHORIZATION = {
        id: "6.2",
        slug: "data-authorization",
        title: "Authorization at the data layer",
        section: Security,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Http],
        severity: Critical,
        evaluate: Some(evaluate),
    }
}

fn describe(a: &AuthzAttempt) -> String {
    let status =
        a.status.map_or_else(|| format!("no answer ({})", a.error.as_deref().unwrap_or("")), |s| s.to_string());
    format!("{} as {} (owned by {}) → {status}", a.request, a.actor, a.owner)
}

fn is_ok(status: Option<u16>) -> bool {
    status.is_some_and(|s| (200..300).contains(&s))
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let probe = evidence.http.get()?.authorization.get()?;
    if probe.attempts.is_empty() {
        let why = if probe.notes.is_empty() {
            "needs two [identities], one of them with `owns` naming a resource it owns".to_string()
        } else {
            probe.notes.join("; ")
        };
        return Err(Outcome::not_assessed(why));
    }
    if probe.attempts.iter().all(|a| a.status.is_none()) {
        let first = probe.attempts.iter().find_map(|a| a.error.clone()).unwrap_or_default();
        return Err(Outcome::error(format!("no cross-identity request was answered: {first}")));
    }
    let (mut breached, mut refused, mut unclear) = (Vec::new(), 0usize, Vec::new());
    for a in &probe.attempts {
        let refusal = matches!(a.status, Some(403 | 404));
        if !is_ok(a.control_status) {
            let control = a.control_status.map_or_else(|| "no answer".into(), |s| s.to_string());
            unclear.push(format!("{}: the owner's own read answered {control}", describe(a)));
        } else if is_ok(a.status) {
            breached.push(describe(a));
        } else if refusal {
            refused += 1;
        } else if a.status == Some(405) {
            unclear.push(format!("{}: the method is not offered, which proves no authorization", describe(a)));
        } else {
            unclear.push(describe(a));
        }
    }
    let conclusive = refused + breached.len();
    if conclusive == 0 {
        return Err(Outcome::not_assessed(format!("no attempt was conclusive: {}", unclear.join("; "))));
    }
    let share = 100.0 * refused as f64 / conclusive as f64;
    let measured = format!("{refused}/{conclusive} cross-identity attempts refused");
    // A configured share below 100 % tolerates breaches: they still warn, never pass silently.
    if !breached.is_empty() && threshold.admits(share) == Some(true) {
        return Ok(Outcome::warn(
            measured,
            format!(
                "{} request(s) reached another identity's resource, within the configured {threshold}",
                breached.len()
            ),
        )
        .with_findings(breached.into_iter().chain(unclear)));
    }
    if !breached.is_empty() {
        return Ok(Outcome::fail(
            measured,
            format!("{} request(s) reached another identity's resource", breached.len()),
        )
        .with_findings(breached.into_iter().chain(unclear))
        .with_excess(threshold.limit_number() / share.max(1.0)));
    }
    if !unclear.is_empty() {
        return Ok(
            Outcome::warn(measured, "every conclusive attempt was refused, some were unclear").with_findings(unclear)
        );
    }
    Ok(Outcome::pass(measured, "403/404 for every read and change of another identity's resource"))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{AuthzProbe, Slot};
    use crate::outcome::Status;

    fn attempt(change: bool, control: Option<u16>, status: Option<u16>) -> AuthzAttempt {
        AuthzAttempt {
            actor: "alice".into(),
            owner: "bob".into(),
            request: format!("{} /orders/1", if change { "PATCH" } else { "GET" }),
            change,
            sent: None,
            control_status: control,
            status,
            error: status.is_none().then(|| "timed out".into()),
        }
    }

    fn probe(attempts: Vec<AuthzAttempt>) -> Evidence {
        let mut h = http(false);
        h.authorization = Slot::collected(AuthzProbe { attempts, notes: vec![] });
        with_http(h)
    }

    #[test]
    fn refusals_pass() {
        let e = probe(vec![attempt(false, Some(200), Some(404)), attempt(true, Some(200), Some(403))]);
        expect(&DATA_AUTHORIZATION, &e, Status::Pass);
    }

    #[test]
    fn reading_anothers_resource_fails() {
        let e = probe(vec![attempt(false, Some(200), Some(200)), attempt(true, Some(200), Some(404))]);
        let o = expect(&DATA_AUTHORIZATION, &e, Status::Fail);
        assert_eq!(o.findings, vec!["GET /orders/1 as alice (owned by bob) → 200".to_string()]);
    }

    #[test]
    fn unclear_attempts_warn_or_leave_it_unassessed() {
        let e = probe(vec![attempt(false, Some(200), Some(404)), attempt(true, Some(200), Some(401))]);
        expect(&DATA_AUTHORIZATION, &e, Status::Warn);
        let e = probe(vec![attempt(false, Some(404), Some(404))]);
        expect(&DATA_AUTHORIZATION, &e, Status::NotAssessed);
    }

    #[test]
    fn a_405_is_not_a_refusal() {
        let e = probe(vec![attempt(true, Some(200), Some(405))]);
        let o = expect(&DATA_AUTHORIZATION, &e, Status::NotAssessed);
        assert!(o.evidence.contains("not offered"), "{}", o.evidence);
        let e = probe(vec![attempt(false, Some(200), Some(404)), attempt(true, Some(200), Some(405))]);
        expect(&DATA_AUTHORIZATION, &e, Status::Warn);
    }

    #[test]
    fn no_pairs_is_not_assessed_and_silence_is_an_error() {
        expect(&DATA_AUTHORIZATION, &probe(vec![]), Status::NotAssessed);
        expect(&DATA_AUTHORIZATION, &probe(vec![attempt(false, Some(200), None)]), Status::Error);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &DATA_AUTHORIZATION,
            probe(vec![attempt(false, Some(200), Some(200)), attempt(true, Some(200), Some(404))]),
            "50%",
            Status::Fail,
            Status::Warn,
        )
    }
}
