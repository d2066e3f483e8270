//! The checklist catalog: every item declared once, in the file of its section, in report order.

mod alert_rules;
mod api_performance;
mod caching;
mod connections;
mod database;
mod extended;
mod item;
mod observability;
mod practices;
mod reliability;
mod repo_practice;
mod scalability;
mod security;
mod shared;
#[cfg(test)]
pub(crate) mod testing;

pub use item::{Item, Severity, Source, Verdict};

use crate::section::Section;

/// The items of one section, in report order.
pub fn section_items(section: Section) -> &'static [&'static Item] {
    match section {
        Section::ApiPerformance => api_performance::ITEMS,
        Section::Database => database::ITEMS,
        Section::Caching => caching::ITEMS,
        Section::ConnectionManagement => connections::ITEMS,
        Section::Observability => observability::ITEMS,
        Section::Security => security::ITEMS,
        Section::Reliability => reliability::ITEMS,
        Section::Scalability => scalability::ITEMS,
        Section::DevelopmentPractices => practices::ITEMS,
        Section::Extended => extended::ITEMS,
    }
}

/// Every item of the checklist, in report order.
pub fn items() -> impl Iterator<Item = &'static Item> {
    Section::ALL.into_iter().flat_map(|s| section_items(s).iter().copied())
}

/// The extended items (beyond the 71), scored separately.
pub fn extended_items() -> impl Iterator<Item = &'static Item> {
    extended::ITEMS.iter().copied()
}

/// Finds an item, of the 71 or extended, by its id ("2.2", "X.1") or its slug ("fk-indexes").
pub fn find(id_or_slug: &str) -> Option<&'static Item> {
    let key = id_or_slug.trim();
    items().chain(extended_items()).find(|i| i.id.eq_ignore_ascii_case(key) || i.slug.eq_ignore_ascii_case(key))
}

/// Declares one checklist item. The doc comment above the name is the item's user
/// documentation and must carry the four headings (What it checks, Why it matters,
/// How it is measured, How to fix).
macro_rules! declare_item {
    (
        $(#[doc = $doc:literal])*
        pub $name:ident = {
            id: $id:literal,
            slug: $slug:literal,
            title: $title:literal,
            section: $section:ident,
            threshold: $threshold:expr,
            sources: [$($source:ident),* $(,)?],
            severity: $severity:ident,
            evaluate: $evaluate:expr $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub static $name: $crate::catalog::Item = $crate::catalog::Item {
            id: $id,
            slug: $slug,
            title: $title,
            section: $crate::section::Section::$section,
            default_threshold: $threshold,
            sources: &[$($crate::catalog::Source::$source),*],
            severity: $crate::catalog::Severity::$severity,
            doc: concat!($($doc, "\n"),*),
            file: file!(),
            line: line!(),
            evaluate: $evaluate,
        };
    };
}
pub(crate) use declare_item;

/// What item files import.
pub(crate) mod prelude {
    pub(crate) use super::{Verdict, declare_item};
    pub(crate) use crate::evidence::Evidence;
    pub(crate) use crate::outcome::Outcome;
    pub(crate) use crate::threshold::Threshold;
}

/// The override case of every item whose threshold is a number, section by section.
#[cfg(test)]
fn override_cases() -> Vec<testing::OverrideCase> {
    [
        api_performance::override_cases(),
        database::override_cases(),
        caching::override_cases(),
        connections::override_cases(),
        observability::override_cases(),
        security::override_cases(),
        reliability::override_cases(),
        scalability::override_cases(),
        practices::override_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_numeric_item_follows_its_configured_override() {
        let cases = override_cases();
        // Every implemented item with a numeric threshold has a case, and nothing else has one.
        let numeric: Vec<&str> = items()
            .chain(extended_items())
            .filter(|i| i.is_implemented() && i.default_threshold.number().is_some())
            .map(|i| i.id)
            .collect();
        let covered: Vec<&str> = cases.iter().map(|c| c.item.id).collect();
        let missing: Vec<&&str> = numeric.iter().filter(|id| !covered.contains(id)).collect();
        assert!(missing.is_empty(), "numeric items without an override case: {missing:?}");
        assert_eq!(covered.len(), numeric.len(), "one case per numeric item: {covered:?}");
        let mut wrong = Vec::new();
        for case in &cases {
            if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case.check())) {
                let why =
                    e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                wrong.push(format!("{}: {}", case.item.id, why.unwrap_or_default()));
            }
        }
        assert!(wrong.is_empty(), "overrides that do not move the verdict:\n{}", wrong.join("\n"));
        assert_eq!(cases.len(), 29, "the numeric items today");
    }
    use std::collections::HashSet;

    #[test]
    fn catalog_has_the_71_items_of_the_checklist_in_order() {
        let counts: Vec<usize> = Section::ALL.iter().map(|s| section_items(*s).len()).collect();
        assert_eq!(counts, [6, 8, 8, 10, 8, 10, 8, 8, 5]);
        for s in Section::ALL {
            for (n, item) in section_items(s).iter().enumerate() {
                assert_eq!(item.id, format!("{}.{}", s.number(), n + 1), "ids are numbered in order");
                assert_eq!(item.section, s, "{} declared in the wrong section", item.id);
            }
        }
        let slugs: HashSet<_> = items().map(|i| i.slug).collect();
        assert_eq!(slugs.len(), 71, "slugs are unique");
    }

    #[test]
    fn ids_match_the_specification() {
        let spec = include_str!("../../../../docs/CHECKLIST-ids.txt");
        let spec_ids: Vec<&str> = spec.lines().filter(|l| !l.trim().is_empty()).collect();
        let ids: Vec<&str> = items().map(|i| i.id).collect();
        assert_eq!(ids, spec_ids);
    }

    #[test]
    fn every_item_documents_the_four_headings() {
        for item in items().chain(extended_items()) {
            for heading in ["## What it checks", "## Why it matters", "## How it is measured", "## How to fix"] {
                assert!(item.doc.contains(heading), "{} ({}) lacks `{heading}`", item.id, item.file);
            }
            assert!(item.doc.len() > 400, "{} has too short an explanation", item.id);
        }
    }

    #[test]
    fn slugs_name_properties_in_kebab_case() {
        for item in items() {
            assert!(
                item.slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}: slug `{}` is not kebab-case",
                item.id,
                item.slug
            );
            assert!(!item.title.ends_with('.'), "{}: titles carry no period", item.id);
        }
    }

    #[test]
    fn items_without_collector_are_never_passed() {
        let evidence = crate::evidence::Evidence::default();
        for item in items().filter(|i| i.evaluate.is_none()) {
            let o = item.assess(&evidence, &item.default_threshold);
            assert_eq!(o.status, crate::outcome::Status::NotAssessed, "{}", item.id);
            assert_eq!(o.evidence, "no collector yet");
        }
    }

    #[test]
    fn items_with_collector_report_not_assessed_without_evidence() {
        let evidence = crate::evidence::Evidence::default();
        for item in items().filter(|i| i.evaluate.is_some()) {
            let o = item.assess(&evidence, &item.default_threshold);
            assert_eq!(o.status, crate::outcome::Status::NotAssessed, "{}", item.id);
        }
    }
}
