//! 4.10 serverless-proxy: connection proxy for serverless.

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
    pub SERVERLESS_PROXY = {
        id: "4.10",
        slug: "serverless-proxy",
        title: "Connection proxy for serverless",
        section: ConnectionManagement,
        threshold: Threshold::requires("PgBouncer or RDS Proxy"),
        sources: [Config, Pg],
        severity: Medium,
        evaluate: None,
    }
}
