//! 6.4 auth-rate-limiting: stricter rate limit on auth endpoints.

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
    pub AUTH_RATE_LIMITING = {
        id: "6.4",
        slug: "auth-rate-limiting",
        title: "Stricter rate limit on auth endpoints",
        section: Security,
        threshold: Threshold::at_most(10),
        sources: [Http],
        severity: High,
        evaluate: None,
    }
}
