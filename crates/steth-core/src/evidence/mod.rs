//! Evidence: plain data gathered by the collectors, saved with every audit and re-evaluated
//! without touching the target. No clients or handles live here.

mod alert_rules;
mod api;
mod declared;
mod extended;
mod http;
mod load;
mod metrics;
mod pg;
mod redis;
mod replication;
mod repo;
mod slot;
mod source;

pub use alert_rules::{AlertCondition, AlertRule, AlertRules, AlertSignal, RuleProblem};
pub use api::{
    AuthProbe, AuthzAttempt, AuthzProbe, BodyLimitAttempt, BodyLimitProbe, BurstProbe, Exchange, InputProbe, ListPage,
    ListProbe, LoginAttempt, RequestIdExchange, RequestIdProbe, TraceExchange, TracingProbe,
};
pub use declared::{Declared, DeclaredEndpoint};
pub use extended::{
    CompressionProbe, ConditionalProbe, DocsAnswer, DocsProbe, EnumerationProbe, IdempotencyProbe, LoginAnswer,
};
pub use http::{CorsExchange, CorsProbe, HeaderSample, HealthAnswer, HealthProbe, HttpEvidence};
pub use load::{
    CleanupDone, EndpointKind, EndpointLoad, LoadEvidence, LoadSettings, Percentiles, Phase, PhaseResult,
    StatusClasses, Windowed, WritesMade, in_phase,
};
pub use metrics::{
    Bucket, HistogramWindow, MAX_LABEL_VALUES, METHOD_LABELS, MetricFamily, MetricsEvidence, Quantile, QueryHistogram,
    ROUTE_LABELS, RequestCounting, RequestWindow, STATUS_LABELS, is_request_counter, mentions_requests, name_words,
    pool, quantile,
};
pub use pg::{
    AppSession, ForeignKey, Index, IndexBloatEstimate, IndexDensity, PgActivity, PgEvidence, PgSchema, PgSettings,
    PgWorkload, PhaseWindow, PlanNode, PoolerProbe, SettingLevels, StatementDelta, StatementPlan, StatementTotals,
    StatementWindow, TableScanTotals, TableScans, is_driver_housekeeping, setting_millis,
};
pub use redis::{
    CacheWindow, KeySample, KeyShape, Namespace, NegativeProbe, PrefixCount, RedisCounters, RedisEvidence, RedisMemory,
    StampedeProbe, StatementCount, hit_rate, per_endpoint,
};
pub use replication::{ReplicaReads, ReplicaWindow, Replication, Standby};
pub use repo::{
    AdvisoryMatch, BudgetEvidence, DependencyEvidence, EndpointBudget, Location, Lockfile, MigrationEvidence,
    MigrationFinding, PracticeEvidence, RepoEvidence, Sighting, VulnerablePackage,
};
pub use slot::{AnySlot, Slot, SlotState};
pub use source::{Redacted, SecretFinding, SecretScan, SourceEvidence};

use crate::catalog::Source;
use serde::{Deserialize, Serialize};

/// Everything the collectors gathered in one audit, one slot per evidence source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Single targeted HTTP probes against the service.
    pub http: Slot<HttpEvidence>,
    /// PostgreSQL catalog, settings and statistics.
    pub pg: Slot<PgEvidence>,
    /// Load phases per hot endpoint.
    #[serde(default)]
    pub load: Slot<LoadEvidence>,
    /// Redis counters, memory settings, key sample and active cache probes.
    #[serde(default)]
    pub redis: Slot<RedisEvidence>,
    /// The service's Prometheus metrics around each load phase.
    #[serde(default)]
    pub metrics: Slot<MetricsEvidence>,
    /// The repository's files and git history.
    #[serde(default)]
    pub source: Slot<SourceEvidence>,
    /// What the config declares about the service (cores, serverless, peak rate, budgets).
    #[serde(default)]
    pub config: Slot<Declared>,
}

impl Evidence {
    /// The slot a source fills; `None` for sources that have no slot of their own (the service
    /// process is not controlled yet). This match is the one place that ties a `Source` to its
    /// slot.
    pub fn slot(&self, source: Source) -> Option<&dyn AnySlot> {
        match source {
            Source::Http => Some(&self.http),
            Source::Pg => Some(&self.pg),
            Source::Load => Some(&self.load),
            Source::Redis => Some(&self.redis),
            Source::Metrics => Some(&self.metrics),
            Source::Source => Some(&self.source),
            Source::Config => Some(&self.config),
            Source::Service => None,
        }
    }

    /// The slot a source fills, to change it.
    pub fn slot_mut(&mut self, source: Source) -> Option<&mut dyn AnySlot> {
        match source {
            Source::Http => Some(&mut self.http),
            Source::Pg => Some(&mut self.pg),
            Source::Load => Some(&mut self.load),
            Source::Redis => Some(&mut self.redis),
            Source::Metrics => Some(&mut self.metrics),
            Source::Source => Some(&mut self.source),
            Source::Config => Some(&mut self.config),
            Source::Service => None,
        }
    }

    /// Whether a source's evidence was gathered; `None` for sources without a slot.
    pub fn state(&self, source: Source) -> Option<SlotState> {
        self.slot(source).map(|s| s.state())
    }

    /// The same evidence with every slot of a source outside `keep` made unavailable: what an
    /// item that declares only `keep` may look at.
    pub fn only(&self, keep: &[Source]) -> Evidence {
        let mut out = self.clone();
        for source in Source::ALL.into_iter().filter(|s| !keep.contains(s)) {
            if let Some(slot) = out.slot_mut(source) {
                slot.blank("blanked: not a declared source");
            }
        }
        out
    }
}
