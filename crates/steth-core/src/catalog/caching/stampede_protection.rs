//! 3.6 stampede-protection: thundering-herd protection on popular keys.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That a popular cache key expiring does not send every concurrent request to the database
    /// at once. When a hot key is missing, the requests that need it must cause at most **1**
    /// database load of the value; one request recomputes, the others wait for it or keep serving
    /// the old value.
    ///
    /// ## Why it matters
    /// A key read 2 000 times per second whose value takes 200 ms to compute gets about 400
    /// concurrent misses in the window before the first recomputation finishes. Each of them runs
    /// the same expensive query, the database slows down, the recomputation takes longer, and
    /// more requests pile in. This cache stampede (thundering herd) is a classic way for a cache
    /// expiry to take down the database behind it.
    ///
    /// ## How it is measured
    /// Sources: **redis** and **pg** (active, opt-in). With `--active` (or `[redis] active =
    /// true`) and a hot key configured (`[redis.stampede] path` and `key`), stethoscope sends N
    /// requests (50 by default) to the path so the key is filled and N connections are open,
    /// deletes the key, fires N requests at once on those connections, and counts the database
    /// statements they cause: `pg_stat_statements` deltas (stethoscope's own statements
    /// excluded) or, without it, the service's own statement counter on its `/metrics`
    /// (`db_queries_total` unless `[redis] statement_metric` says otherwise). More than the
    /// allowed count fails. Because this deletes a live cache key and sends a burst, it runs
    /// only when enabled, and the report marks it active; otherwise, or without a statement
    /// count, the item is `not assessed` with the reason. A key that did not exist and a burst
    /// that caused no statement prove nothing and are `not assessed` too. Static analysis of
    /// locking or single-flight code is not done yet. The count is overridable (`"3.6" = "1"`).
    ///
    /// ## How to fix
    /// Use one of three patterns. In-process single-flight collapses concurrent misses per
    /// instance:
    ///
    /// ```go
    /// v, err, _ := group.Do(key, func() (any, error) { return loadFromDB(id) })
    /// ```
    ///
    /// A short Redis lock does it across instances: the first caller runs `SET lock:product:42
    /// <token> NX PX 5000` and recomputes, the others retry the cache read after a short sleep.
    /// Probabilistic early refresh (recompute slightly before expiry with a probability that
    /// rises as the TTL runs out) or stale-while-revalidate avoids the miss altogether.
    /// Caffeine's `refreshAfterWrite` provides the latter for JVM services.
    pub STAMPEDE_PROTECTION = {
        id: "3.6",
        slug: "stampede-protection",
        title: "Thundering-herd protection on popular keys",
        section: Caching,
        threshold: Threshold::at_most(1),
        sources: [Redis, Pg, Source],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let probe = evidence.redis.get()?.stampede.get()?;
    let allowed = threshold.limit_count();
    // Requests served without the database from a key that was not deleted prove nothing.
    if !probe.key_existed && probe.count.statements == 0 {
        return Err(Outcome::not_assessed(format!(
            "the key `{}` did not exist after warming requests to {} and the burst caused no statement: \
             check [redis.stampede] key",
            probe.key, probe.path
        )));
    }
    if probe.ok == 0 {
        return Err(Outcome::not_assessed(format!(
            "none of the {} requests to {} succeeded",
            probe.requests, probe.path
        )));
    }
    let n = probe.count.statements;
    let measured = format!("{n} statement(s) for {} concurrent requests", probe.requests);
    let note = format!(
        "active: deleted `{}`, then {} requests to {} at once ({} answered 2xx); statements counted with {}",
        probe.key, probe.requests, probe.path, probe.ok, probe.count.source
    );
    if n <= allowed {
        return Ok(Outcome::pass(measured, note));
    }
    Ok(Outcome::fail(measured, note)
        .with_findings([format!(
            "{n} requests recomputed the value: collapse concurrent misses with single-flight or a short lock"
        )])
        .with_excess(n as f64 / allowed.max(1) as f64))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, redis, with_redis};
    use crate::evidence::{Slot, StampedeProbe, StatementCount};
    use crate::outcome::Status;

    fn burst(statements: u64, key_existed: bool, ok: u64) -> Evidence {
        let mut r = redis();
        r.stampede = Slot::collected(StampedeProbe {
            path: "/products/1".into(),
            key: "shop:product:1".into(),
            key_existed,
            requests: 50,
            ok,
            count: StatementCount { source: "db_queries_total".into(), statements },
            active: true,
        });
        with_redis(r)
    }

    #[test]
    fn one_load_for_the_burst_passes() {
        let o = expect(&STAMPEDE_PROTECTION, &burst(1, true, 50), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("1 statement(s) for 50 concurrent requests"));
        assert!(o.evidence.starts_with("active:"));
        expect(&STAMPEDE_PROTECTION, &burst(0, true, 50), Status::Pass);
    }

    #[test]
    fn several_loads_fail() {
        expect(&STAMPEDE_PROTECTION, &burst(2, true, 50), Status::Fail);
        expect(&STAMPEDE_PROTECTION, &burst(37, true, 50), Status::Fail);
        let t = STAMPEDE_PROTECTION.default_threshold.with_override("3").unwrap();
        expect_with(&STAMPEDE_PROTECTION, &burst(3, true, 50), &t, Status::Pass);
    }

    #[test]
    fn a_probe_that_proved_nothing_is_not_assessed() {
        expect(&STAMPEDE_PROTECTION, &burst(0, false, 50), Status::NotAssessed);
        // A key the service never keeps still shows whether concurrent misses are collapsed.
        expect(&STAMPEDE_PROTECTION, &burst(1, false, 50), Status::Pass);
        expect(&STAMPEDE_PROTECTION, &burst(9, false, 50), Status::Fail);
        expect(&STAMPEDE_PROTECTION, &burst(0, true, 0), Status::NotAssessed);
        expect(&STAMPEDE_PROTECTION, &with_redis(redis()), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &STAMPEDE_PROTECTION,
            burst(3, true, 50),
            "3",
            Status::Fail,
            Status::Pass,
        )
    }
}
