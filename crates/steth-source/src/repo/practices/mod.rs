//! The team practices visible in the repository: feature-flag SDKs (7.8), EXPLAIN in review
//! (9.1), load tests in CI (9.2) and performance budgets (9.5).

mod budgets;

pub(super) use budgets::budgets;

use super::at;
use super::ci::{CiScript, pattern};
use super::tree::{Tree, file_name};
use regex::Regex;
use std::sync::LazyLock;
use steth_core::evidence::{PracticeEvidence, Sighting};

/// Dependency manifests, where a flag SDK is declared.
fn is_manifest(rel: &str) -> bool {
    let name = file_name(rel);
    matches!(
        name,
        "package.json"
            | "pyproject.toml"
            | "Pipfile"
            | "setup.py"
            | "setup.cfg"
            | "Gemfile"
            | "go.mod"
            | "Cargo.toml"
            | "pom.xml"
            | "build.gradle"
            | "build.gradle.kts"
            | "composer.json"
            | "mix.exs"
    ) || (name.starts_with("requirements") && name.ends_with(".txt"))
        || name.ends_with(".csproj")
}

/// Feature-flag SDKs by the package names they ship under.
static FLAG_SDKS: LazyLock<Vec<(&str, Regex)>> = LazyLock::new(|| {
    [
        ("OpenFeature", r"openfeature|open-feature"),
        ("LaunchDarkly", r"launchdarkly"),
        ("Unleash", r"unleash[-_]client|unleash-api-client|@unleash/|getunleash|unleash-server-sdk"),
        ("Flagsmith", r"flagsmith"),
        ("GrowthBook", r"growthbook"),
        ("ConfigCat", r"configcat"),
        ("Flipt", r"\bflipt"),
        ("Flipper", r#"gem\s+['"]flipper"#),
        ("django-waffle", r"django-waffle"),
        ("Split", r"@splitsoftware/|splitio|split-sdk"),
        ("Statsig", r"statsig"),
        ("Optimizely", r"optimizely"),
        ("flagd", r"\bflagd\b"),
        ("Togglz", r"togglz"),
        ("FF4j", r"\bff4j\b"),
        ("Microsoft.FeatureManagement", r"microsoft\.featuremanagement"),
        ("fun_with_flags", r"fun_with_flags"),
    ]
    .into_iter()
    .map(|(n, p)| (n, pattern(p)))
    .collect()
});

/// 7.8: flag SDKs declared in the dependency manifests.
pub(super) fn flags(tree: &Tree) -> PracticeEvidence {
    let mut evidence = PracticeEvidence::default();
    for file in tree.matching(is_manifest) {
        evidence.searched.push(file.to_string());
        let Some(text) = tree.read(file) else { continue };
        for (n, line) in text.lines().enumerate() {
            for (name, sdk) in FLAG_SDKS.iter() {
                if sdk.is_match(line) {
                    evidence.found.push(Sighting { what: format!("{name} SDK"), at: at(file, n + 1) });
                }
            }
        }
    }
    if evidence.searched.is_empty() {
        evidence.searched.push(
            "no dependency manifest (package.json, pyproject.toml, requirements*.txt, \
            Gemfile, go.mod, Cargo.toml, pom.xml, build.gradle, composer.json, *.csproj)"
                .into(),
        );
    }
    evidence
}

/// Pull/merge-request templates and contributing guides, where a review rule is written down.
fn is_review_guide(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let name = file_name(&lower);
    let markdown = name.ends_with(".md") || name.ends_with(".txt") || name.ends_with(".rst") || !name.contains('.');
    markdown
        && (name.starts_with("pull_request_template")
            || lower.contains("/pull_request_template/")
            || lower.starts_with(".gitlab/merge_request_templates/")
            || name.starts_with("contributing")
            || name.starts_with("reviewing")
            || name.starts_with("code_review")
            || name.starts_with("code-review"))
}

/// A written requirement for query plans: the SQL keyword (upper case, so "explain why" in
/// prose does not count), `EXPLAIN ANALYZE` in any case, or "query plan".
static EXPLAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bEXPLAIN\b|(?i:\bexplain\s*\(?\s*analy[sz]e\b|\b(query|execution)\s+plans?\b)").expect("valid")
});

/// 9.1: review templates or contributing guides asking for EXPLAIN, or CI running it.
pub(super) fn explain(tree: &Tree, ci: &CiScript) -> PracticeEvidence {
    let mut evidence = PracticeEvidence::default();
    for file in tree.matching(is_review_guide) {
        evidence.searched.push(file.to_string());
        let Some(text) = tree.read(file) else { continue };
        for (n, line) in text.lines().enumerate() {
            if EXPLAIN.is_match(line) {
                evidence.found.push(Sighting { what: "EXPLAIN requirement".into(), at: at(file, n + 1) });
            }
        }
    }
    if evidence.searched.is_empty() {
        evidence.searched.push(
            "no pull/merge-request template or contributing guide \
            (.github/pull_request_template.md, .gitlab/merge_request_templates/, CONTRIBUTING.md)"
                .into(),
        );
    }
    evidence.found.extend(ci.sightings(&[("EXPLAIN", &EXPLAIN)]));
    evidence.searched.extend(ci.searched());
    evidence
}

/// Load tools as a CI line runs them.
static LOAD_TOOLS: LazyLock<Vec<(&str, Regex)>> = LazyLock::new(|| {
    [
        ("k6", r"\bk6\s+(run|cloud)\b|grafana/(setup-|run-)?k6-action|loadimpact/k6"),
        ("Gatling", r"gatling:test|gatlingrun|gatling\.sh|gatling:execute|\bgatling\s+(run|-)"),
        ("Locust", r"\blocust\s+(-|--)"),
        ("JMeter", r"\bjmeter(\.sh)?\s+-|jmeter-maven-plugin|jmeter:jmeter"),
        ("Artillery", r"\bartillery\s+run\b|artilleryio/action"),
        ("Vegeta", r"\bvegeta\s+attack\b"),
        ("wrk", r"\bwrk2?\s+-"),
        ("oha", r"\boha\s+(-|https?://)"),
        ("stethoscope", r"\bstethoscope\s+(audit|load)\b"),
    ]
    .into_iter()
    .map(|(n, p)| (n, pattern(p)))
    .collect()
});

/// 9.2: CI jobs running a load tool; load scripts no CI job runs are partial signs.
pub(super) fn load_tests(tree: &Tree, ci: &CiScript) -> PracticeEvidence {
    let tools: Vec<(&str, &Regex)> = LOAD_TOOLS.iter().map(|(n, p)| (*n, p)).collect();
    let mut evidence = ci.practice(&tools);
    for file in tree.files.iter() {
        let name = file_name(file);
        let script = if name == "locustfile.py" {
            Some("Locust script")
        } else if name.ends_with(".jmx") {
            Some("JMeter plan")
        } else if (name.ends_with(".js") || name.ends_with(".ts"))
            && is_load_path(file)
            && tree.read(file).is_some_and(|t| t.contains("from 'k6") || t.contains("from \"k6"))
        {
            Some("k6 script")
        } else {
            None
        };
        // A script a CI line names (even by its bare file name, after a `cd`) is run, not idle.
        let named = ci.lines.iter().any(|l| l.text.contains(name));
        if let Some(what) = script.filter(|_| !named) {
            evidence.partial.push(Sighting { what: format!("{what} no CI job runs"), at: at(file, 0) });
        }
    }
    evidence
}

/// Whether a path looks like it holds load or performance tests (only those JS files are read).
pub(super) fn is_load_path(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    ["k6", "load", "perf", "bench", "stress", "soak"].iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_requirement_is_the_keyword_not_the_verb() {
        assert!(EXPLAIN.is_match("- [ ] EXPLAIN output attached for new queries"));
        assert!(EXPLAIN.is_match("run explain analyze on staging"));
        assert!(EXPLAIN.is_match("attach the query plan"));
        assert!(!EXPLAIN.is_match("Please explain why this change is needed"));
    }

    #[test]
    fn load_tools_match_runs_not_mentions() {
        let hit = |l: &str| LOAD_TOOLS.iter().any(|(_, p)| p.is_match(l));
        assert!(hit("      - run: k6 run load/checkout.js"));
        assert!(hit("  uses: grafana/setup-k6-action@v1"));
        assert!(hit("  - wrk -t4 -c64 -d30s http://staging"));
        assert!(hit("  - stethoscope audit --config ci.toml"));
        assert!(hit("  - locust -f load/locustfile.py --headless -u 50"));
        assert!(hit("  - ./mvnw gatling:test"));
        assert!(!hit("  - run: cargo test"));
        assert!(!hit("  - pip install locust pytest"));
        assert!(!hit("  gatling:"));
        assert!(!hit("  name: works fine"));
    }

    #[test]
    fn flag_sdks_are_matched_by_package_name() {
        let hit = |l: &str| FLAG_SDKS.iter().any(|(_, p)| p.is_match(l));
        assert!(hit(r#"    "@openfeature/server-sdk": "^1.13.0","#));
        assert!(hit("launchdarkly-server-sdk==9.2.0"));
        assert!(hit("gem 'flipper', '~> 1.3'"));
        assert!(hit("django-waffle>=4"));
        assert!(!hit(r#"    "express": "^4.19.2","#));
    }
}
