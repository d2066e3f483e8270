//! 4.6 leak-detection: connection leak detection.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That connection leaks are detected: either the pool is configured to report connections
    /// held far longer than any request should take, or, from the database side, no application
    /// session sits "idle in transaction" for a long time.
    ///
    /// ## Why it matters
    /// A leak is a code path that takes a connection and never gives it back, typically an early
    /// return or an exception. Each occurrence costs one connection; after enough of them the
    /// pool is empty and every request waits for the acquire timeout, often hours after the
    /// deploy that introduced the bug. A session left idle in transaction also keeps its row
    /// locks and holds back vacuum's cleanup horizon, so tables and indexes bloat (2.8) while it
    /// lives.
    ///
    /// ## How it is measured
    /// Source: **pg**. At every counter snapshot around the load phases and after the last one,
    /// stethoscope reads the service's sessions in `pg_stat_activity` (client sessions of its
    /// role on its database, its own excluded) and keeps, for each session, the longest time it
    /// was seen `idle in transaction` (or `idle in transaction (aborted)`); one over the
    /// threshold, 60 s by default, is a symptom of an actual leak and fails the item. A session
    /// still idle in transaction when the load phases end is watched (a sample about once a
    /// second) until its transaction ends or it has been idle in it for `[postgres]
    /// session_watch` (60 s by default), so one opened at setup and never closed is caught
    /// however short the audit. One still idle in transaction under the limit at the last
    /// sample, after a watch shorter than the limit, is `not assessed: watched for N s`. A
    /// service with no session at all is `not assessed`, asking whether `[postgres] url` and
    /// the role are the service's. A role
    /// without `pg_monitor` sees no state of other roles' sessions: the item is then `not
    /// assessed`, naming the grant. Leak-detection settings in the pool configuration are not
    /// read yet. Override with `"4.6" = "30s"` under `[thresholds]`.
    ///
    /// ## How to fix
    /// Turn on the pool's own detection, which logs the stack trace of the code that borrowed the
    /// connection:
    ///
    /// ```properties
    /// # HikariCP: warn when a connection is held longer than 20 s
    /// spring.datasource.hikari.leak-detection-threshold=20000
    /// ```
    ///
    /// Let PostgreSQL end abandoned transactions for the application role:
    ///
    /// ```sql
    /// ALTER ROLE app SET idle_in_transaction_session_timeout = '60s';
    /// ```
    ///
    /// Then fix the leaking path itself by releasing connections on every path (4.8).
    pub LEAK_DETECTION = {
        id: "4.6",
        slug: "leak-detection",
        title: "Connection leak detection",
        section: ConnectionManagement,
        threshold: Threshold::duration_at_most_secs(60),
        sources: [Source, Pg],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let activity = pg.activity.get()?;
    let limit = threshold.limit_secs();
    if activity.sessions.is_empty() {
        return Err(Outcome::not_assessed(pg.idle_service_reason()));
    }
    let in_transaction: Vec<_> =
        activity.sessions.iter().filter(|s| s.state.starts_with("idle in transaction")).collect();
    let longest = in_transaction.iter().map(|s| s.state_secs).fold(0.0, f64::max);
    let measured = format!("longest idle in transaction {longest:.1} s");
    let leaked: Vec<String> = in_transaction
        .iter()
        .filter(|s| s.state_secs > limit)
        .map(|s| {
            format!("pid {} ({}): {} for {:.1} s after: {}", s.pid, s.application_name, s.state, s.state_secs, s.query)
        })
        .collect();
    if leaked.is_empty() {
        if let Some(why) = activity.unjudged(|state| state.starts_with("idle in transaction"), limit) {
            return Err(Outcome::not_assessed(why));
        }
        Ok(Outcome::pass(
            measured,
            format!("no session seen idle in transaction longer than {limit} s in {} sample(s)", activity.samples),
        ))
    } else {
        Ok(Outcome::fail(measured, format!("{} leaked session(s): {}", leaked.len(), leaked[0]))
            .with_excess(longest / limit.max(1.0))
            .with_findings(leaked))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, pg, session, with_pg};
    use crate::evidence::Slot;
    use crate::outcome::Status;

    fn sampled(sessions: Vec<crate::evidence::AppSession>) -> Evidence {
        crate::catalog::testing::with_activity(sessions, 60.0)
    }

    #[test]
    fn a_session_left_in_transaction_fails() {
        let ev = sampled(vec![session("idle in transaction", 75.0), session("idle", 900.0)]);
        let o = expect(&LEAK_DETECTION, &ev, Status::Fail);
        assert!(o.evidence.contains("idle in transaction for 75.0 s"), "{}", o.evidence);
    }

    #[test]
    fn short_transactions_pass_and_threshold_overrides() {
        let ev = sampled(vec![session("idle in transaction (aborted)", 3.0), session("active", 100.0)]);
        expect(&LEAK_DETECTION, &ev, Status::Pass);
        let two = LEAK_DETECTION.default_threshold.with_override("2s").unwrap();
        expect_with(&LEAK_DETECTION, &ev, &two, Status::Fail);
    }

    #[test]
    fn a_glimpse_of_a_session_idle_in_transaction_is_not_a_pass() {
        let mut open = session("idle in transaction", 1.3);
        open.current = true;
        let glimpse = crate::catalog::testing::with_activity(vec![open.clone(), session("idle", 0.5)], 0.1);
        let o = expect(&LEAK_DETECTION, &glimpse, Status::NotAssessed);
        assert!(o.evidence.starts_with("watched for 0 s: pid 4242 (shop) was still idle in transaction after 1.3 s"));
        // The same session, seen to end its transaction, passes.
        open.current = false;
        expect(&LEAK_DETECTION, &crate::catalog::testing::with_activity(vec![open], 0.1), Status::Pass);
    }

    #[test]
    fn a_service_without_sessions_is_not_assessed() {
        let o = expect(&LEAK_DETECTION, &sampled(vec![]), Status::NotAssessed);
        assert!(o.evidence.contains("showed no activity on database shop as role shop"), "{}", o.evidence);
    }

    #[test]
    fn invisible_sessions_are_not_assessed() {
        let mut p = pg();
        p.activity = Slot::unavailable("GRANT pg_monitor TO auditor");
        expect(&LEAK_DETECTION, &with_pg(p), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &LEAK_DETECTION,
            sampled(vec![session("idle in transaction (aborted)", 3.0), session("active", 100.0)]),
            "2s",
            Status::Pass,
            Status::Fail,
        )
    }
}
