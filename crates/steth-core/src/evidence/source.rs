//! The `source` evidence: what was read from the service's repository and its git history.

use super::Slot;
use super::repo::RepoEvidence;
use serde::{Deserialize, Serialize};

/// The repository's evidence: secrets in its files and history, and its practices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceEvidence {
    /// The repository path as configured.
    pub path: String,
    /// Whether the path is a git work tree (history items need one).
    pub git: bool,
    /// The commit `HEAD` names, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// Credentials found in the files and in every blob of the history (6.7).
    pub secrets: Slot<SecretScan>,
    /// Dependencies, migrations, CI jobs and flags (6.10, 7.7, 7.8, 9.x).
    #[serde(default)]
    pub repo: Slot<RepoEvidence>,
}

/// One scan for credentials: what was read and what was found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretScan {
    /// Whether every blob reachable from every ref was read; false for a plain directory or
    /// with `history = false`, when only the files on disk were.
    pub history: bool,
    /// Refs whose history was read (branches, tags, remote-tracking refs).
    pub refs: u64,
    /// Commits walked.
    pub commits: u64,
    /// Distinct blobs (or files) scanned, each once.
    pub blobs: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Blobs larger than `max_blob_bytes`, scanned only up to that cap.
    pub truncated: u64,
    /// Blobs skipped because an `exclude` glob or a `.stethoscope-ignore` path matched.
    pub skipped: u64,
    /// Findings suppressed by a `sha256:` entry of `.stethoscope-ignore`.
    pub accepted: u64,
    /// How many credential rules ran.
    pub rules: u64,
    /// Findings outside test-fixture paths: these fail 6.7.
    pub findings: Vec<SecretFinding>,
    /// Findings under test-fixture paths, listed apart; they do not fail 6.7.
    pub fixtures: Vec<SecretFinding>,
}

/// One credential found, located and redacted: the value itself is never kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretFinding {
    /// The rule's id, e.g. `aws-access-key-id`.
    pub rule: String,
    /// What the rule finds, e.g. "AWS access key id".
    pub title: String,
    /// The file's path in the repository.
    pub path: String,
    /// 1-based line of the match.
    pub line: u64,
    /// 1-based column (bytes) of the match.
    pub column: u64,
    /// The first commit that introduced the blob; none for a file read from disk only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// That commit's date (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Whether the blob is still in `HEAD`'s tree (false: only history holds it).
    pub in_head: bool,
    /// The value, redacted.
    pub redacted: Redacted,
}

/// A secret shown without revealing it: its first characters, its length and a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redacted {
    /// The first 4 characters (fewer for a short value).
    pub prefix: String,
    /// The value's length in characters.
    pub length: u64,
    /// The first 12 hex digits of the value's SHA-256 (`.stethoscope-ignore` accepts it).
    pub fingerprint: String,
}

impl std::fmt::Display for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}… ({} chars, sha256:{})", self.prefix, self.length, self.fingerprint)
    }
}

impl SecretFinding {
    /// `path:line` and, when known, the short commit: where to look.
    pub fn location(&self) -> String {
        match &self.commit {
            Some(c) => format!("{}:{} @ {}", self.path, self.line, &c[..c.len().min(10)]),
            None => format!("{}:{}", self.path, self.line),
        }
    }
}
