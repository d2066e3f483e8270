//! 6.3 rate-limiting: rate limiting on public endpoints.

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
    pub RATE_LIMITING = {
        id: "6.3",
        slug: "rate-limiting",
        title: "Rate limiting on public endpoints",
        section: Security,
        threshold: Threshold::requires("limits configured"),
        sources: [Http],
        severity: High,
        evaluate: None,
    }
}
