//! 6.10: dependency scanning in CI or by a bot, and the lockfiles matched against an offline
//! OSV database.

mod lockfiles;
mod osv;
mod version;

use super::at;
use super::ci::{CiScript, pattern};
use super::tree::Tree;
use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;
use steth_core::evidence::{AdvisoryMatch, DependencyEvidence, Lockfile, Sighting, Slot};

/// Dependency scanners as a CI line runs them.
static SCANNERS: LazyLock<Vec<(&str, Regex)>> = LazyLock::new(|| {
    [
        ("cargo-audit", r"\bcargo[- ]audit\b|rustsec/audit-check|actions-rs/audit-check"),
        ("cargo-deny", r"\bcargo[- ]deny\b|embarkstudios/cargo-deny-action"),
        ("npm audit", r"\bnpm\s+audit\b"),
        ("pnpm audit", r"\bpnpm\s+audit\b"),
        ("yarn audit", r"\byarn\s+(npm\s+)?audit\b"),
        ("pip-audit", r"\bpip-audit\b|pypa/gh-action-pip-audit"),
        ("safety", r"\bsafety\s+(check|scan)\b|pyupio/safety"),
        ("osv-scanner", r"\bosv-scanner\b"),
        ("trivy", r"\btrivy\b"),
        ("grype", r"\bgrype\b|anchore/scan-action"),
        ("snyk", r"\bsnyk\b"),
        ("govulncheck", r"\bgovulncheck\b"),
        ("bundler-audit", r"\bbundle(r)?[- ]audit\b"),
        ("OWASP dependency-check", r"dependency-check"),
        ("dependency-review", r"actions/dependency-review-action"),
        ("composer audit", r"\bcomposer\s+audit\b"),
    ]
    .into_iter()
    .map(|(n, p)| (n, pattern(p)))
    .collect()
});

/// Dependency bots' configuration files.
const BOT_FILES: &[(&str, &str)] = &[
    (".github/dependabot.yml", "Dependabot"),
    (".github/dependabot.yaml", "Dependabot"),
    ("renovate.json", "Renovate"),
    ("renovate.json5", "Renovate"),
    (".renovaterc", "Renovate"),
    (".renovaterc.json", "Renovate"),
    (".github/renovate.json", "Renovate"),
    (".github/renovate.json5", "Renovate"),
    (".gitlab/renovate.json", "Renovate"),
];

/// Scanners and bots, every lockfile, and the advisory match when a database is given.
pub(super) fn collect(tree: &Tree, ci: &CiScript, advisories: Option<&Path>) -> DependencyEvidence {
    let tools: Vec<(&str, &Regex)> = SCANNERS.iter().map(|(n, p)| (*n, p)).collect();
    let mut scanners = ci.practice(&tools);
    for (file, bot) in BOT_FILES {
        if tree.contains(file) {
            scanners.found.push(Sighting { what: format!("{bot} configured"), at: at(file, 0) });
        }
    }
    scanners
        .searched
        .push(format!("dependency bot configs ({})", BOT_FILES.iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", ")));
    let locked = lockfiles::read_all(tree);
    let lockfiles = locked
        .iter()
        .map(|(file, ecosystem, packages)| Lockfile {
            file: file.clone(),
            ecosystem: ecosystem.to_string(),
            packages: packages.len(),
        })
        .collect();
    let advisories = match advisories {
        None => Slot::unavailable("no advisory database configured (`advisories` in [source])"),
        Some(path) => match osv::Database::load(path) {
            Err(e) => Slot::failed(e.to_string()),
            Ok(db) => {
                let packages: Vec<_> = locked.iter().flat_map(|(_, _, p)| p).collect();
                let vulnerable = packages.iter().flat_map(|p| db.affecting(p)).collect();
                Slot::collected(AdvisoryMatch {
                    database: path.display().to_string(),
                    advisories: db.len(),
                    withdrawn: db.withdrawn,
                    packages: packages.len(),
                    vulnerable,
                })
            }
        },
    };
    DependencyEvidence { scanners, lockfiles, advisories }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanners_match_their_ci_invocations() {
        let hit = |l: &str| SCANNERS.iter().any(|(_, p)| p.is_match(l));
        for l in [
            "- run: cargo audit",
            "  - npm audit --audit-level=high",
            "uses: aquasecurity/trivy-action@master",
            "- pip-audit -r requirements.txt",
            "uses: actions/dependency-review-action@v4",
            "  - osv-scanner -r .",
        ] {
            assert!(hit(l), "{l}");
        }
        assert!(!hit("- run: cargo test"));
    }
}
