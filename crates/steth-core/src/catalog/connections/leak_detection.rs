//! 4.6 leak-detection: connection leak detection.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That connection leaks are detected: either the pool is configured to report connections
    /// held far longer than any request should take, or, from the database side, no application
    /// session sits "idle in transaction" for a long time.
    ///
    /// ## Why it matters
    /// A leak is a code path that takes a connection and never gives it back, typically an early
    /// return or an exception. Each occurrence costs one connection; after enough of them the
    /// pool is empty and every request waits for the acquire timeout, often hours after the
    /// deploy that introduced the bug. A session left idle in transaction also keeps its row
    /// locks and holds back vacuum's cleanup horizon, so tables and indexes bloat (2.8) while it
    /// lives.
    ///
    /// ## How it is measured
    /// Sources: **source** and **pg**. Static analysis looks for leak-detection settings in the
    /// pool configuration of known drivers. In `pg_stat_activity` stethoscope looks for the
    /// application's sessions in state `idle in transaction` (or `idle in transaction (aborted)`)
    /// that have stayed there for a long time; finding one is a symptom of an actual leak and
    /// fails the item regardless of configuration. stethoscope's own sessions are excluded. This
    /// is a requirement, not a number, so there is no threshold to override.
    ///
    /// ## How to fix
    /// Turn on the pool's own detection, which logs the stack trace of the code that borrowed the
    /// connection:
    ///
    /// ```properties
    /// # HikariCP: warn when a connection is held longer than 20 s
    /// spring.datasource.hikari.leak-detection-threshold=20000
    /// ```
    ///
    /// Let PostgreSQL end abandoned transactions for the application role:
    ///
    /// ```sql
    /// ALTER ROLE app SET idle_in_transaction_session_timeout = '60s';
    /// ```
    ///
    /// Then fix the leaking path itself by releasing connections on every path (4.8).
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
