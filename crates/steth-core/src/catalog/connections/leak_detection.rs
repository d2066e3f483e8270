//! 4.6 leak-detection: connection leak detection.

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
    pub LEAK_DETECTION = {
        id: "4.6",
        slug: "leak-detection",
        title: "Connection leak detection",
        section: ConnectionManagement,
        threshold: Threshold::requires("enabled"),
        sources: [Source, Pg],
        severity: Medium,
        evaluate: None,
    }
}
