//! 6.7 no-secrets-in-source: no secrets in source.

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
    pub NO_SECRETS_IN_SOURCE = {
        id: "6.7",
        slug: "no-secrets-in-source",
        title: "No secrets in source",
        section: Security,
        threshold: Threshold::at_most(0),
        sources: [Source],
        severity: Critical,
        evaluate: None,
    }
}
