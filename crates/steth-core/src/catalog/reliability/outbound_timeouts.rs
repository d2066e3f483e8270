//! 7.3 outbound-timeouts: timeouts on all outbound calls.

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
    pub OUTBOUND_TIMEOUTS = {
        id: "7.3",
        slug: "outbound-timeouts",
        title: "Timeouts on all outbound calls",
        section: Reliability,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Source, Service],
        severity: High,
        evaluate: None,
    }
}
