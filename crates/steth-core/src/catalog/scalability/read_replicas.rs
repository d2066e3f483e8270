//! 8.4 read-replicas: read replicas for read-heavy queries.

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
    pub READ_REPLICAS = {
        id: "8.4",
        slug: "read-replicas",
        title: "Read replicas for read-heavy queries",
        section: Scalability,
        threshold: Threshold::requires("read/write split"),
        sources: [Pg],
        severity: Low,
        evaluate: None,
    }
}
