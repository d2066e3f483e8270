//! 5.4 request-ids: request ids propagated.

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
    pub REQUEST_IDS = {
        id: "5.4",
        slug: "request-ids",
        title: "Request ids propagated",
        section: Observability,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Http, Service],
        severity: Medium,
        evaluate: None,
    }
}
