//! 6.10 dependency-scanning: dependencies scanned for cves.

use crate::catalog::prelude::*;

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
        evaluate: None,
    }
}
