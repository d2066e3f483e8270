//! Evidence: plain data gathered by the collectors, saved with every audit and re-evaluated
//! without touching the target. No clients or handles live here.

mod api;
mod extended;
mod http;
mod load;
mod metrics;
mod pg;
mod redis;
mod slot;

pub use api::{
    AuthProbe, AuthzAttempt, AuthzProbe, BodyLimitAttempt, BodyLimitProbe, BurstProbe, Exchange, InputProbe, ListPage,
    ListProbe, LoginAttempt, RequestIdExchange, RequestIdProbe, TraceExchange, TracingProbe,
};
pub use extended::{CompressionProbe, ConditionalProbe, IdempotencyProbe};
pub use http::{CorsExchange, CorsProbe, HeaderSample, HealthAnswer, HealthProbe, HttpEvidence};
pub use load::{EndpointLoad, LoadEvidence, LoadSettings, Percentiles, PhaseResult};
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
pub use slot::Slot;

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
}
