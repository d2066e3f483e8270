//! 7.7 compatible-migrations: backward-compatible migrations.

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
