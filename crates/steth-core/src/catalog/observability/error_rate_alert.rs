//! 5.5 error-rate-alert: error-rate alert.

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
    pub ERROR_RATE_ALERT = {
        id: "5.5",
        slug: "error-rate-alert",
        title: "Error-rate alert",
        section: Observability,
        threshold: Threshold::percent_at_least(1.0),
        sources: [Metrics],
        severity: Medium,
        evaluate: None,
    }
}
