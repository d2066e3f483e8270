//! 5.2 red-metrics: red metrics per endpoint.

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
    pub RED_METRICS = {
        id: "5.2",
        slug: "red-metrics",
        title: "RED metrics per endpoint",
        section: Observability,
        threshold: Threshold::requires("rate, errors, duration"),
        sources: [Metrics, Load],
        severity: Medium,
        evaluate: None,
    }
}
