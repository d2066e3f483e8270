//! 4.2 pool-size: pool size follows the formula.

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
    pub POOL_SIZE = {
        id: "4.2",
        slug: "pool-size",
        title: "Pool size follows the formula",
        section: ConnectionManagement,
        threshold: Threshold::requires("0.5× to 2× of the recommended size"),
        sources: [Pg, Load],
        severity: Medium,
        evaluate: None,
    }
}
