//! 4.5 connection-idle-time: max idle time.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That the pool closes connections that have been idle for too long. Idle application
    /// connections must be closed in under **10 minutes**.
    ///
    /// ## Why it matters
    /// Each idle connection still holds a PostgreSQL backend, its memory and a slot in
    /// `max_connections`, taken away from other services and from autoscaled instances that need
    /// one. Idle TCP flows are also dropped silently by NAT gateways and firewalls (AWS NAT
    /// gateways after 350 s, for example); the next query on such a connection hangs or fails,
    /// usually on the first request after a quiet period.
    ///
    /// ## How it is measured
    /// Source: **pg**. At every counter snapshot around the load phases and after the last one,
    /// stethoscope reads the service's sessions in `pg_stat_activity` (client sessions of its
    /// role on its database, its own excluded) and keeps, for each session, the longest time it
    /// was seen `idle` (`now() - state_change`); any over the threshold fails. Sampling
    /// throughout the audit catches a connection that idled for long and was retired before
    /// the end. A connection still idle at the end of the load phases is watched (a sample about
    /// once a second) until it is used or retired, or for `[postgres] session_watch` (60 s by
    /// default). A connection still idle under the limit at the last sample proves nothing unless
    /// stethoscope watched the database for at least the limit: otherwise the item is `not
    /// assessed: watched for N s`. A service with no session at all is `not assessed`, asking
    /// whether `[postgres] url` and the role are the service's. A role without `pg_monitor` (or `pg_read_all_stats`) sees no state of other
    /// roles' sessions and the item is `not assessed`, naming the grant. The pool's configured
    /// idle timeout is not read yet. Override with `"4.5" = "5min"` under `[thresholds]`.
    ///
    /// ## How to fix
    /// Configure an idle timeout and keep the minimum idle count low:
    ///
    /// ```properties
    /// # HikariCP: applies only when minimum-idle < maximum-pool-size
    /// spring.datasource.hikari.idle-timeout=300000
    /// spring.datasource.hikari.minimum-idle=2
    /// ```
    ///
    /// In Go, `db.SetConnMaxIdleTime(5 * time.Minute)` or `pool_max_conn_idle_time` in `pgxpool`
    /// (default 30 min); in sqlx `idle_timeout`. SQLAlchemy has no idle timeout: use
    /// `pool_recycle` plus `pool_pre_ping=True`. TCP keepalives shorter than the NAT timeout help
    /// against silent drops but do not free server resources.
    pub CONNECTION_IDLE_TIME = {
        id: "4.5",
        slug: "connection-idle-time",
        title: "Max idle time",
        section: ConnectionManagement,
        threshold: Threshold::duration_below_secs(10 * 60),
        sources: [Pg, Source],
        severity: Low,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let activity = pg.activity.get()?;
    let limit = threshold.limit_secs();
    let idle: Vec<_> = activity.sessions.iter().filter(|s| s.state == "idle").collect();
    if activity.sessions.is_empty() {
        return Err(Outcome::not_assessed(pg.idle_service_reason()));
    }
    let longest = idle.iter().map(|s| s.state_secs).fold(0.0, f64::max);
    let measured = format!("longest idle connection {longest:.1} s");
    let over: Vec<String> = idle
        .iter()
        .filter(|s| s.state_secs > limit)
        .map(|s| {
            format!(
                "pid {} ({}): idle for {:.1} s, open for {:.1} s",
                s.pid, s.application_name, s.state_secs, s.age_secs
            )
        })
        .collect();
    if over.is_empty() {
        if let Some(why) = activity.unjudged(|state| state == "idle", limit) {
            return Err(Outcome::not_assessed(why));
        }
        Ok(Outcome::pass(
            measured,
            format!("no connection seen idle longer than {limit} s in {} sample(s)", activity.samples),
        ))
    } else {
        Ok(Outcome::fail(measured, format!("{} connection(s) idle longer than {limit} s", over.len()))
            .with_excess(longest / limit.max(1.0))
            .with_findings(over))
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
    fn a_long_idle_connection_fails() {
        let ev = sampled(vec![session("idle", 1.0), session("idle", 900.0), session("active", 2000.0)]);
        let o = expect(&CONNECTION_IDLE_TIME, &ev, Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("longest idle connection 900.0 s"));
    }

    #[test]
    fn short_idle_passes_and_threshold_overrides() {
        let ev = sampled(vec![session("idle", 4.0), session("idle in transaction", 900.0)]);
        expect(&CONNECTION_IDLE_TIME, &ev, Status::Pass);
        let three = CONNECTION_IDLE_TIME.default_threshold.with_override("3s").unwrap();
        expect_with(&CONNECTION_IDLE_TIME, &ev, &three, Status::Fail);
    }

    #[test]
    fn a_connection_still_idle_under_the_limit_is_judged_only_after_watching_long_enough() {
        let mut still = session("idle", 4.0);
        still.current = true;
        let short = crate::catalog::testing::with_activity(vec![still.clone()], 30.0);
        let o = expect(&CONNECTION_IDLE_TIME, &short, Status::NotAssessed);
        assert!(
            o.evidence.starts_with("watched for 30 s: pid 4242 (shop) was still idle after 4.0 s"),
            "{}",
            o.evidence
        );
        // Watched for longer than the limit: a pool that keeps connections idle would have shown one.
        let long = crate::catalog::testing::with_activity(vec![still], 700.0);
        expect(&CONNECTION_IDLE_TIME, &long, Status::Pass);
    }

    #[test]
    fn nothing_to_see_is_not_assessed() {
        expect(&CONNECTION_IDLE_TIME, &sampled(vec![]), Status::NotAssessed);
        let mut p = pg();
        p.activity = Slot::unavailable("GRANT pg_monitor TO auditor");
        expect(&CONNECTION_IDLE_TIME, &with_pg(p), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &CONNECTION_IDLE_TIME,
            sampled(vec![session("idle", 4.0), session("idle in transaction", 900.0)]),
            "3s",
            Status::Pass,
            Status::Fail,
        )
    }
}
