//! The nine sections of the checklist, in report order.

use serde::{Deserialize, Serialize};

/// One of the checklist's nine sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 1. API performance.
    ApiPerformance,
    /// 2. Database.
    Database,
    /// 3. Caching.
    Caching,
    /// 4. Connection management.
    ConnectionManagement,
    /// 5. Observability.
    Observability,
    /// 6. Security.
    Security,
    /// 7. Reliability.
    Reliability,
    /// 8. Scalability.
    Scalability,
    /// 9. Development practices.
    DevelopmentPractices,
    /// Beyond the 71: items from the wider performance checklists, scored separately. Not in
    /// [`Section::ALL`], so it never counts towards the checklist's score.
    Extended,
}

impl Section {
    /// Every section, in report order.
    pub const ALL: [Section; 9] = [
        Section::ApiPerformance,
        Section::Database,
        Section::Caching,
        Section::ConnectionManagement,
        Section::Observability,
        Section::Security,
        Section::Reliability,
        Section::Scalability,
        Section::DevelopmentPractices,
    ];

    /// The section's number, the first part of its items' ids.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The section's title as printed in reports.
    pub fn title(self) -> &'static str {
        match self {
            Section::ApiPerformance => "API performance",
            Section::Database => "Database",
            Section::Caching => "Caching",
            Section::ConnectionManagement => "Connection management",
            Section::Observability => "Observability",
            Section::Security => "Security",
            Section::Reliability => "Reliability",
            Section::Scalability => "Scalability",
            Section::DevelopmentPractices => "Development practices",
            Section::Extended => "Beyond the 71 (extended)",
        }
    }

    /// The short name used on the command line (`--sections database,security`).
    pub fn key(self) -> &'static str {
        match self {
            Section::ApiPerformance => "api",
            Section::Database => "database",
            Section::Caching => "caching",
            Section::ConnectionManagement => "connections",
            Section::Observability => "observability",
            Section::Security => "security",
            Section::Reliability => "reliability",
            Section::Scalability => "scalability",
            Section::DevelopmentPractices => "practices",
            Section::Extended => "extended",
        }
    }

    /// Finds a section by its number ("2") or its key ("database").
    pub fn parse(text: &str) -> Option<Section> {
        let text = text.trim();
        Section::ALL.into_iter().find(|s| s.key().eq_ignore_ascii_case(text) || s.number().to_string() == text)
    }
}
