//! 9.4 migration-lock-lint: migrations reviewed for lock risk.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// TODO
    ///
    /// ## Why it matters
    /// TODO
    ///
    /// ## How it is measured
    /// TODO
    ///
    /// ## How to fix
    /// TODO
    pub MIGRATION_LOCK_LINT = {
        id: "9.4",
        slug: "migration-lock-lint",
        title: "Migrations reviewed for lock risk",
        section: DevelopmentPractices,
        threshold: Threshold::at_most(0),
        sources: [Source],
        severity: Medium,
        evaluate: None,
    }
}
