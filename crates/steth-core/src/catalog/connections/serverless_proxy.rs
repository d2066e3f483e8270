//! 4.10 serverless-proxy: connection proxy for serverless.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That a serverless service (AWS Lambda, Cloud Functions, Cloud Run scaled to many
    /// instances, and the like) reaches PostgreSQL through a connection pooler or proxy such as
    /// PgBouncer or RDS Proxy instead of connecting directly. For services that are not
    /// serverless the item is `n/a`.
    ///
    /// ## Why it matters
    /// Every function instance keeps its own connections, and instances scale with traffic: a
    /// spike to 800 concurrent executions opens 800 or more connections against a database whose
    /// `max_connections` may be 200, and the excess fail with `too many clients already`. Frozen
    /// instances also keep their connections open without using them. A pooler multiplexes all
    /// those clients onto a small, fixed number of server connections.
    ///
    /// ## How it is measured
    /// Sources: **config** and **pg**. The item applies only when the stethoscope config declares
    /// the service serverless; otherwise it is `n/a` and leaves the denominator. When it applies,
    /// stethoscope checks from the database side whether the application's connections arrive
    /// through a pooler such as PgBouncer or RDS Proxy. This is a requirement, not a number, so
    /// there is no threshold to override.
    ///
    /// ## How to fix
    /// Put a pooler between the functions and the database, and keep each function's own pool at
    /// one or two connections:
    ///
    /// ```ini
    /// ; pgbouncer.ini
    /// [pgbouncer]
    /// pool_mode = transaction
    /// max_client_conn = 5000
    /// default_pool_size = 20
    /// ```
    ///
    /// Transaction pooling breaks session state: `SET` without `LOCAL`, advisory locks held
    /// across transactions, `LISTEN`, and (before PgBouncer 1.21's `max_prepared_statements`)
    /// named prepared statements. On AWS, RDS Proxy does the same as a managed service; hosted
    /// PostgreSQL offerings such as Neon and Supabase provide a pooled connection endpoint.
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
