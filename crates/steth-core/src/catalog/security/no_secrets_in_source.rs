//! 6.7 no-secrets-in-source: no secrets in source.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// The repository contains no credentials: no API keys, private keys, tokens, cloud access keys
    /// or passwords in connection strings, neither in the current tree nor in any commit of its git
    /// history. The default threshold is 0 findings.
    ///
    /// ## Why it matters
    /// A secret committed once is available to everyone who has ever cloned the repository, to CI
    /// runners, forks and backups; deleting it in a later commit does not remove it from history.
    /// Keys pushed to public repositories are picked up by automated scanners within minutes, and
    /// private repositories leak through laptops, contractors and compromised CI tokens. A database
    /// password in history is a valid password until someone rotates it.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope scans the working tree and every commit of the git history with
    ///   rules for known credential formats plus an entropy measure for random-looking values. Each
    ///   finding names the file, the commit and the rule.
    ///
    /// A secret is never printed in full: the report shows it redacted, so the report can be shared
    /// and stored as a CI artefact. A finding that exists only in history still counts: the secret
    /// remains readable there.
    ///
    /// ## How to fix
    /// 1. Revoke or rotate the secret first and treat it as compromised; rewriting history with
    ///    `git filter-repo` does not reach existing clones.
    /// 2. Load secrets from the environment or a secret manager (Vault, AWS Secrets Manager,
    ///    Kubernetes secrets via External Secrets) and keep only placeholders in the repository.
    /// 3. Stop new ones at commit time and in CI, e.g. with gitleaks as a pre-commit hook:
    ///
    /// ```yaml
    /// repos:
    ///   - repo: https://github.com/gitleaks/gitleaks
    ///     rev: v8.18.4
    ///     hooks:
    ///       - id: gitleaks
    /// ```
    pub NO_SECRETS_IN_SOURCE = {
        id: "6.7",
        slug: "no-secrets-in-source",
        title: "No secrets in source",
        section: Security,
        threshold: Threshold::at_most(0),
        sources: [Source],
        severity: Critical,
        evaluate: None,
    }
}
