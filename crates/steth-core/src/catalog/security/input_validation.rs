//! 6.6 input-validation: input validation.

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
    pub INPUT_VALIDATION = {
        id: "6.6",
        slug: "input-validation",
        title: "Input validation",
        section: Security,
        threshold: Threshold::requires("400 or 422 on bad input"),
        sources: [Http],
        severity: High,
        evaluate: None,
    }
}
