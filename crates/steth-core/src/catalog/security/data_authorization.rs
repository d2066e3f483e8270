//! 6.2 data-authorization: authorization at the data layer.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// An authenticated user can read or change only the resources they own or have been granted:
    /// every lookup is checked against the data (owner, tenant), not only against "is logged in".
    /// This is broken object-level authorization (BOLA, also called IDOR), the first entry of the
    /// OWASP API Security Top 10. The default threshold is 100 % of cross-user attempts refused.
    ///
    /// ## Why it matters
    /// The handler for `GET /orders/{id}` loads the order by id and returns it. Any logged-in user
    /// who increments the id reads other customers' names, addresses and purchases; the same bug on
    /// `PATCH /orders/{id}` lets them change someone else's delivery address. Authentication (6.1)
    /// does not help: the attacker is a legitimate user.
    ///
    /// ## How it is measured
    /// - **http**: with two identities configured (A and B), stethoscope makes A read and change
    ///   resources belonging to B. Each attempt must be refused with 403 or 404; a 2xx fails.
    ///
    /// With fewer than two identities the item is not assessed. The probes are bounded in requests,
    /// bytes and time; use dedicated test accounts, since a failing service will accept the
    /// changes.
    ///
    /// ## How to fix
    /// Scope every query by the caller's identity, taken from the session and never from the
    /// request:
    ///
    /// ```sql
    /// SELECT * FROM orders WHERE id = $1 AND customer_id = $2;  -- $2 = authenticated user
    /// ```
    ///
    /// For defence in depth, PostgreSQL row-level security enforces it below the application:
    ///
    /// ```sql
    /// ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
    /// CREATE POLICY orders_owner ON orders
    ///   USING (customer_id = current_setting('app.user_id')::bigint);
    /// -- per transaction: SET LOCAL app.user_id = '42';
    /// ```
    ///
    /// Policies do not apply to the table owner (unless `FORCE ROW LEVEL SECURITY`) nor to
    /// superusers, so connect as a separate role. Prefer 404 over 403 for other users' resources so
    /// ids cannot be probed for existence.
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
