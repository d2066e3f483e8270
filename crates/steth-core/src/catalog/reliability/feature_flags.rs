//! 7.8 feature-flags: feature flags.

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
    pub FEATURE_FLAGS = {
        id: "7.8",
        slug: "feature-flags",
        title: "Feature flags",
        section: Reliability,
        threshold: Threshold::requires("flag system in use"),
        sources: [Source],
        severity: Low,
        evaluate: None,
    }
}
