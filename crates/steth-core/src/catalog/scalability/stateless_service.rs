//! 8.2 stateless-service: stateless service.

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
    pub STATELESS_SERVICE = {
        id: "8.2",
        slug: "stateless-service",
        title: "Stateless service",
        section: Scalability,
        threshold: Threshold::requires("state in Redis or the database only"),
        sources: [Service],
        severity: High,
        evaluate: None,
    }
}
