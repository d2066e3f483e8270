//! 8.8 bounded-responses: max response size bounded.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The server caps the size of every result set, whatever the client asks for: a request with
    /// `?limit=1000000` gets at most the maximum page size (say 100 items) or a 400. The default
    /// threshold is "huge limits capped".
    ///
    /// ## Why it matters
    /// Pagination without a cap is pagination a client can switch off. One integration partner who
    /// sets `limit=100000` to avoid paging makes the API load 100 000 rows and build a 200 MB JSON
    /// document; memory spikes, the instance is OOM-killed, and every other request it was serving
    /// fails with it. The same parameter is an easy denial-of-service lever.
    ///
    /// ## How it is measured
    /// - **http**: stethoscope requests list endpoints with a huge limit such as `?limit=1000000`
    ///   and checks that the result is capped. The probes are bounded in bytes and time, so an
    ///   uncapped response is not downloaded in full.
    ///
    /// ## How to fix
    /// Clamp the requested size on the server and document the maximum (e.g. `maximum: 100` in the
    /// OpenAPI schema):
    ///
    /// ```python
    /// MAX_PAGE = 100
    /// limit = min(max(int(request.args.get("limit", 20)), 1), MAX_PAGE)
    /// ```
    ///
    /// Either clamping silently or answering 400 above the maximum is fine; pick one and document
    /// it. Bulk exports belong in a background job (8.5) that writes a file, not in a list
    /// endpoint. GraphQL APIs need the equivalent limits on `first`/`last` and on query depth or
    /// complexity.
    pub BOUNDED_RESPONSES = {
        id: "8.8",
        slug: "bounded-responses",
        title: "Max response size bounded",
        section: Scalability,
        threshold: Threshold::requires("huge limits capped"),
        sources: [Http],
        severity: High,
        evaluate: None,
    }
}
