//! 7.7 compatible-migrations: backward-compatible migrations.

use crate::catalog::prelude::*;

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
    /// A repository without schema migrations can declare the item not applicable in `[na]`.
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
        evaluate: None,
    }
}
