//! 8.2 stateless-service: stateless service.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// No per-user state lives in one instance's memory or on its local disk. Sessions, carts,
    /// upload progress and similar data are kept in Redis or the database, so any instance can
    /// serve any request. The default threshold is "state in Redis or the database only".
    ///
    /// ## Why it matters
    /// With in-memory sessions, a load balancer without sticky sessions logs users out at random,
    /// whenever a request lands on another instance. With sticky sessions it seems to work, until a
    /// deploy, a crash or a scale-in logs out everyone on that instance and the load stays unevenly
    /// spread. A common hidden cause is a session signing key generated at startup: each instance
    /// rejects the cookies signed by the others.
    ///
    /// ## How it is measured
    /// - **service**: stethoscope runs two instances, creates a session on the first one (by
    ///   logging in with a configured identity) and uses it on the second. The second instance must
    ///   accept it; if it does not, the item fails.
    ///
    /// Without service control or without a configured identity the item is not assessed.
    ///
    /// ## How to fix
    /// Store sessions server-side in a shared store with a TTL (for example Redis through your
    /// framework's session backend), or use signed tokens whose key is the same on every instance:
    ///
    /// ```python
    /// app.secret_key = os.urandom(32)                # differs per instance: sessions break
    /// app.secret_key = os.environ["SESSION_SECRET"]  # shared by all instances
    /// ```
    ///
    /// Apply the same rule to anything that outlives one request: uploads in progress, multi-step
    /// forms, WebSocket subscriptions (use a shared pub/sub such as Redis).
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
