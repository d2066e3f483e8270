//! 6.2 data-authorization: authorization at the data layer.

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
    pub DATA_AUTHORIZATION = {
        id: "6.2",
        slug: "data-authorization",
        title: "Authorization at the data layer",
        section: Security,
        threshold: Threshold::percent_at_least(100.0),
        sources: [Http],
        severity: Critical,
        evaluate: None,
    }
}
