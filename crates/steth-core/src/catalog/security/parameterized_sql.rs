//! 6.5 parameterized-sql: no string-concatenated sql.

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
    pub PARAMETERIZED_SQL = {
        id: "6.5",
        slug: "parameterized-sql",
        title: "No string-concatenated SQL",
        section: Security,
        threshold: Threshold::at_most(0),
        sources: [Source],
        severity: Critical,
        evaluate: None,
    }
}
