//! 2.4 no-n-plus-one: no n+1 query patterns.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// That no hot endpoint issues more than **10 database queries per request** on average. More
    /// than that almost always means an N+1 pattern: one query for a list, then one more query
    /// for each element of it.
    ///
    /// ## Why it matters
    /// Each extra query costs a network round trip, a trip through the pool and parse/plan work
    /// on the server. An endpoint listing 50 orders and loading each order's customer separately
    /// runs 51 queries; at 0.5 ms each that is 25 ms of pure round-trip time before any real
    /// work, and it grows with page size and data. Under load the query rate multiplies the
    /// database's work far beyond what the request rate suggests.
    ///
    /// ## How it is measured
    /// Sources: **pg** with **load**, and **source**. During each endpoint's load phase
    /// stethoscope takes the delta of `calls` over all of the application's statements in
    /// `pg_stat_statements` (its own sessions excluded) and divides it by the number of requests
    /// sent, giving queries per request for that endpoint. Other traffic against the same
    /// database in that window is counted too, so run the audit on a quiet environment. Static
    /// analysis of the repository adds supporting evidence: queries issued inside loops. A code
    /// finding alone is indirect (`warn`). Override the per-request limit with `"2.4" = "5"`
    /// under `[thresholds]`.
    ///
    /// ## How to fix
    /// Load related rows in one query with a join or a batched `IN`/`ANY`:
    ///
    /// ```sql
    /// SELECT * FROM customers WHERE id = ANY($1);  -- $1: array of ids from the first query
    /// ```
    ///
    /// With an ORM, ask for eager loading: Django `select_related` / `prefetch_related`,
    /// SQLAlchemy `selectinload()` / `joinedload()`, Rails `includes`, Hibernate `JOIN FETCH` or
    /// `@BatchSize`, Ecto `preload`. In GraphQL resolvers use a DataLoader. Then pin the fix with
    /// a query-count assertion in tests (9.3).
    pub NO_N_PLUS_ONE = {
        id: "2.4",
        slug: "no-n-plus-one",
        title: "No N+1 query patterns",
        section: Database,
        threshold: Threshold::at_most(10),
        sources: [Pg, Load, Source],
        severity: High,
        evaluate: None,
    }
}
