//! Scoring: outcomes to section scores, the total, the band, coverage and the top actions.
//! Reads only outcomes.

use crate::catalog::Severity;
use crate::outcome::Status;
use crate::section::Section;
use serde::{Deserialize, Serialize};

/// Points earned out of the applicable items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// Points earned (pass and attested).
    pub points: u32,
    /// Applicable items (n/a removed).
    pub max: u32,
    /// Items with a verdict: measured (pass, fail, warn) or attested.
    #[serde(default)]
    pub assessed: u32,
}

impl Score {
    /// Adds one outcome's status.
    pub fn add(&mut self, status: Status) {
        if status != Status::Na {
            self.max += 1;
            self.points += status.points();
        }
        self.assessed += u32::from(matches!(status, Status::Pass | Status::Fail | Status::Warn | Status::Attested));
    }
    /// The score over the assessed items only (measured or attested): what the measured part
    /// of the service scores, beside the checklist score that counts every unmeasured item as 0.
    pub fn over_assessed(self) -> Score {
        Score { points: self.points, max: self.assessed, assessed: self.assessed }
    }
    /// The score as a percentage, or None when nothing applies.
    pub fn percent(self) -> Option<f64> {
        (self.max > 0).then(|| f64::from(self.points) * 100.0 / f64::from(self.max))
    }
    /// The band the score falls in; compared in integers so 90 % is exactly production-ready.
    pub fn band(self) -> Band {
        let (p, m) = (u64::from(self.points) * 100, u64::from(self.max));
        if m == 0 {
            Band::HighRisk
        } else if p >= 90 * m {
            Band::ProductionReady
        } else if p >= 70 * m {
            Band::SomeGaps
        } else if p >= 50 * m {
            Band::SignificantDebt
        } else {
            Band::HighRisk
        }
    }
}

/// The verdict band of a total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// 90–100 %.
    ProductionReady,
    /// 70–89 %.
    SomeGaps,
    /// 50–69 %.
    SignificantDebt,
    /// Below 50 %.
    HighRisk,
}

impl Band {
    /// The band's name and range.
    pub fn label(self) -> &'static str {
        match self {
            Band::ProductionReady => "production-ready (90–100 %)",
            Band::SomeGaps => "some gaps (70–89 %)",
            Band::SignificantDebt => "significant technical debt (50–69 %)",
            Band::HighRisk => "high risk (< 50 %)",
        }
    }
    /// What the band asks of the team.
    pub fn advice(self) -> &'static str {
        match self {
            Band::ProductionReady => "ship it; keep the audit in CI so it stays that way",
            Band::SomeGaps => "addressable within one sprint",
            Band::SignificantDebt => "prioritize the fixes this quarter",
            Band::HighRisk => "stop and fix before further feature work",
        }
    }
}

/// How many items were measured, attested or not assessed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// Items with pass, fail or warn.
    pub measured: u32,
    /// Items a human vouched for.
    pub attested: u32,
    /// Items without evidence.
    pub not_assessed: u32,
    /// Items whose evidence source failed.
    pub error: u32,
    /// Items that do not apply.
    pub na: u32,
}

impl Coverage {
    /// Counts one outcome's status.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass | Status::Fail | Status::Warn => self.measured += 1,
            Status::Attested => self.attested += 1,
            Status::NotAssessed => self.not_assessed += 1,
            Status::Error => self.error += 1,
            Status::Na => self.na += 1,
        }
    }
}

/// What the scorer needs of one assessed item.
#[derive(Debug, Clone, Copy)]
pub struct Scored<'a> {
    /// Item id.
    pub id: &'a str,
    /// The item's section.
    pub section: Section,
    /// How much a failure hurts.
    pub severity: Severity,
    /// The verdict.
    pub status: Status,
    /// How far past the threshold the measurement is.
    pub excess: Option<f64>,
}

/// The scores of one audit.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoring {
    /// Per section, in report order (sections with no selected item are left out).
    pub sections: Vec<(Section, Score)>,
    /// The total.
    pub total: Score,
    /// Measured, attested, not assessed.
    pub coverage: Coverage,
    /// Ids of the top 3 failed items by severity, then distance from the threshold.
    pub actions: Vec<String>,
    /// The band of the total, or None when too few items were measured to support one.
    pub band: Option<Band>,
}

/// A band needs at least this share of the applicable items measured (pass, fail, warn): below
/// it the total is mostly unmeasured items scoring 0, and "high risk" or "ship it" would be a
/// verdict on what was not looked at.
pub const BAND_MIN_MEASURED_SHARE: f64 = 0.5;

/// How many measured items a band needs among `applicable` ones.
pub fn measured_needed_for_band(applicable: u32) -> u32 {
    ((f64::from(applicable) * BAND_MIN_MEASURED_SHARE).ceil() as u32).max(1)
}

/// Scores a set of assessed items given in report order.
pub fn score(items: &[Scored<'_>]) -> Scoring {
    let mut sections: Vec<(Section, Score)> = Vec::new();
    let mut total = Score::default();
    let mut coverage = Coverage::default();
    for item in items {
        match sections.iter_mut().find(|(s, _)| *s == item.section) {
            Some((_, score)) => score.add(item.status),
            None => {
                let mut score = Score::default();
                score.add(item.status);
                sections.push((item.section, score));
            }
        }
        total.add(item.status);
        coverage.add(item.status);
    }
    let mut failed: Vec<(usize, &Scored<'_>)> =
        items.iter().enumerate().filter(|(_, i)| i.status == Status::Fail).collect();
    failed.sort_by(|(ia, a), (ib, b)| {
        b.severity.cmp(&a.severity).then(b.excess.unwrap_or(1.0).total_cmp(&a.excess.unwrap_or(1.0))).then(ia.cmp(ib))
    });
    let actions = failed.into_iter().take(3).map(|(_, i)| i.id.to_string()).collect();
    let band = (total.max > 0 && coverage.measured >= measured_needed_for_band(total.max)).then(|| total.band());
    Scoring { sections, total, coverage, actions, band }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, severity: Severity, status: Status, excess: Option<f64>) -> Scored<'_> {
        Scored { id, section: Section::Database, severity, status, excess }
    }

    fn score_of(points: u32, max: u32) -> Score {
        Score { points, max, assessed: 0 }
    }

    #[test]
    fn band_edges_are_inclusive_at_90_70_50() {
        assert_eq!(score_of(9, 10).band(), Band::ProductionReady);
        assert_eq!(score_of(899, 1000).band(), Band::SomeGaps);
        assert_eq!(score_of(7, 10).band(), Band::SomeGaps);
        assert_eq!(score_of(699, 1000).band(), Band::SignificantDebt);
        assert_eq!(score_of(5, 10).band(), Band::SignificantDebt);
        assert_eq!(score_of(499, 1000).band(), Band::HighRisk);
        assert_eq!(score_of(10, 10).band(), Band::ProductionReady);
        assert_eq!(score_of(0, 0).band(), Band::HighRisk);
    }

    #[test]
    fn na_leaves_the_denominator_and_attested_earns_a_point() {
        let items = [
            item("2.1", Severity::High, Status::Pass, None),
            item("2.2", Severity::High, Status::Na, None),
            item("2.3", Severity::High, Status::Attested, None),
            item("2.4", Severity::High, Status::Fail, None),
            item("2.5", Severity::High, Status::NotAssessed, None),
            item("2.6", Severity::High, Status::Warn, None),
            item("2.7", Severity::High, Status::Error, None),
        ];
        let s = score(&items);
        assert_eq!(s.total, Score { points: 2, max: 6, assessed: 4 });
        assert_eq!(s.sections, vec![(Section::Database, Score { points: 2, max: 6, assessed: 4 })]);
        assert_eq!(s.total.over_assessed().percent(), Some(50.0));
        assert_eq!(s.band, Some(Band::HighRisk), "3 of 6 measured supports a band");
        assert_eq!(s.coverage, Coverage { measured: 3, attested: 1, not_assessed: 1, error: 1, na: 1 });
        assert_eq!(s.total.percent().map(|p| (p * 100.0).round() / 100.0), Some(33.33));
    }

    #[test]
    fn too_few_measured_items_give_no_band() {
        let mut items = vec![item("7.6", Severity::High, Status::Attested, None)];
        assert_eq!(score(&items).band, None, "an attestation alone measures nothing");
        items.extend((0..9).map(|_| item("2.2", Severity::High, Status::NotAssessed, None)));
        items.push(item("2.1", Severity::High, Status::Pass, None));
        let s = score(&items);
        assert_eq!(
            (s.band, s.total.percent(), s.total.over_assessed().percent()),
            (None, Some(2.0 / 11.0 * 100.0), Some(100.0))
        );
        items.extend((0..5).map(|_| item("2.3", Severity::High, Status::Fail, None)));
        assert_eq!(score(&items).band, None, "6 of 16 measured is short of half");
        items.extend((0..4).map(|_| item("2.3", Severity::High, Status::Fail, None)));
        assert_eq!(score(&items).band, Some(Band::HighRisk), "10 of 20 measured supports a band");
    }

    #[test]
    fn actions_rank_by_severity_then_distance_then_order() {
        let items = [
            item("1.1", Severity::Medium, Status::Fail, Some(5.0)),
            item("1.2", Severity::High, Status::Fail, Some(1.2)),
            item("1.3", Severity::High, Status::Fail, Some(3.0)),
            item("1.4", Severity::Critical, Status::Warn, Some(9.0)),
            item("1.5", Severity::Low, Status::Fail, Some(50.0)),
            item("1.6", Severity::High, Status::Fail, None),
        ];
        assert_eq!(score(&items).actions, vec!["1.3", "1.2", "1.6"]);
    }

    #[test]
    fn sections_keep_report_order() {
        let mut a = item("3.1", Severity::Low, Status::Pass, None);
        a.section = Section::Caching;
        let b = item("2.1", Severity::Low, Status::Fail, None);
        let s = score(&[b, a]);
        assert_eq!(s.sections.iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![Section::Database, Section::Caching]);
    }
}
