//! The declaration of one checklist item and how it is assessed.

use crate::evidence::Evidence;
use crate::outcome::Outcome;
use crate::section::Section;
use crate::threshold::Threshold;
use serde::{Deserialize, Serialize};

/// What a check's `evaluate` returns: `Err` carries the outcome reported when the evidence it
/// needs is missing (`not assessed`) or failed (`error`), so checks can use `?` on slots.
pub type Verdict = Result<Outcome, Outcome>;

/// Where an item's evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The built-in load engine.
    Load,
    /// Single targeted HTTP probes.
    Http,
    /// PostgreSQL catalog and statistics.
    Pg,
    /// Redis INFO, CONFIG and SCAN sampling.
    Redis,
    /// The service's Prometheus endpoint and alert rule files.
    Metrics,
    /// Static analysis of the repository and its history.
    Source,
    /// stethoscope starting and controlling the service process.
    Service,
    /// The stethoscope config itself.
    Config,
}

impl Source {
    /// Every source, in the order the report lists them.
    pub const ALL: [Source; 8] = [
        Source::Http,
        Source::Pg,
        Source::Redis,
        Source::Metrics,
        Source::Load,
        Source::Source,
        Source::Service,
        Source::Config,
    ];

    /// The source's name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Source::Load => "load",
            Source::Http => "http",
            Source::Pg => "pg",
            Source::Redis => "redis",
            Source::Metrics => "metrics",
            Source::Source => "source",
            Source::Service => "service",
            Source::Config => "config",
        }
    }
}

/// How much a failure of the item hurts; ranks the action items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth doing when convenient.
    Low,
    /// Degrades performance or operability.
    Medium,
    /// Causes outages or serious slowdowns under load.
    High,
    /// A security hole or data loss risk.
    Critical,
}

/// One checklist item: its identity, default threshold, documentation and check.
#[derive(Debug)]
pub struct Item {
    /// Stable id, e.g. "2.2".
    pub id: &'static str,
    /// Stable slug naming the property demanded, e.g. "fk-indexes".
    pub slug: &'static str,
    /// Title as printed in reports.
    pub title: &'static str,
    /// The section the item belongs to.
    pub section: Section,
    /// Threshold used unless the config overrides it.
    pub default_threshold: Threshold,
    /// Evidence sources the item uses.
    pub sources: &'static [Source],
    /// How much a failure hurts.
    pub severity: Severity,
    /// The user documentation, with the four headings.
    pub doc: &'static str,
    /// The file that declares the item.
    pub file: &'static str,
    /// The line of the declaration.
    pub line: u32,
    /// The check, or `None` while no collector gathers its evidence.
    pub evaluate: Option<fn(&Evidence, &Threshold) -> Verdict>,
}

impl Item {
    /// Whether stethoscope can measure this item yet.
    pub fn is_implemented(&self) -> bool {
        self.evaluate.is_some()
    }

    /// Assesses the item from the evidence against a threshold.
    pub fn assess(&self, evidence: &Evidence, threshold: &Threshold) -> Outcome {
        match self.evaluate {
            None => Outcome::not_assessed("no collector yet"),
            Some(check) => check(evidence, threshold).unwrap_or_else(|missing| missing),
        }
    }

    /// The documentation as plain Markdown (doc-comment indentation removed).
    pub fn explanation(&self) -> String {
        self.doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n").trim().to_string()
    }
}
