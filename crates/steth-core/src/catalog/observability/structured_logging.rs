//! 5.3 structured-logging: structured logging.

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
    pub STRUCTURED_LOGGING = {
        id: "5.3",
        slug: "structured-logging",
        title: "Structured logging",
        section: Observability,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Service, Source],
        severity: Medium,
        evaluate: None,
    }
}
