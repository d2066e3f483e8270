//! 5.6 latency-alert: p99 latency alert.

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
    pub LATENCY_ALERT = {
        id: "5.6",
        slug: "latency-alert",
        title: "p99 latency alert",
        section: Observability,
        threshold: Threshold::duration_at_most_ms(500),
        sources: [Metrics],
        severity: Medium,
        evaluate: None,
    }
}
