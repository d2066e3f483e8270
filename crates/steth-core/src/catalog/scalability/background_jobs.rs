//! 8.5 background-jobs: long-running work in a queue.

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
    pub BACKGROUND_JOBS = {
        id: "8.5",
        slug: "background-jobs",
        title: "Long-running work in a queue",
        section: Scalability,
        threshold: Threshold::duration_at_most_secs(2),
        sources: [Load, Source],
        severity: Medium,
        evaluate: None,
    }
}
