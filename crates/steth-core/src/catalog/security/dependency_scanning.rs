//! 6.10 dependency-scanning: dependencies scanned for cves.

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
    pub DEPENDENCY_SCANNING = {
        id: "6.10",
        slug: "dependency-scanning",
        title: "Dependencies scanned for CVEs",
        section: Security,
        threshold: Threshold::requires("scan in CI"),
        sources: [Source],
        severity: High,
        evaluate: None,
    }
}
