//! The report model: one serde type every renderer reads and `report RUN.json` reloads.
//! Its JSON form is a public, versioned API (`schema/report.schema.json`).

use crate::catalog::{self, Severity};
use crate::evidence::{Evidence, LoadSettings, Percentiles, Phase, SlotState, StatusClasses};
use crate::outcome::{EndpointVerdict, Status};
use crate::policy::Assessed;
use crate::score::{self, Band, Coverage, Score, Scored};
use crate::section::Section;
use serde::{Deserialize, Serialize};

/// Version of the JSON report format; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 2;

/// A whole audit's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Version of this format.
    pub schema_version: u32,
    /// The tool that produced it.
    pub tool: Tool,
    /// When, against what, with which sources.
    pub run: Run,
    /// Every selected item in report order.
    pub items: Vec<ItemResult>,
    /// Per-section scores in report order.
    pub sections: Vec<SectionScore>,
    /// The total score.
    pub total: Total,
    /// How much was measured.
    pub coverage: Coverage,
    /// The top 3 action items.
    pub actions: Vec<Action>,
    /// Items beyond the 71, scored apart from them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended: Option<Extended>,
    /// Per-endpoint latency under normal load, when load phases ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadSummary>,
    /// The evidence the verdicts were drawn from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_evidence: Option<Evidence>,
}

/// The extended items and their own score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extended {
    /// Each extended item.
    pub items: Vec<ItemResult>,
    /// Points earned.
    pub score: u32,
    /// Applicable items.
    pub max: u32,
    /// Percentage, absent when nothing applies.
    pub percent: Option<f64>,
}

/// The load phases at a glance: settings, bounds, one row per endpoint, the slowest five.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadSummary {
    /// Rates, durations and the abort bounds the phases ran with.
    pub settings: LoadSettings,
    /// One row per endpoint, from its normal-load phase.
    pub endpoints: Vec<EndpointRow>,
    /// Names of the five endpoints with the highest p99, slowest first.
    pub slowest: Vec<String>,
    /// Every write the load phases made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<crate::evidence::WritesMade>,
    /// Endpoints that change data and were not loaded (the config does not allow it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_writes: Vec<String>,
}

/// One endpoint under normal load, in the seeds' table shape plus the timing breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointRow {
    /// Display name.
    pub name: String,
    /// Method.
    pub method: String,
    /// read, write or batch.
    pub kind: String,
    /// Median latency.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest latency.
    pub max_ms: f64,
    /// The strictest p99 target a load item (1.1–1.3) held the endpoint to; absent when
    /// none of them was selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ms: Option<f64>,
    /// The worst verdict the load items gave the endpoint: pass, warn (within 10 %) or fail
    /// (over its target, or its phase was no latency measurement); `not_assessed` when none
    /// of them was selected.
    pub status: Status,
    /// Why the row fails when its phase was no latency measurement ("96 % of the responses
    /// were 401: ...").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Requests by outcome class: 2xx, 3xx, 4xx, 5xx, timeout, no answer.
    #[serde(default)]
    pub classes: StatusClasses,
    /// Requests answered or failed.
    pub requests: u64,
    /// Successful (2xx) answers per second.
    pub achieved_rate: f64,
    /// 5xx answers plus requests without an answer.
    pub failures: u64,
    /// Mean connect time.
    pub connect_mean_ms: f64,
    /// Mean time to first byte.
    pub ttfb_mean_ms: f64,
    /// Mean body transfer time.
    pub transfer_mean_ms: f64,
    /// `Server-Timing` phases, mean milliseconds.
    pub server_timing: std::collections::BTreeMap<String, f64>,
    /// Requests per connection (keep-alive reuse).
    pub requests_per_connection: f64,
    /// 1.3 found its p99 at 2 s or more: long-running work that belongs in a queue (8.5).
    pub over_2s: bool,
    /// Why the phase stopped early, when it did.
    pub stopped: Option<String>,
    /// Every phase the endpoint ran, in order: its latency spectrum and the database and cache
    /// work it caused (absent in older reports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseRow>,
}

/// One load phase of one endpoint: the latency spectrum (p50 to max, the points an HDR
/// percentile plot draws) and, when those sources were read, the database and cache work the
/// phase caused. Figures only: no verdict is drawn here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseRow {
    /// baseline, normal, stress or soak.
    pub phase: Phase,
    /// Requests answered or failed in the measured window.
    pub requests: u64,
    /// Successful (2xx) answers per second.
    pub achieved_rate: f64,
    /// Latency percentiles, milliseconds.
    pub latency: Percentiles,
    /// Application statements in the phase (`pg_stat_statements`), the driver's connection
    /// housekeeping not counted: how 2.4 counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queries: Option<u64>,
    /// Those statements per request sent (warm-up included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queries_per_request: Option<f64>,
    /// Sequential scans of the service's tables in the phase (`pg_stat_user_tables`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_scans: Option<u64>,
    /// Rows those sequential scans read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_rows: Option<u64>,
    /// Server sessions opened on the service's database in the phase (`pg_stat_database`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_connections: Option<u64>,
    /// Redis keyspace hits in the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_hits: Option<u64>,
    /// Redis keyspace misses in the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_misses: Option<u64>,
}

/// The producing tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// Always "stethoscope".
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Metadata of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Start time, RFC 3339 in UTC.
    pub started_at: String,
    /// Wall time of the whole audit in milliseconds.
    pub duration_ms: u64,
    /// The audited service's base URL, credentials redacted.
    pub target: Option<String>,
    /// The config file used.
    pub config: Option<String>,
    /// Which items were selected, when not all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<String>,
    /// Each evidence source and whether it could be used.
    pub sources: Vec<SourceState>,
}

/// Whether one evidence source was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceState {
    /// Source name: http, pg, redis, ...
    pub name: String,
    /// collected, unavailable or failed.
    pub state: crate::evidence::SlotState,
    /// Where it pointed (redacted) or why it could not be used.
    pub detail: String,
}

impl SourceState {
    /// The state of every source that has a slot, in `Source::ALL` order: where it pointed when
    /// collected, otherwise why not.
    pub fn all(evidence: &crate::evidence::Evidence, plan: &crate::config::Plan) -> Vec<SourceState> {
        crate::catalog::Source::ALL
            .into_iter()
            // The config's declarations are read, never collected: no source to use or to fail.
            .filter(|source| *source != crate::catalog::Source::Config)
            .filter_map(|source| {
                let slot = evidence.slot(source)?;
                let location = plan.location(source);
                let state = match slot.state() {
                    SlotState::Unavailable if location.is_none() => SlotState::NotConfigured,
                    state => state,
                };
                let detail = match slot.detail() {
                    Some(why) => why.to_string(),
                    None => location.unwrap_or_default(),
                };
                Some(SourceState { name: source.name().into(), state, detail })
            })
            .collect()
    }
}

/// One item's verdict as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// Stable id, e.g. "2.2".
    pub id: String,
    /// Stable slug.
    pub slug: String,
    /// Section key.
    pub section: Section,
    /// Title.
    pub title: String,
    /// The verdict.
    pub status: Status,
    /// The measured value, when measured.
    pub measured: Option<String>,
    /// The threshold used, as printed.
    pub threshold: String,
    /// One-line evidence summary or the reason nothing was measured.
    pub evidence: String,
    /// Offending or examined objects.
    #[serde(default)]
    pub findings: Vec<String>,
    /// How much a failure hurts.
    pub severity: Severity,
    /// Evidence sources the item uses.
    pub sources: Vec<String>,
}

/// A section's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionScore {
    /// Section key.
    pub section: Section,
    /// Section number.
    pub number: u8,
    /// Section title.
    pub title: String,
    /// Points earned.
    pub score: u32,
    /// Applicable items.
    pub max: u32,
    /// Percentage, absent when nothing applies.
    pub percent: Option<f64>,
    /// Items of the section with a verdict (measured or attested); 0 means the section was not
    /// assessed at all, which renderers show instead of a 0 %.
    pub assessed: u32,
}

/// The score over the assessed items only (measured or attested).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessedScore {
    /// Points earned.
    pub score: u32,
    /// Items with a verdict.
    pub max: u32,
    /// Percentage, absent when nothing was assessed.
    pub percent: Option<f64>,
}

/// The total score and its band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Total {
    /// Points earned.
    pub score: u32,
    /// Applicable items.
    pub max: u32,
    /// Percentage, absent when nothing applies: the checklist score exactly as the seeds
    /// define it, every unmeasured item counting 0.
    pub percent: Option<f64>,
    /// The score over the assessed items, shown beside it.
    pub assessed: AssessedScore,
    /// The verdict band, absent when too few items were measured to support one.
    pub band: Option<Band>,
    /// The band's name and range, or why there is none ("no band: 3 of 70 items measured ...").
    pub band_label: String,
    /// What the band asks of the team.
    pub advice: String,
}

/// One of the top action items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// Item id.
    pub id: String,
    /// Item title.
    pub title: String,
    /// How much it hurts.
    pub severity: Severity,
    /// What was measured.
    pub measured: Option<String>,
    /// The threshold.
    pub threshold: String,
    /// The evidence line.
    pub evidence: String,
}

impl Report {
    /// Adds the extended items, scored apart from the 71.
    pub fn with_extended(mut self, assessed: &[Assessed]) -> Report {
        if assessed.is_empty() {
            // None selected (`--sections database`, `--only 2.2`): no extended table at all.
            self.extended = None;
            return self;
        }
        let mut score = Score::default();
        for a in assessed {
            score.add(a.outcome.status);
        }
        self.extended =
            Some(Extended { items: results(assessed), score: score.points, max: score.max, percent: score.percent() });
        self
    }

    /// Builds the report from assessed items; scoring happens here and nowhere else.
    pub fn build(run: Run, assessed: &[Assessed], evidence: Option<Evidence>) -> Report {
        let items = results(assessed);
        let scored: Vec<Scored<'_>> = assessed
            .iter()
            .map(|a| Scored {
                id: a.item.id,
                section: a.item.section,
                severity: a.item.severity,
                status: a.outcome.status,
                excess: a.outcome.excess,
            })
            .collect();
        let scoring = score::score(&scored);
        let sections = scoring
            .sections
            .iter()
            .map(|(s, score)| SectionScore {
                section: *s,
                number: s.number(),
                title: s.title().to_string(),
                score: score.points,
                max: score.max,
                percent: score.percent(),
                assessed: score.assessed,
            })
            .collect();
        let actions = scoring
            .actions
            .iter()
            .filter_map(|id| items.iter().find(|i| &i.id == id))
            .map(|i| Action {
                id: i.id.clone(),
                title: i.title.clone(),
                severity: i.severity,
                measured: i.measured.clone(),
                threshold: i.threshold.clone(),
                evidence: i.evidence.clone(),
            })
            .collect();
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "stethoscope".into(), version: env!("CARGO_PKG_VERSION").into() },
            run,
            items,
            sections,
            total: total_of(scoring.total, scoring.band, scoring.coverage.measured),
            coverage: scoring.coverage,
            actions,
            extended: None,
            load: evidence.as_ref().and_then(|e| load_summary(e, assessed)),
            raw_evidence: evidence,
        }
    }

    /// The item results of one section.
    pub fn section_items(&self, section: Section) -> impl Iterator<Item = &ItemResult> {
        self.items.iter().filter(move |i| i.section == section)
    }

    /// The catalog item behind a result, when this build still knows its id.
    pub fn catalog_item(result: &ItemResult) -> Option<&'static catalog::Item> {
        catalog::find(&result.id)
    }

    /// Items with the given status.
    pub fn count(&self, status: Status) -> usize {
        self.items.iter().filter(|i| i.status == status).count()
    }
}

/// How bad a row verdict is, for picking the worst one.
fn rank(status: Status) -> u8 {
    match status {
        Status::Fail => 3,
        Status::Warn => 2,
        Status::Pass => 1,
        _ => 0,
    }
}

/// The table of endpoints under load: figures from the evidence, verdicts from what the load
/// items decided (their `Outcome::endpoints`), never judged again here.
fn load_summary(evidence: &Evidence, assessed: &[Assessed]) -> Option<LoadSummary> {
    let load = evidence.load.data()?;
    let verdicts: Vec<&EndpointVerdict> = assessed.iter().flat_map(|a| &a.outcome.endpoints).collect();
    let endpoints: Vec<EndpointRow> = load
        .endpoints
        .iter()
        .filter_map(|e| {
            let p = e.phase(Phase::Normal).or_else(|| e.phases.last())?;
            let mine: Vec<&&EndpointVerdict> = verdicts.iter().filter(|v| v.endpoint == e.name).collect();
            let worst = mine.iter().max_by_key(|v| rank(v.status));
            Some(EndpointRow {
                name: e.name.clone(),
                method: e.method.clone(),
                kind: e.kind.word().to_string(),
                p50_ms: p.latency.p50_ms,
                p95_ms: p.latency.p95_ms,
                p99_ms: p.latency.p99_ms,
                max_ms: p.latency.max_ms,
                target_ms: mine.iter().map(|v| v.target_ms).min_by(f64::total_cmp),
                status: worst.map_or(Status::NotAssessed, |v| v.status),
                cause: mine.iter().find_map(|v| v.cause.clone()),
                classes: p.classes(),
                requests: p.requests,
                achieved_rate: p.achieved_rate,
                failures: p.failures,
                connect_mean_ms: p.connect_mean_ms,
                ttfb_mean_ms: p.ttfb_mean_ms,
                transfer_mean_ms: p.transfer_mean_ms,
                server_timing: p.server_timing.clone(),
                requests_per_connection: p.requests_per_connection,
                over_2s: mine.iter().any(|v| v.long_running),
                stopped: p.stopped.clone(),
                phases: e.phases.iter().map(|p| phase_row(evidence, &e.name, p)).collect(),
            })
        })
        .collect();
    // Rows that measured no latency (a 401 storm, timeouts) are not among the slowest.
    let mut by_p99: Vec<&EndpointRow> = endpoints.iter().filter(|r| r.cause.is_none()).collect();
    by_p99.sort_by(|a, b| b.p99_ms.total_cmp(&a.p99_ms));
    let slowest = by_p99.iter().take(5).map(|r| r.name.clone()).collect();
    Some(LoadSummary {
        settings: load.settings.clone(),
        endpoints,
        slowest,
        writes: load.writes.clone(),
        skipped_writes: load.skipped_writes.clone(),
    })
}

/// One phase's figures, with the database and cache counters of the same endpoint and phase.
fn phase_row(evidence: &Evidence, endpoint: &str, p: &crate::evidence::PhaseResult) -> PhaseRow {
    let pg = evidence
        .pg
        .data()
        .and_then(|pg| pg.workload.data())
        .and_then(|w| w.windows.iter().find(|w| w.endpoint == endpoint && w.phase == p.phase));
    let statements = pg.and_then(|w| w.statements.data());
    let queries: Option<u64> = statements.map(|s| {
        s.statements.iter().filter(|s| !crate::evidence::is_driver_housekeeping(&s.query)).map(|s| s.calls).sum()
    });
    let queries_per_request = pg.filter(|w| w.requests > 0).zip(queries).map(|(w, q)| q as f64 / w.requests as f64);
    let tables = pg.and_then(|w| w.tables.data());
    let cache = evidence
        .redis
        .data()
        .and_then(|r| r.phases.data())
        .and_then(|c| c.iter().find(|c| c.endpoint == endpoint && c.phase == p.phase));
    PhaseRow {
        phase: p.phase,
        requests: p.requests,
        achieved_rate: p.achieved_rate,
        latency: p.latency,
        queries,
        queries_per_request,
        seq_scans: tables.map(|t| t.iter().map(|t| t.seq_scans).sum()),
        seq_rows: tables.map(|t| t.iter().map(|t| t.seq_rows).sum()),
        new_connections: pg.and_then(|w| w.new_sessions.data()).copied(),
        cache_hits: cache.map(|c| c.hits),
        cache_misses: cache.map(|c| c.misses),
    }
}

fn results(assessed: &[Assessed]) -> Vec<ItemResult> {
    assessed
        .iter()
        .map(|a| ItemResult {
            id: a.item.id.to_string(),
            slug: a.item.slug.to_string(),
            section: a.item.section,
            title: a.item.title.to_string(),
            status: a.outcome.status,
            measured: a.outcome.measured.clone(),
            threshold: a.threshold.to_string(),
            evidence: a.outcome.evidence.clone(),
            findings: a.outcome.findings.clone(),
            severity: a.item.severity,
            sources: a.item.sources.iter().map(|s| s.name().to_string()).collect(),
        })
        .collect()
}

fn total_of(score: Score, band: Option<Band>, measured: u32) -> Total {
    let assessed = score.over_assessed();
    let (band_label, advice) = match band {
        Some(b) => (b.label().to_string(), b.advice().to_string()),
        None => (
            format!(
                "no band: {measured} of {} applicable item(s) measured, a band needs at least {}",
                score.max,
                score::measured_needed_for_band(score.max)
            ),
            "configure more evidence sources (or widen the selection) before judging readiness".to_string(),
        ),
    };
    Total {
        score: score.points,
        max: score.max,
        percent: score.percent(),
        assessed: AssessedScore { score: assessed.points, max: assessed.max, percent: assessed.percent() },
        band,
        band_label,
        advice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{self, window};
    use crate::evidence::{CacheWindow, EndpointKind, PgWorkload, Slot, StatementDelta, StatementWindow, TableScans};

    fn statement(query: &str, calls: u64) -> StatementDelta {
        StatementDelta { query: query.into(), calls, mean_ms: 0.5, stddev_ms: 0.1, max_ms: 2.0, rows: calls }
    }

    fn run() -> Run {
        Run {
            started_at: "2026-11-29T00:00:00Z".into(),
            duration_ms: 1,
            target: None,
            config: None,
            selection: None,
            sources: Vec::new(),
        }
    }

    #[test]
    fn each_phase_carries_its_latency_and_its_database_and_cache_work() {
        let mut evidence = testing::with_load(&[("GET /orders", "read", 2.0, 9.0), ("GET /other", "read", 1.0, 3.0)]);
        let mut w = window("GET /orders", "normal", 100);
        w.statements = Slot::collected(StatementWindow {
            statements: vec![statement("SELECT * FROM orders WHERE id = $1", 300), statement("DISCARD ALL", 100)],
            incomplete: None,
        });
        w.tables = Slot::collected(vec![TableScans {
            table: "public.orders".into(),
            live_rows: 10,
            seq_scans: 4,
            seq_rows: 40,
            index_scans: 0,
        }]);
        w.new_sessions = Slot::collected(2);
        let mut pg = testing::pg();
        pg.workload = Slot::collected(PgWorkload { windows: vec![w] });
        evidence.pg = Slot::collected(pg);
        let mut redis = testing::redis();
        redis.phases = Slot::collected(vec![CacheWindow {
            endpoint: "GET /orders".into(),
            kind: EndpointKind::Read,
            phase: Phase::Normal,
            requests: 100,
            hits: 90,
            misses: 10,
            evictions: 0,
        }]);
        evidence.redis = Slot::collected(redis);

        let report = Report::build(run(), &[], Some(evidence));
        let load = report.load.expect("load ran");
        let orders = &load.endpoints[0].phases;
        assert_eq!(orders.len(), 1);
        let p = &orders[0];
        assert_eq!((p.phase, p.requests, p.latency.p50_ms, p.latency.p99_ms), (Phase::Normal, 200, 2.0, 9.0));
        assert_eq!(p.queries_per_request, Some(3.0), "the driver's DISCARD ALL is not counted");
        assert_eq!(p.queries, Some(300), "DISCARD ALL left out");
        assert_eq!((p.seq_scans, p.seq_rows, p.new_connections), (Some(4), Some(40), Some(2)));
        assert_eq!((p.cache_hits, p.cache_misses), (Some(90), Some(10)));
        // An endpoint without windows has its latency and no work figures.
        let other = &load.endpoints[1].phases[0];
        assert_eq!(other.latency.p99_ms, 3.0);
        assert_eq!((other.queries_per_request, other.seq_scans, other.cache_hits), (None, None, None));
    }

    #[test]
    fn reports_without_phases_still_load() {
        let mut evidence = testing::with_load(&[("GET /orders", "read", 2.0, 9.0)]);
        evidence.pg = Slot::unavailable("not configured");
        let report = Report::build(run(), &[], Some(evidence));
        let mut json = serde_json::to_value(&report).unwrap();
        json["load"]["endpoints"][0].as_object_mut().unwrap().remove("phases");
        let back: Report = serde_json::from_value(json).unwrap();
        assert!(back.load.unwrap().endpoints[0].phases.is_empty());
    }
}
