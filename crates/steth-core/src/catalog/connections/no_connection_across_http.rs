//! 4.9 no-connection-across-http: no connection held across external http calls.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That no code holds a database connection or an open transaction while it waits on an
    /// external HTTP call. The default allows **0** such places.
    ///
    /// ## Why it matters
    /// A payment or address-validation API with a p99 of 2 s (and a 30 s timeout when it
    /// misbehaves) turns every request that calls it inside a transaction into a 2–30 s
    /// connection hold, plus row locks held just as long. A small slowdown at the partner then
    /// exhausts the pool and blocks other writers on the locked rows, and the service fails even
    /// for endpoints that never call the partner. The sessions also show up as `idle in
    /// transaction`.
    ///
    /// ## How it is measured
    /// Source: **source**. stethoscope looks for HTTP client calls made inside a transaction or
    /// an explicit connection scope (between `BEGIN` and `COMMIT`, inside a `transaction()` block
    /// or `@Transactional` method, while a connection obtained from the pool is still held) and
    /// lists each with its location. Each occurrence counts as a violation. The allowed count can
    /// be overridden (`"4.9" = "0"`), though there is rarely a reason to.
    ///
    /// ## How to fix
    /// Split the work so the external call happens outside the transaction:
    ///
    /// ```python
    /// quote = payments.authorize(order)       # HTTP call, no connection held
    /// with db.begin() as tx:                  # short transaction
    ///     tx.execute(insert_payment, quote)
    /// ```
    ///
    /// When the call must be consistent with the write, record the intent in the database first
    /// (status `pending`), commit, call the partner, then update the status in a second short
    /// transaction. For outgoing notifications, use an outbox table written in the transaction
    /// and sent by a separate worker.
    pub NO_CONNECTION_ACROSS_HTTP = {
        id: "4.9",
        slug: "no-connection-across-http",
        title: "No connection held across external HTTP calls",
        section: ConnectionManagement,
        threshold: Threshold::at_most(0),
        sources: [Source],
        severity: Medium,
        evaluate: None,
    }
}
