//! Policy: which items run, with which thresholds, and what the config attests or rules out.
//! Applying it to the evidence gives each item's outcome.

use crate::catalog::{self, Item, Source};
use crate::evidence::Evidence;
use crate::outcome::{Outcome, Status};
use crate::section::Section;
use crate::threshold::Threshold;
use std::collections::BTreeMap;

/// Which items an audit covers (`--only`, `--skip`, `--sections`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// When set, only these item ids.
    pub only: Option<Vec<String>>,
    /// Item ids left out.
    pub skip: Vec<String>,
    /// When set, only these sections.
    pub sections: Option<Vec<Section>>,
}

impl Selection {
    /// Whether the item is part of the audit.
    pub fn includes(&self, item: &Item) -> bool {
        self.only.as_ref().is_none_or(|ids| ids.iter().any(|id| id == item.id))
            && !self.skip.iter().any(|id| id == item.id)
            && self.sections.as_ref().is_none_or(|s| s.contains(&item.section))
    }
    /// Whether the item with this id is part of the audit, by id alone (its section is the
    /// id's leading number; `X.n` items belong to no numbered section). Collectors ask it
    /// through `Policy::wants` without knowing the catalog.
    pub fn includes_id(&self, id: &str) -> bool {
        let section = id.split('.').next().and_then(Section::parse);
        self.only.as_ref().is_none_or(|ids| ids.iter().any(|i| i == id))
            && !self.skip.iter().any(|i| i == id)
            && self.sections.as_ref().is_none_or(|s| section.is_some_and(|section| s.contains(&section)))
    }
    /// Whether every item is included.
    pub fn is_everything(&self) -> bool {
        self.only.is_none() && self.skip.is_empty() && self.sections.is_none()
    }
}

/// Which evidence sources an audit collects: those the selected, measurable items declare.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    bits: u16,
}

impl Needs {
    /// Every source.
    pub fn all() -> Needs {
        Source::ALL.into_iter().fold(Needs::default(), Needs::with)
    }
    /// These needs and one source more.
    pub fn with(self, source: Source) -> Needs {
        Needs { bits: self.bits | 1 << source as u16 }
    }
    /// These needs without a source.
    pub fn without(self, source: Source) -> Needs {
        Needs { bits: self.bits & !(1 << source as u16) }
    }
    /// Whether the source is needed.
    pub fn contains(self, source: Source) -> bool {
        self.bits & 1 << source as u16 != 0
    }
}

/// Threshold overrides, attestations and n/a declarations, keyed by item id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    /// Thresholds replacing the defaults.
    pub thresholds: BTreeMap<String, Threshold>,
    /// Items a human vouched for, with the evidence note.
    pub attest: BTreeMap<String, String>,
    /// Items that do not apply, with the reason.
    pub na: BTreeMap<String, String>,
    /// Which items run.
    pub selection: Selection,
}

/// One item after assessment: the threshold used and the outcome.
#[derive(Debug, Clone)]
pub struct Assessed {
    /// The item.
    pub item: &'static Item,
    /// The threshold actually used.
    pub threshold: Threshold,
    /// The verdict.
    pub outcome: Outcome,
}

impl Policy {
    /// Whether any of these items is selected and applies: a probe runs only when an item
    /// that needs its evidence does (`--only 6.8` sends no rate-limit burst).
    pub fn wants(&self, ids: &[&str]) -> bool {
        ids.iter().any(|id| self.selection.includes_id(id) && !self.na.contains_key(*id))
    }

    /// The threshold used for an item.
    pub fn threshold(&self, item: &Item) -> Threshold {
        self.thresholds.get(item.id).cloned().unwrap_or_else(|| item.default_threshold.clone())
    }

    /// The sources the selected items read: only items that are implemented and not declared
    /// n/a count, so `--only 6.8` collects the HTTP probes and nothing else.
    pub fn needs(&self) -> Needs {
        catalog::items()
            .chain(catalog::extended_items())
            .filter(|i| self.selection.includes(i) && i.is_implemented() && !self.na.contains_key(i.id))
            .flat_map(|i| i.sources.iter().copied())
            .fold(Needs::default(), Needs::with)
    }

    /// Assesses the extended items (beyond the 71) with the same thresholds and declarations;
    /// they run whenever their evidence was gathered and are scored apart.
    pub fn assess_extended(&self, evidence: &Evidence) -> Vec<Assessed> {
        catalog::extended_items()
            .filter(|item| self.selection.includes(item))
            .map(|item| {
                let threshold = self.threshold(item);
                let outcome = match self.na.get(item.id) {
                    Some(reason) => Outcome::not_applicable(format!("declared n/a: {reason}")),
                    None => item.assess(evidence, &threshold),
                };
                Assessed { item, threshold, outcome }
            })
            .collect()
    }

    /// Assesses every selected item. A measurement wins over an attestation: attestations
    /// only fill items that could not be measured, or that failed only because the repository
    /// shows no sign of a practice kept elsewhere (`Outcome::attestable`); a vouched-for item
    /// that fails on a measurement still fails.
    pub fn assess(&self, evidence: &Evidence) -> Vec<Assessed> {
        catalog::items()
            .filter(|item| self.selection.includes(item))
            .map(|item| {
                let threshold = self.threshold(item);
                let outcome = if let Some(reason) = self.na.get(item.id) {
                    Outcome::not_applicable(format!("declared n/a: {reason}"))
                } else {
                    let measured = item.assess(evidence, &threshold);
                    match self.attest.get(item.id) {
                        Some(note) if measured.status == Status::NotAssessed || measured.attestable => {
                            Outcome::attested(format!("attested: {note}"))
                        }
                        _ => measured,
                    }
                };
                Assessed { item, threshold, outcome }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attestation_fills_unmeasured_items_only() {
        let mut policy = Policy::default();
        policy.attest.insert("7.6".into(), "blue/green via Argo Rollouts".into());
        policy.na.insert("4.10".into(), "not serverless".into());
        policy.selection.only = Some(vec!["7.6".into(), "4.10".into(), "2.2".into()]);
        let out = policy.assess(&Evidence::default());
        let status: Vec<(&str, Status)> = out.iter().map(|a| (a.item.id, a.outcome.status)).collect();
        assert_eq!(status, vec![("2.2", Status::NotAssessed), ("4.10", Status::Na), ("7.6", Status::Attested)]);
        assert!(out[2].outcome.evidence.contains("Argo"));
    }

    #[test]
    fn needs_follow_the_selected_items_sources() {
        let mut policy = Policy::default();
        policy.selection.only = Some(vec!["6.8".into()]);
        let needs = policy.needs();
        assert!(needs.contains(Source::Http));
        assert!(!needs.contains(Source::Pg) && !needs.contains(Source::Load) && !needs.contains(Source::Metrics));
        policy.selection.only = Some(vec!["4.2".into()]);
        assert!(policy.needs().contains(Source::Metrics), "4.2 falls back on the service's histogram");
        policy.na.insert("4.2".into(), "no database".into());
        assert_eq!(policy.needs(), Needs::default());
        assert!(Source::ALL.iter().all(|s| Needs::all().contains(*s)));
        assert!(!Needs::all().without(Source::Pg).contains(Source::Pg));
    }

    #[test]
    fn attestation_replaces_a_practice_not_found_but_not_a_measured_fail() {
        use crate::evidence::{PracticeEvidence, RepoEvidence, Slot, SourceEvidence};
        let mut policy = Policy::default();
        policy.attest.insert("9.2".into(), "nightly k6 in the perf pipeline".into());
        policy.attest.insert("7.7".into(), "we review migrations".into());
        policy.selection.only = Some(vec!["9.2".into(), "7.7".into()]);
        let mut repo = RepoEvidence { load_tests: PracticeEvidence::default(), ..RepoEvidence::default() };
        let finding = crate::evidence::MigrationFinding {
            rule: "ban-drop-column".into(),
            message: "drops a column".into(),
            statement: "ALTER TABLE a DROP COLUMN b;".into(),
            at: crate::evidence::Location { file: "migrations/1.sql".into(), line: 1 },
        };
        repo.migrations =
            Slot::collected(crate::evidence::MigrationEvidence { breaking: vec![finding], ..Default::default() });
        let evidence = Evidence {
            source: Slot::collected(SourceEvidence { repo: Slot::collected(repo), ..SourceEvidence::default() }),
            ..Evidence::default()
        };
        let out = policy.assess(&evidence);
        let status: Vec<(&str, Status)> = out.iter().map(|a| (a.item.id, a.outcome.status)).collect();
        assert_eq!(status, vec![("7.7", Status::Fail), ("9.2", Status::Attested)]);
    }

    #[test]
    fn selection_filters_by_id_section_and_skip() {
        let sel = Selection { only: None, skip: vec!["2.2".into()], sections: Some(vec![Section::Database]) };
        let ids: Vec<&str> = catalog::items().filter(|i| sel.includes(i)).map(|i| i.id).collect();
        assert_eq!(ids, vec!["2.1", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8"]);
        for item in catalog::items().chain(catalog::extended_items()) {
            assert_eq!(sel.includes_id(item.id), sel.includes(item), "{}", item.id);
        }
    }

    #[test]
    fn probes_are_wanted_only_for_selected_applicable_items() {
        let mut policy = Policy::default();
        assert!(policy.wants(&["6.3"]) && policy.wants(&["X.3"]));
        policy.selection.only = Some(vec!["6.8".into()]);
        assert!(!policy.wants(&["6.3", "6.4", "1.6", "6.6", "X.3"]));
        assert!(policy.wants(&["6.8"]));
        policy.selection = Selection { only: None, skip: vec!["6.3".into()], sections: None };
        policy.na.insert("6.4".into(), "no login".into());
        assert!(!policy.wants(&["6.3", "6.4"]));
        policy.selection.sections = Some(vec![Section::Security]);
        assert!(!policy.wants(&["X.3", "1.6"]) && policy.wants(&["6.6"]));
    }
}
