//! 7.6 zero-downtime-deploys: zero-downtime deployment.

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
    pub ZERO_DOWNTIME_DEPLOYS = {
        id: "7.6",
        slug: "zero-downtime-deploys",
        title: "Zero-downtime deployment",
        section: Reliability,
        threshold: Threshold::requires("rolling or blue/green"),
        sources: [Service],
        severity: Medium,
        evaluate: None,
    }
}
