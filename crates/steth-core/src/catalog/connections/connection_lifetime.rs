//! 4.4 connection-lifetime: max connection lifetime.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That pooled connections are retired and replaced after a maximum age. The pool's maximum
    /// connection lifetime must be below **30 minutes**.
    ///
    /// ## Why it matters
    /// A connection that lives for days keeps talking to whatever server it first reached: after
    /// a failover or DNS change it can stay on the old primary or a removed replica, new replicas
    /// get no share of the load, and per-backend memory (catalog and plan caches) keeps growing.
    /// Credentials that rotate, such as 15-minute IAM authentication tokens, are only re-checked
    /// on new connections. Firewalls and load balancers that cut long-lived flows cause errors on
    /// whichever request uses the connection next.
    ///
    /// ## How it is measured
    /// Source: **pg**. At every counter snapshot around the load phases and after the last one,
    /// stethoscope reads the service's connections in `pg_stat_activity` (client sessions of its
    /// role on its database, `now() - backend_start`, its own sessions excluded) and compares
    /// the oldest age seen with the threshold. Sessions
    /// idle in transaction are left to 4.6, which judges them as leaks (when they are all the
    /// service has, the item says so). A service with no session at all is `not assessed`,
    /// asking whether `[postgres] url` and the role are the service's. A connection older than
    /// the limit fails at once. Younger connections prove the limit only when stethoscope watched
    /// the database for at least as long (from its first counter snapshot to the sample): a pool
    /// without a lifetime would then show a connection that old. A shorter audit is `not
    /// assessed`, saying so; a soak phase lengthens it. Within 10 % of the limit is a `warn`.
    /// The pool configuration is not read yet. Override with `"4.4" = "20min"` under
    /// `[thresholds]`.
    ///
    /// ## How to fix
    /// Set the lifetime explicitly and a little randomized, so connections do not all reconnect
    /// at the same moment:
    ///
    /// ```properties
    /// # HikariCP, in ms; its default of 30 min sits exactly on the limit
    /// spring.datasource.hikari.max-lifetime=1200000
    /// ```
    ///
    /// In Go, `db.SetConnMaxLifetime(20 * time.Minute)` (`database/sql`) or
    /// `pool_max_conn_lifetime` with `MaxConnLifetimeJitter` in `pgxpool` (default 1 h); in
    /// SQLAlchemy `pool_recycle=1200` (default: never); in sqlx `max_lifetime`. Keep the lifetime
    /// shorter than any timeout imposed by proxies or firewalls between the service and the
    /// database.
    pub CONNECTION_LIFETIME = {
        id: "4.4",
        slug: "connection-lifetime",
        title: "Max connection lifetime",
        section: ConnectionManagement,
        threshold: Threshold::duration_below_secs(30 * 60),
        sources: [Pg, Source],
        severity: Low,
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
    let oldest = activity
        .sessions
        .iter()
        .filter(|s| !s.state.starts_with("idle in transaction"))
        .max_by(|a, b| a.age_secs.total_cmp(&b.age_secs));
    let Some(oldest) = oldest else {
        return Err(Outcome::not_assessed(format!(
            "every session of the service seen was idle in transaction ({} of them), which 4.6 judges as a leak: \
             no pooled connection was left to age",
            activity.sessions.len()
        )));
    };
    let measured = format!("oldest connection {:.1} s", oldest.age_secs);
    let who = format!("pid {} ({}), {}", oldest.pid, oldest.application_name, oldest.state);
    if oldest.age_secs >= limit {
        return Ok(Outcome::fail(measured, format!("{who}: open longer than {limit} s"))
            .with_excess(oldest.age_secs / limit.max(1.0)));
    }
    if activity.observed_secs < limit {
        return Err(Outcome::not_assessed(format!(
            "the oldest connection is {:.1} s old, but stethoscope watched the database for only {:.1} s, less than the {limit} s limit: a longer audit (a soak phase) can tell",
            oldest.age_secs, activity.observed_secs
        )));
    }
    let evidence_text = format!(
        "no connection seen older than {limit} s in {} sample(s) over {:.1} s of observation",
        activity.samples, activity.observed_secs
    );
    if oldest.age_secs >= 0.9 * limit {
        Ok(Outcome::warn(measured, format!("{who} is within 10 % of the limit; {evidence_text}")))
    } else {
        Ok(Outcome::pass(measured, evidence_text))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, session};
    use crate::evidence::AppSession;
    use crate::outcome::Status;

    fn aged(state: &str, age_secs: f64) -> AppSession {
        AppSession { age_secs, ..session(state, 1.0) }
    }

    fn sampled(sessions: Vec<AppSession>, observed_secs: f64) -> Evidence {
        crate::catalog::testing::with_activity(sessions, observed_secs)
    }

    #[test]
    fn an_old_connection_fails_however_short_the_audit() {
        let o = expect(&CONNECTION_LIFETIME, &sampled(vec![aged("idle", 2000.0)], 60.0), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("oldest connection 2000.0 s"));
    }

    #[test]
    fn young_connections_pass_only_after_watching_long_enough() {
        let ev = sampled(vec![aged("active", 600.0)], 1900.0);
        expect(&CONNECTION_LIFETIME, &ev, Status::Pass);
        let o = expect(&CONNECTION_LIFETIME, &sampled(vec![aged("active", 600.0)], 60.0), Status::NotAssessed);
        assert!(o.evidence.contains("watched the database for only 60.0 s"), "{}", o.evidence);
        let ten = CONNECTION_LIFETIME.default_threshold.with_override("10s").unwrap();
        expect_with(&CONNECTION_LIFETIME, &sampled(vec![aged("idle", 4.0)], 22.0), &ten, Status::Pass);
    }

    #[test]
    fn within_ten_percent_warns_and_leaks_are_left_to_4_6() {
        expect(&CONNECTION_LIFETIME, &sampled(vec![aged("idle", 1700.0)], 4000.0), Status::Warn);
        let ev = sampled(vec![aged("idle in transaction", 5000.0), aged("idle", 100.0)], 4000.0);
        expect(&CONNECTION_LIFETIME, &ev, Status::Pass);
    }

    #[test]
    fn nothing_sampled_is_not_assessed() {
        let o = expect(&CONNECTION_LIFETIME, &sampled(vec![], 4000.0), Status::NotAssessed);
        assert!(o.evidence.contains("is `[postgres] url` the service's database"), "{}", o.evidence);
        // Sessions were seen, but only idle in transaction: the reason says so.
        let o =
            expect(&CONNECTION_LIFETIME, &sampled(vec![aged("idle in transaction", 50.0)], 10.0), Status::NotAssessed);
        assert!(
            o.evidence.starts_with("every session of the service seen was idle in transaction (1 of them)"),
            "{}",
            o.evidence
        );
        expect(&CONNECTION_LIFETIME, &Evidence::default(), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &CONNECTION_LIFETIME,
            sampled(vec![aged("idle", 2000.0)], 4000.0),
            "1h",
            Status::Fail,
            Status::Pass,
        )
    }
}
