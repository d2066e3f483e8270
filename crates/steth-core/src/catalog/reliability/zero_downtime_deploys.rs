//! 7.6 zero-downtime-deploys: zero-downtime deployment.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// A new version can be rolled out without failed requests: a rolling update or a blue/green
    /// switch, in which new instances take traffic only once ready and old ones are drained before
    /// they stop. The default threshold is "rolling or blue/green".
    ///
    /// ## Why it matters
    /// When a deploy means a minute of 502s, teams deploy less often, batch more changes into each
    /// release, and each deploy becomes riskier. The usual causes: a single instance, a "recreate"
    /// strategy that stops everything before starting the new version, or readiness that reports
    /// ready before the application can serve (pools not open, caches cold).
    ///
    /// ## How it is measured
    /// - **service**: stethoscope runs two instances of the service, puts them under load, and
    ///   restarts one of them; no request may fail. This exercises what a rolling deploy relies on:
    ///   graceful shutdown of the old instance and a new instance that serves correctly once
    ///   started.
    ///
    /// The real deployment pipeline (Kubernetes, ECS, Argo Rollouts) is out of stethoscope's reach.
    /// When the service cannot be run this way, vouch for the deployment strategy in `[attest]`,
    /// e.g. `"7.6" = "blue/green via Argo Rollouts, see runbook §3"`; it is then shown as attested.
    ///
    /// ## How to fix
    /// Run at least two replicas and let the orchestrator replace them one at a time, gated on
    /// readiness:
    ///
    /// ```yaml
    /// spec:
    ///   replicas: 3
    ///   strategy:
    ///     type: RollingUpdate
    ///     rollingUpdate:
    ///       maxUnavailable: 0
    ///       maxSurge: 1
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           readinessProbe:
    ///             httpGet: { path: /health/ready, port: 8080 }
    ///             periodSeconds: 5
    /// ```
    ///
    /// It also needs graceful shutdown (7.4), meaningful readiness (7.5), and migrations that the
    /// old version tolerates (7.7), since both versions run side by side during the rollout.
    pub ZERO_DOWNTIME_DEPLOYS = {
        id: "7.6",
        slug: "zero-downtime-deploys",
        title: "Zero-downtime deployment",
        section: Reliability,
        threshold: Threshold::requires("rolling or blue/green"),
        sources: [Service],
        severity: Medium,
        evaluate: None,
    }
}
