//! X.4 keep-alive: connections are reused across requests.

use crate::catalog::prelude::*;
use crate::evidence::Phase;

declare_item! {
    /// ## What it checks
    /// Under normal load, the service keeps HTTP connections open between requests: each
    /// connection the load engine opens serves at least 10 requests.
    ///
    /// ## Why it matters
    /// A new connection per request costs a TCP handshake (and a TLS handshake on HTTPS: one or
    /// two round trips, plus CPU on both sides) before any work is done. Behind a load balancer
    /// it also exhausts ephemeral ports and connection-tracking tables at high rates.
    ///
    /// ## How it is measured
    /// Source: **load**. The load engine reuses every connection the server lets it reuse, and
    /// counts connections opened and requests sent in each endpoint's normal-load phase. Fewer
    /// than 2 requests per connection on any endpoint fails (the server closes after each
    /// answer); fewer than 10 warns. Scored apart from the 71.
    ///
    /// ## How to fix
    /// Do not send `Connection: close`; keep the server's keep-alive timeout above the
    /// clients' idle time (nginx `keepalive_timeout`, Node `server.keepAliveTimeout`), and raise
    /// per-connection request limits (nginx `keepalive_requests`).
    pub KEEP_ALIVE = {
        id: "X.4",
        slug: "keep-alive",
        title: "Connections kept alive",
        section: Extended,
        threshold: Threshold::requires("10 or more requests per connection"),
        sources: [Load],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let load = evidence.load.get()?;
    let rows: Vec<(&str, f64)> = load
        .endpoints
        .iter()
        .filter_map(|e| e.phase(Phase::Normal).map(|p| (e.name.as_str(), p.requests_per_connection)))
        .collect();
    let Some(&(worst_name, worst)) = rows.iter().min_by(|a, b| a.1.total_cmp(&b.1)) else {
        return Err(Outcome::not_assessed("no normal-load phase ran"));
    };
    let findings = rows.iter().map(|(n, r)| format!("{n}: {r:.1} requests per connection"));
    let measured = format!("fewest {worst:.1} requests per connection ({worst_name})");
    let outcome = if worst < 2.0 {
        Outcome::fail(measured, "the server closes connections after (almost) every answer")
    } else if worst < 10.0 {
        Outcome::warn(measured, "connections are reused, but briefly")
    } else {
        Outcome::pass(measured, format!("{} endpoint(s) keep connections alive", rows.len()))
    };
    Ok(outcome.with_findings(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, with_load};
    use crate::outcome::Status;

    #[test]
    fn verdicts() {
        let mut ev = with_load(&[("GET /a", "read", 1.0, 2.0), ("GET /b", "read", 1.0, 2.0)]);
        expect(&KEEP_ALIVE, &ev, Status::Pass);
        if let crate::evidence::Slot::Collected { data } = &mut ev.load {
            data.endpoints[1].phases[0].requests_per_connection = 1.0;
        }
        let o = expect(&KEEP_ALIVE, &ev, Status::Fail);
        assert!(o.measured.unwrap().contains("GET /b"));
        expect(&KEEP_ALIVE, &Evidence::default(), Status::NotAssessed);
    }
}
