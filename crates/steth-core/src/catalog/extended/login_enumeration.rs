//! X.6 login-enumeration: a failed login says the same for an unknown user and a wrong password.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The login endpoint answers an unknown account exactly as it answers a known account with
    /// a wrong password: same status, same body.
    ///
    /// ## Why it matters
    /// "No such user" next to "wrong password" tells an attacker which e-mail addresses have an
    /// account: the list to spray passwords at, to phish, or simply to leak (a clinic's, a
    /// dating site's customers).
    ///
    /// ## How it is measured
    /// Source: **http**. stethoscope sends the configured login body twice: once with the
    /// account field (`email`, `username`, `login`, `user`) replaced by an address that cannot
    /// exist, once with only the password replaced by a wrong one. The two statuses and bodies
    /// (digits masked, so request ids and timestamps do not count) must be equal; a difference
    /// fails. Without a JSON login body holding both fields the item is not assessed; a 429 on
    /// either leaves it not assessed (rate-limited). Two failed logins count against the
    /// account's lockout. Scored apart from the 71.
    ///
    /// ## How to fix
    /// Return one message and status for every failed login ("invalid e-mail or password",
    /// 401), and spend the same time on both paths (hash a dummy password when the user does not
    /// exist) so the timing does not tell either.
    pub LOGIN_ENUMERATION = {
        id: "X.6",
        slug: "no-login-enumeration",
        title: "No user enumeration at login",
        section: Extended,
        threshold: Threshold::requires("the same answer for an unknown user and a wrong password"),
        sources: [Http],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let p = evidence.http.get()?.login_enumeration.get()?;
    let (unknown, wrong) = (&p.unknown_user, &p.wrong_password);
    let (Some(a), Some(b)) = (unknown.status, wrong.status) else {
        return Err(Outcome::error(format!("{}: a failed login got no answer", p.request)));
    };
    if a == 429 || b == 429 {
        return Err(Outcome::not_assessed(format!(
            "{}: rate-limited (429) before both logins were compared",
            p.request
        )));
    }
    if (200..300).contains(&a) || (200..300).contains(&b) {
        return Err(Outcome::not_assessed(format!("{}: a login meant to fail answered {}", p.request, a.max(b))));
    }
    let findings = vec![
        format!("unknown user → {a}: {}", unknown.body),
        format!("known user, wrong password → {b}: {}", wrong.body),
    ];
    if a != b || unknown.body != wrong.body {
        let what = if a != b { format!("status {a} vs {b}") } else { "different bodies".to_string() };
        return Ok(Outcome::fail(what, format!("{} tells an unknown account from a wrong password", p.request))
            .with_findings(findings));
    }
    Ok(Outcome::pass(format!("both {a}, same body"), format!("{} answers both failures alike", p.request)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, http, with_http};
    use crate::evidence::{EnumerationProbe, LoginAnswer, Slot};
    use crate::outcome::Status;

    fn probe(a: (u16, &str), b: (u16, &str)) -> Evidence {
        let mut h = http(false);
        let answer = |(status, body): (u16, &str)| LoginAnswer { status: Some(status), body: body.into() };
        h.login_enumeration = Slot::collected(EnumerationProbe {
            request: "POST /login".into(),
            unknown_user: answer(a),
            wrong_password: answer(b),
        });
        with_http(h)
    }

    #[test]
    fn different_answers_fail_and_identical_ones_pass() {
        expect(&LOGIN_ENUMERATION, &probe((404, "{\"error\":\"no such user\"}"), (401, "{}")), Status::Fail);
        expect(
            &LOGIN_ENUMERATION,
            &probe((401, "{\"error\":\"unknown\"}"), (401, "{\"error\":\"bad password\"}")),
            Status::Fail,
        );
        expect(
            &LOGIN_ENUMERATION,
            &probe((401, "{\"error\":\"invalid\"}"), (401, "{\"error\":\"invalid\"}")),
            Status::Pass,
        );
        expect(&LOGIN_ENUMERATION, &probe((429, ""), (401, "")), Status::NotAssessed);
    }
}
