//! 2.6 slow-query-log: slow statements are logged at 100 ms or less.

use crate::catalog::prelude::*;
use crate::evidence::setting_millis;
use crate::threshold::format_duration;
use std::time::Duration;

declare_item! {
    /// ## What it checks
    /// `log_min_duration_statement`, as it applies to the service's sessions, is enabled and
    /// at most 100 ms, so every statement slower than that lands in the server log.
    ///
    /// ## Why it matters
    /// Averages hide the queries that hurt. The slow query log is the one record of exactly
    /// which statement, with which parameters, took 4 s at 03:12 last night; without it a
    /// latency incident has to be reproduced before it can be diagnosed. `-1` (the default)
    /// logs nothing.
    ///
    /// ## How it is measured
    /// stethoscope reads the setting at each level that can apply it to the service's
    /// sessions (role in database, role, database, server) in PostgreSQL's order of
    /// precedence, reports the effective value and where it was set. `-1` fails, a value above
    /// the threshold fails, 0 (log everything) passes. The threshold can be overridden under
    /// `[thresholds]`, e.g. `"2.6" = "250ms"`.
    ///
    /// ## How to fix
    /// In `postgresql.conf` (applies to every database, reload only):
    ///
    /// ```sql
    /// ALTER SYSTEM SET log_min_duration_statement = '100ms';
    /// SELECT pg_reload_conf();
    /// ```
    ///
    /// or for the service's database alone: `ALTER DATABASE shop SET
    /// log_min_duration_statement = '100ms';`. On managed PostgreSQL set it in the parameter
    /// group. Pair it with `auto_explain` to also get the plans of slow statements.
    pub SLOW_QUERY_LOG = {
        id: "2.6",
        slug: "slow-query-log",
        title: "Slow query log enabled",
        section: Database,
        threshold: Threshold::duration_at_most_ms(100),
        sources: [Pg],
        severity: Medium,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let settings = pg.settings.get()?;
    let (value, level) = settings.log_min_duration_statement.effective();
    let Some(ms) = setting_millis(value) else {
        return Err(Outcome::error(format!("unreadable log_min_duration_statement value `{value}`")));
    };
    let limit = threshold.limit_duration();
    let scope = format!("database {} (set at the {level} level)", pg.database);
    if ms < 0 {
        return Ok(Outcome::fail(
            "log_min_duration_statement = -1 (off)",
            format!("no statement is logged for its duration in {scope}"),
        ));
    }
    let shown = format_duration(Duration::from_millis(ms as u64));
    let measured = format!("log_min_duration_statement = {shown}");
    let limit_ms = limit.as_millis() as f64;
    if (ms as f64) <= limit_ms {
        Ok(Outcome::pass(measured, format!("statements slower than {shown} are logged in {scope}")))
    } else {
        Ok(Outcome::fail(measured, format!("only statements slower than {shown} are logged in {scope}"))
            .with_excess(ms as f64 / limit_ms.max(1.0)))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, pg, with_pg};
    use crate::evidence::{PgSettings, SettingLevels, Slot};
    use crate::outcome::Status;

    fn at_database(value: &str) -> Evidence {
        let mut p = pg();
        p.settings = Slot::collected(PgSettings {
            log_min_duration_statement: SettingLevels {
                database: Some(value.into()),
                server: "-1".into(),
                ..Default::default()
            },
            ..PgSettings::default()
        });
        with_pg(p)
    }

    #[test]
    fn off_fails() {
        expect(&SLOW_QUERY_LOG, &at_database("-1"), Status::Fail);
    }

    #[test]
    fn at_the_threshold_passes_and_above_fails() {
        expect(&SLOW_QUERY_LOG, &at_database("100"), Status::Pass);
        expect(&SLOW_QUERY_LOG, &at_database("100ms"), Status::Pass);
        expect(&SLOW_QUERY_LOG, &at_database("0"), Status::Pass);
        let o = expect(&SLOW_QUERY_LOG, &at_database("1s"), Status::Fail);
        assert_eq!(o.excess, Some(10.0));
    }

    #[test]
    fn threshold_override_is_used() {
        let t = SLOW_QUERY_LOG.default_threshold.with_override("1s").unwrap();
        expect_with(&SLOW_QUERY_LOG, &at_database("500ms"), &t, Status::Pass);
    }

    #[test]
    fn server_default_applies_without_other_levels() {
        let mut p = pg();
        p.settings = Slot::collected(PgSettings::default());
        if let Slot::Collected { data } = &mut p.settings {
            data.log_min_duration_statement.server = "-1".into();
        }
        expect(&SLOW_QUERY_LOG, &with_pg(p), Status::Fail);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &SLOW_QUERY_LOG,
            at_database("500ms"),
            "1s",
            Status::Fail,
            Status::Pass,
        )
    }
}
