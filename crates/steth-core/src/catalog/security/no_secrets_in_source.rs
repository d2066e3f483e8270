//! 6.7 no-secrets-in-source: no secrets in source.

use crate::catalog::prelude::*;
use crate::evidence::SecretFinding;

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
    /// - **source** (`[source] path` or `--source PATH`): every blob reachable from every ref
    ///   (branches merged or not, tags — an annotated tag to a commit nothing else reaches too —
    ///   and remote-tracking refs) is read once, up to `max_blob_bytes`, and attributed to the
    ///   first commit that added it; a secret that lives only in a merge commit's conflict
    ///   resolution, or was deleted or renamed long ago, is found. Binary files are read for
    ///   printable runs.
    /// - Rules for over 40 credential formats (cloud, forge, chat, payment and AI keys,
    ///   private-key blocks, JWTs, `.netrc` entries, database and broker URLs with an inline
    ///   password, committed `.env` files) plus `password|secret|token|api_key = "…"`
    ///   assignments whose value looks random (Shannon entropy). Placeholders (`changeme`,
    ///   `<your-…>`, `YOUR_…`, `xxx…`, `${VAR}`), vendors' documented example keys, hashes,
    ///   UUIDs, integrity strings, public or publishable keys and passwords in URLs to a loopback
    ///   host (a local test service) are not flagged.
    /// - Findings under test-fixture paths (`tests/fixtures/`, `testdata/`, … or `[source]
    ///   fixtures`) are listed apart and do not fail the item. A `.stethoscope-ignore` file at the
    ///   repository's root holds one path or glob per line, or `sha256:<hex>` of an accepted value.
    /// - Each finding names the file, line, commit and date and the rule; the value is shown
    ///   only as its first characters, its length and a fingerprint (12 hex digits of its
    ///   SHA-256), in every output format. A plain directory, or `history = false`, reads only
    ///   the current files: no finding then warns, since the history was not read.
    ///
    /// A finding that exists only in history still counts: the secret remains readable there.
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
        evaluate: Some(evaluate),
    }
}

/// Findings listed in full; the rest are counted.
const LISTED: usize = 50;

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let source = evidence.source.get()?;
    let scan = source.secrets.get()?;
    if scan.blobs == 0 {
        return Err(Outcome::not_assessed(format!("no file or blob to read in {}", source.path)));
    }
    let allowed = threshold.limit_count();
    let read = match scan.history {
        true => format!(
            "{} distinct blob(s), {} MB, from {} commit(s) on {} ref(s)",
            scan.blobs,
            scan.bytes >> 20,
            scan.commits,
            scan.refs
        ),
        false => format!("{} file(s), {} MB, without history", scan.blobs, scan.bytes >> 20),
    };
    let mut notes = Vec::new();
    if !scan.fixtures.is_empty() {
        notes.push(format!("{} in test fixtures, listed apart", scan.fixtures.len()));
    }
    if scan.truncated > 0 {
        notes.push(format!("{} blob(s) over max_blob_bytes read up to the cap", scan.truncated));
    }
    if scan.accepted > 0 {
        notes.push(format!("{} value(s) accepted in .stethoscope-ignore", scan.accepted));
    }
    let notes = if notes.is_empty() { String::new() } else { format!("; {}", notes.join("; ")) };
    let only_history = scan.findings.iter().filter(|f| !f.in_head).count();
    let found = scan.findings.len() as u64;
    let measured = match only_history {
        0 => format!("{found} secret(s) in the repository"),
        n => format!("{found} secret(s) in the repository, {n} only in history"),
    };
    let listed = scan.findings.iter().take(LISTED).map(|f| describe(f, ""));
    let more = (scan.findings.len() > LISTED).then(|| format!("… and {} more", scan.findings.len() - LISTED));
    let fixtures = scan.fixtures.iter().take(LISTED).map(|f| describe(f, "test fixture, not counted: "));
    let findings: Vec<String> = listed.chain(more).chain(fixtures).collect();
    if found > allowed {
        let first = &scan.findings[0];
        return Ok(Outcome::fail(
            measured,
            format!("{} first, e.g. {}; read {read}{notes}", first.title, first.location()),
        )
        .with_excess(1.0 + found as f64)
        .with_findings(findings));
    }
    let evidence = format!("read {read}{notes}");
    if !scan.history {
        let why = if source.git { "history = false" } else { "not a git work tree" };
        return Ok(Outcome::warn(measured, format!("{evidence}; the git history was not read ({why})"))
            .with_findings(findings));
    }
    Ok(Outcome::pass(measured, evidence).with_findings(findings))
}

/// One finding on one line: where, when, which rule, and the value redacted.
fn describe(f: &SecretFinding, label: &str) -> String {
    let when = f.date.as_deref().map(|d| format!(" ({})", d.get(..10).unwrap_or(d))).unwrap_or_default();
    let gone = if f.in_head { "" } else { ", only in history" };
    format!("{label}{}{when}: {} {}{gone}", f.location(), f.rule, f.redacted)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::expect;
    use crate::evidence::{Redacted, SecretScan, Slot, SourceEvidence};
    use crate::outcome::Status;

    fn finding(path: &str, in_head: bool) -> SecretFinding {
        SecretFinding {
            rule: "aws-access-key-id".into(),
            title: "AWS access key id".into(),
            path: path.into(),
            line: 3,
            column: 9,
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            date: Some("2024-05-01T10:00:00+00:00".into()),
            in_head,
            redacted: Redacted { prefix: "AKIA".into(), length: 20, fingerprint: "a1b2c3d4e5f6".into() },
        }
    }

    fn scanned(history: bool, findings: Vec<SecretFinding>, fixtures: Vec<SecretFinding>) -> Evidence {
        let scan = SecretScan {
            history,
            refs: 3,
            commits: 40,
            blobs: 120,
            bytes: 4 << 20,
            rules: 44,
            findings,
            fixtures,
            ..Default::default()
        };
        let source = SourceEvidence {
            path: ".".into(),
            git: true,
            head: None,
            secrets: Slot::collected(scan),
            repo: Slot::unavailable("not read"),
        };
        Evidence { source: Slot::collected(source), ..Evidence::default() }
    }

    #[test]
    fn a_clean_history_passes() {
        let o = expect(&NO_SECRETS_IN_SOURCE, &scanned(true, vec![], vec![]), Status::Pass);
        assert!(o.evidence.contains("120 distinct blob(s)"), "{}", o.evidence);
    }

    #[test]
    fn a_secret_only_in_history_fails_with_file_line_and_commit() {
        let o =
            expect(&NO_SECRETS_IN_SOURCE, &scanned(true, vec![finding("config/aws.py", false)], vec![]), Status::Fail);
        assert!(o.measured.as_deref().unwrap().contains("1 only in history"));
        assert_eq!(
            o.findings[0],
            "config/aws.py:3 @ 0123456789 (2024-05-01): aws-access-key-id AKIA… (20 chars, sha256:a1b2c3d4e5f6), only in history"
        );
    }

    #[test]
    fn fixtures_are_listed_apart_and_do_not_fail() {
        let o = expect(
            &NO_SECRETS_IN_SOURCE,
            &scanned(true, vec![], vec![finding("tests/fixtures/k.py", true)]),
            Status::Pass,
        );
        assert!(o.findings[0].starts_with("test fixture, not counted: tests/fixtures/k.py:3"));
        assert!(o.evidence.contains("1 in test fixtures"));
    }

    #[test]
    fn without_history_a_clean_tree_warns() {
        let o = expect(&NO_SECRETS_IN_SOURCE, &scanned(false, vec![], vec![]), Status::Warn);
        assert!(o.evidence.contains("history was not read"));
        expect(&NO_SECRETS_IN_SOURCE, &scanned(false, vec![finding("a.py", true)], vec![]), Status::Fail);
    }

    #[test]
    fn missing_or_failed_evidence() {
        expect(&NO_SECRETS_IN_SOURCE, &Evidence::default(), Status::NotAssessed);
        let source = SourceEvidence { secrets: Slot::failed("git log: fatal"), ..Default::default() };
        let e = Evidence { source: Slot::collected(source), ..Evidence::default() };
        expect(&NO_SECRETS_IN_SOURCE, &e, Status::Error);
        let mut empty = scanned(true, vec![], vec![]);
        if let Slot::Collected { data } = &mut empty.source
            && let Slot::Collected { data: scan } = &mut data.secrets
        {
            scan.blobs = 0;
        }
        expect(&NO_SECRETS_IN_SOURCE, &empty, Status::NotAssessed);
    }

    /// The override case of the catalog's table (`catalog::testing::OverrideCase`).
    pub(in crate::catalog) fn override_case() -> crate::catalog::testing::OverrideCase {
        crate::catalog::testing::OverrideCase::new(
            &NO_SECRETS_IN_SOURCE,
            scanned(true, vec![finding("config/aws.py", false)], vec![]),
            "1",
            Status::Fail,
            Status::Pass,
        )
    }
}
