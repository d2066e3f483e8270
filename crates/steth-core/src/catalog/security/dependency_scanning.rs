//! 6.10 dependency-scanning: dependencies scanned for cves.

use crate::catalog::prelude::*;
use crate::catalog::repo_practice::{absent, seen, sightings};
use crate::evidence::Slot;

declare_item! {
    /// ## What it checks
    /// The project's third-party dependencies are checked against a vulnerability database
    /// automatically, as part of CI or by a dependency bot. The default threshold is "scan in CI".
    ///
    /// ## Why it matters
    /// Most of the code a service runs is third-party. When Log4Shell (CVE-2021-44228) was
    /// published, teams with scanning in CI knew within hours which services shipped a vulnerable
    /// `log4j-core`; others spent days searching build artefacts by hand. Without a scan, a
    /// vulnerable transitive dependency stays in place until an attacker or an auditor finds it.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope reads the CI configuration for a step that runs a dependency
    ///   scanner (cargo-audit, npm audit, osv-scanner, trivy, Dependabot and similar).
    /// - When an advisory database is given in the configuration, stethoscope also matches the
    ///   repository's lockfiles against it and lists the affected packages and versions.
    ///
    /// The CI files of GitHub Actions, GitLab CI, CircleCI, Jenkins, Azure Pipelines and Bitbucket
    /// Pipelines are read (with the scripts, `make` targets and npm scripts they run), and a
    /// Dependabot or Renovate configuration counts as scanning. Lockfiles: Cargo.lock,
    /// package-lock.json, yarn.lock, pnpm-lock.yaml, poetry.lock, Pipfile.lock, pinned
    /// requirements, go.sum, Gemfile.lock, composer.lock; `advisories` is an offline OSV
    /// directory or zip, matched with each ecosystem's version order (withdrawn advisories
    /// ignored). A known-vulnerable locked version fails the item, naming package, version,
    /// advisory, first fixed version and lockfile line. If scanning happens outside the
    /// repository, vouch for it in `[attest]`.
    ///
    /// ## How to fix
    /// Run a scanner on every pull request and on a schedule, because advisories appear after code
    /// is merged. For a Rust service in GitHub Actions:
    ///
    /// ```yaml
    /// name: dependency-audit
    /// on:
    ///   pull_request:
    ///   schedule:
    ///     - cron: "0 6 * * *"
    /// jobs:
    ///   audit:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@v4
    ///       - run: cargo install cargo-audit --locked
    ///       - run: cargo audit
    /// ```
    ///
    /// For other ecosystems use `npm audit --audit-level=high`, `pip-audit`, or `osv-scanner`
    /// across all lockfiles of a polyglot repository. Make the job fail the build, and give
    /// findings an owner and a deadline.
    pub DEPENDENCY_SCANNING = {
        id: "6.10",
        slug: "dependency-scanning",
        title: "Dependencies scanned for CVEs",
        section: Security,
        threshold: Threshold::requires("scan in CI"),
        sources: [Source],
        severity: High,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, _threshold: &Threshold) -> Verdict {
    let deps = &evidence.repo()?.dependencies;
    let advisories = match &deps.advisories {
        Slot::Failed { error } => return Err(Outcome::error(error.clone())),
        Slot::Collected { data } => Some(data),
        Slot::Unavailable { .. } => None,
    };
    if let Some(m) = advisories.filter(|m| !m.vulnerable.is_empty()) {
        let findings = m.vulnerable.iter().map(|v| {
            let fixed = v.fixed.as_deref().map_or("no fixed version yet".to_string(), |f| format!("fixed in {f}"));
            format!("{} {} ({}): {}, {fixed}, at {}", v.package, v.version, v.ecosystem, v.advisory, v.at)
        });
        return Ok(Outcome::fail(
            format!("{} known-vulnerable locked version(s)", m.vulnerable.len()),
            format!("{} locked package(s) matched against {} advisories in {}", m.packages, m.advisories, m.database),
        )
        .with_findings(findings)
        .with_excess(1.0 + m.vulnerable.len() as f64));
    }
    let matched = match advisories {
        Some(m) => {
            format!("{} locked package(s) matched against {} advisories: none affected", m.packages, m.advisories)
        }
        None => format!("{} lockfile(s) found; no advisory database given to match them", deps.lockfiles.len()),
    };
    if deps.scanners.found.is_empty() {
        let outcome = absent(
            "6.10",
            "a dependency scanner in CI or a Dependabot/Renovate config",
            &deps.scanners,
            "Snyk scans every repository nightly",
        );
        return Ok(Outcome { evidence: format!("{}; {matched}", outcome.evidence), ..outcome });
    }
    Ok(Outcome::pass(seen(&deps.scanners.found), matched).with_findings(sightings(&deps.scanners.found)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::{expect, practice, repo, with_repo};
    use crate::evidence::{AdvisoryMatch, Location, VulnerablePackage};
    use crate::outcome::Status;

    #[test]
    fn a_scanner_in_ci_passes() {
        let o = expect(&DEPENDENCY_SCANNING, &with_repo(repo()), Status::Pass);
        assert_eq!(o.findings, ["cargo-audit in CI at .github/workflows/ci.yml:12"]);
    }

    #[test]
    fn no_scanner_fails_with_what_was_searched_and_the_attest_hint() {
        let mut r = repo();
        r.dependencies.scanners = practice(Vec::new(), &[".github/workflows/ci.yml"]);
        let o = expect(&DEPENDENCY_SCANNING, &with_repo(r), Status::Fail);
        assert!(o.evidence.contains("[attest]"), "{}", o.evidence);
        assert_eq!(o.findings, ["searched .github/workflows/ci.yml"]);
    }

    #[test]
    fn a_vulnerable_locked_version_fails_even_with_a_scanner() {
        let mut r = repo();
        r.dependencies.advisories = Slot::collected(AdvisoryMatch {
            database: "osv".into(),
            advisories: 3,
            withdrawn: 1,
            packages: 40,
            vulnerable: vec![VulnerablePackage {
                package: "time".into(),
                ecosystem: "crates.io".into(),
                version: "0.1.40".into(),
                advisory: "RUSTSEC-2020-0071".into(),
                summary: None,
                fixed: Some("0.2.23".into()),
                at: Location { file: "Cargo.lock".into(), line: 9 },
            }],
        });
        let o = expect(&DEPENDENCY_SCANNING, &with_repo(r.clone()), Status::Fail);
        assert_eq!(o.findings, ["time 0.1.40 (crates.io): RUSTSEC-2020-0071, fixed in 0.2.23, at Cargo.lock:9"]);
        if let Slot::Collected { data } = &mut r.dependencies.advisories {
            data.vulnerable.clear();
        }
        let o = expect(&DEPENDENCY_SCANNING, &with_repo(r), Status::Pass);
        assert!(o.evidence.contains("none affected"), "{}", o.evidence);
    }

    #[test]
    fn an_unreadable_advisory_database_is_an_error_and_no_repo_is_not_assessed() {
        let mut r = repo();
        r.dependencies.advisories = Slot::failed("read the advisory database /x: not found");
        expect(&DEPENDENCY_SCANNING, &with_repo(r), Status::Error);
        expect(&DEPENDENCY_SCANNING, &Evidence::default(), Status::NotAssessed);
    }
}
