//! 7.7 compatible-migrations: backward-compatible migrations.

use crate::catalog::prelude::*;
use crate::catalog::repo_practice::migration_findings;

declare_item! {
    /// ## What it checks
    /// Each schema migration is compatible with the application version that is still running while
    /// it is applied: no dropping or renaming of tables or columns in use, no column type changes,
    /// no `NOT NULL` column added without a default. The default threshold is 0 breaking
    /// migrations.
    ///
    /// ## Why it matters
    /// During a rolling deploy the old code runs against the new schema for minutes, and after a
    /// rollback the schema stays new. Renaming `users.name` to `users.full_name` in the release
    /// that starts using it makes every old instance fail with `column "name" does not exist` until
    /// the rollout ends, and rolling back the code does not help. A `NOT NULL` column without a
    /// default makes every insert from the old code fail.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope lints the migration files in the repository for drops, renames,
    ///   type changes, and `NOT NULL` without a default. Each finding is listed with its file and
    ///   statement, and the count is compared with the threshold.
    ///
    /// Migrations are found under `migrations/`, `db/migrate/`, `alembic/versions/`,
    /// `prisma/migrations/`, Flyway's `db/migration/`, Liquibase changelogs and Django apps'
    /// `migrations/` (or the `migrations` globs of `[source]`), ordered by their version (not their
    /// file name), with rollback (down) parts left out. Only new migrations are linted: those not
    /// on the merge base of `HEAD` with `baseline` (default: the default branch), else the newest
    /// 20. SQL files (also Flyway, Prisma, goose, dbmate) are linted with squawk's rules; the DSLs
    /// of Rails, Django, Alembic, Knex, Sequelize and Liquibase call by call.
    ///
    /// A repository without schema migrations is not assessed; declare the item not applicable in
    /// `[na]`.
    ///
    /// ## How to fix
    /// Split breaking changes into expand and contract steps, released separately:
    ///
    /// ```sql
    /// -- release 1 (expand): add the new column; the code writes both, reads the old
    /// ALTER TABLE users ADD COLUMN full_name text;
    /// UPDATE users SET full_name = name WHERE full_name IS NULL;  -- batch this on large tables
    /// -- release 2: the code reads and writes full_name only
    /// -- release 3 (contract): nothing uses the old column any more
    /// ALTER TABLE users DROP COLUMN name;
    /// ```
    ///
    /// To make a column `NOT NULL`, add it nullable or with a default, backfill, add
    /// `CHECK (col IS NOT NULL) NOT VALID`, validate it, then `SET NOT NULL` (PostgreSQL 12+ uses
    /// the validated check and skips the full scan).
    pub COMPATIBLE_MIGRATIONS = {
        id: "7.7",
        slug: "compatible-migrations",
        title: "Backward-compatible migrations",
        section: Reliability,
        threshold: Threshold::at_most(0),
        sources: [Source],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let m = evidence.repo()?.migrations.get()?;
    let summary = format!("{} new of {} migration(s) linted ({})", m.linted.len(), m.total, m.baseline);
    Ok(migration_findings(&m.breaking, "breaking change", threshold, summary))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::{expect, expect_with, migration_finding, repo, with_repo};
    use crate::evidence::Slot;
    use crate::outcome::Status;

    fn with_breaking(n: usize) -> Evidence {
        let mut r = repo();
        if let Slot::Collected { data } = &mut r.migrations {
            data.breaking = (0..n)
                .map(|i| migration_finding("ban-drop-column", "migrations/0002_orders.sql", i as u32 + 3))
                .collect();
        }
        with_repo(r)
    }

    #[test]
    fn clean_new_migrations_pass() {
        let o = expect(&COMPATIBLE_MIGRATIONS, &with_breaking(0), Status::Pass);
        assert!(o.evidence.contains("2 new of 2 migration(s) linted"), "{}", o.evidence);
    }

    #[test]
    fn a_breaking_change_fails_with_file_and_line() {
        let o = expect(&COMPATIBLE_MIGRATIONS, &with_breaking(1), Status::Fail);
        assert_eq!(o.measured.as_deref(), Some("1 breaking change(s)"));
        assert!(o.findings[0].starts_with("migrations/0002_orders.sql:3 ban-drop-column:"), "{:?}", o.findings);
        expect_with(&COMPATIBLE_MIGRATIONS, &with_breaking(1), &Threshold::at_most(1), Status::Pass);
    }

    #[test]
    fn no_migrations_is_not_assessed() {
        let mut r = repo();
        r.migrations = Slot::unavailable("no migration files found");
        let o = expect(&COMPATIBLE_MIGRATIONS, &with_repo(r), Status::NotAssessed);
        assert_eq!(o.evidence, "no migration files found");
        expect(&COMPATIBLE_MIGRATIONS, &Evidence::default(), Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &COMPATIBLE_MIGRATIONS,
            with_breaking(1),
            "1",
            Status::Fail,
            Status::Pass,
        )
    }
}
