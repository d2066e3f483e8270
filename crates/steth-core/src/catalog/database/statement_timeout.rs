//! 2.5 statement-timeout: the service's sessions run with a statement timeout.

use crate::catalog::prelude::*;
use crate::evidence::setting_millis;
use crate::threshold::format_duration;
use std::time::Duration;

declare_item! {
    /// ## What it checks
    /// The `statement_timeout` that the service's database sessions actually get is set
    /// (non-zero). Zero means a query may run forever.
    ///
    /// ## Why it matters
    /// A single runaway query, a missing index after a deploy or a lock wait, holds a pool
    /// connection for as long as it runs. Under load, a handful of them exhaust the pool and
    /// every request then queues behind them: a slow query becomes an outage. A statement
    /// timeout turns that into a fast, visible error for one request.
    ///
    /// ## How it is measured
    /// stethoscope reads the setting at every level PostgreSQL applies it to the service's
    /// sessions, in PostgreSQL's order of precedence: the role in the database (`ALTER ROLE r
    /// IN DATABASE d SET`), the role, the database, then the server's value. The service's
    /// role is `postgres.app_role` in the config (or `--app-role`), or else the user of
    /// `postgres.url`, stethoscope's own role, which the outcome then names as assumed. The role
    /// judged, the effective value and where it comes from are reported; 0 fails. A timeout the application sets per
    /// session in code (`SET statement_timeout`) is invisible from the catalog: attest it.
    ///
    /// ## How to fix
    /// Set it where it applies to the service and nothing else, e.g. for its role:
    ///
    /// ```sql
    /// ALTER ROLE shop IN DATABASE shop SET statement_timeout = '5s';
    /// ```
    ///
    /// Pick a value above your slowest legitimate query and below the HTTP timeout of the
    /// callers; batch jobs can use their own role with a longer timeout.
    pub STATEMENT_TIMEOUT = {
        id: "2.5",
        slug: "statement-timeout",
        title: "Query timeouts configured",
        section: Database,
        threshold: Threshold::requires("statement_timeout set"),
        sources: [Pg],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let pg = evidence.pg.get()?;
    let settings = pg.settings.get()?;
    let (value, level) = settings.statement_timeout.effective();
    let Some(ms) = setting_millis(value) else {
        return Err(Outcome::error(format!("unreadable statement_timeout value `{value}` (from the {level} level)")));
    };
    let assumed = if pg.app_role_assumed {
        " (stethoscope's own role, assumed: name the service's with `[postgres] app_role` or --app-role)"
    } else {
        ""
    };
    let scope = format!("for role {}{assumed} in database {} (set at the {level} level)", pg.app_role, pg.database);
    if ms <= 0 {
        Ok(Outcome::fail("statement_timeout = 0 (disabled)", format!("queries may run forever {scope}")))
    } else {
        let shown = format_duration(Duration::from_millis(ms as u64));
        Ok(Outcome::pass(format!("statement_timeout = {shown}"), format!("effective {scope}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, pg, with_pg};
    use crate::evidence::{PgSettings, SettingLevels, Slot};
    use crate::outcome::Status;

    fn levels(role_db: Option<&str>, role: Option<&str>, db: Option<&str>, server: &str) -> Evidence {
        let mut p = pg();
        p.settings = Slot::collected(PgSettings {
            statement_timeout: SettingLevels {
                role_in_database: role_db.map(String::from),
                role: role.map(String::from),
                database: db.map(String::from),
                server: server.into(),
            },
            ..PgSettings::default()
        });
        with_pg(p)
    }

    #[test]
    fn server_default_of_zero_fails() {
        let o = expect(&STATEMENT_TIMEOUT, &levels(None, None, None, "0"), Status::Fail);
        assert!(o.evidence.contains("server level"));
    }

    #[test]
    fn an_assumed_role_is_named_as_such() {
        let mut ev = levels(None, None, Some("5s"), "0");
        if let Slot::Collected { data } = &mut ev.pg {
            data.app_role_assumed = true;
        }
        let o = expect(&STATEMENT_TIMEOUT, &ev, Status::Pass);
        assert!(o.evidence.contains("for role shop (stethoscope's own role, assumed"), "{}", o.evidence);
    }

    #[test]
    fn database_setting_passes() {
        let o = expect(&STATEMENT_TIMEOUT, &levels(None, None, Some("5s"), "0"), Status::Pass);
        assert_eq!(o.measured.as_deref(), Some("statement_timeout = 5 s"));
    }

    #[test]
    fn role_in_database_wins_over_everything() {
        expect(&STATEMENT_TIMEOUT, &levels(Some("0"), Some("5s"), Some("5s"), "30000"), Status::Fail);
        expect(&STATEMENT_TIMEOUT, &levels(Some("2s"), Some("0"), Some("0"), "0"), Status::Pass);
    }

    #[test]
    fn role_wins_over_database() {
        expect(&STATEMENT_TIMEOUT, &levels(None, Some("0"), Some("5s"), "0"), Status::Fail);
    }

    #[test]
    fn garbage_value_is_an_error_not_a_pass() {
        expect(&STATEMENT_TIMEOUT, &levels(None, None, Some("soon"), "0"), Status::Error);
    }
}
