//! 6.1 authentication: authentication on all non-public endpoints.

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
    pub AUTHENTICATION = {
        id: "6.1",
        slug: "authentication",
        title: "Authentication on all non-public endpoints",
        section: Security,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Http],
        severity: Critical,
        evaluate: None,
    }
}
