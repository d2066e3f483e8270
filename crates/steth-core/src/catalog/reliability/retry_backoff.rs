//! 7.2 retry-backoff: retries with capped, jittered backoff.

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
    pub RETRY_BACKOFF = {
        id: "7.2",
        slug: "retry-backoff",
        title: "Retries with capped, jittered backoff",
        section: Reliability,
        threshold: Threshold::requires("implemented"),
        sources: [Source],
        severity: Medium,
        evaluate: None,
    }
}
