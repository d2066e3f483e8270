//! Secrets in the repository's files and in every blob of its history (item 6.7): each
//! distinct blob is read once, up to `max_blob_bytes`, on every core; what is found leaves
//! the scanner redacted.

mod detect;
mod history;
mod ignore;
mod rules;
mod tree;

pub use ignore::IGNORE_FILE;

use crate::SourceError;
use detect::{Detector, Hit};
use ignore::Filters;
use rules::RULES;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;
use steth_core::config::SourcePlan;
use steth_core::evidence::{Redacted, SecretFinding, SecretScan};

/// The rules as (id, title), for renderers that describe them (SARIF).
pub fn rules() -> impl Iterator<Item = (&'static str, &'static str)> {
    RULES.iter().map(|r| (r.id, r.title))
}

/// Scans the repository at `root`: its whole history when `git` and `plan.history`, else
/// `HEAD`'s tree (git) or the files on disk (a plain directory).
pub fn scan(plan: &SourcePlan, root: &Path, git: bool, deadline: Instant) -> Result<SecretScan, SourceError> {
    let filters = Filters::load(plan, root)?;
    let detector = Detector::new();
    let history = match (git, plan.history) {
        (true, true) => history::walk(root, deadline)?,
        (true, false) => history::head_only(root, deadline)?,
        (false, _) => return tree::scan(plan, root, &filters, &detector, deadline),
    };
    let mut scan = SecretScan {
        history: git && plan.history,
        refs: history.refs,
        commits: history.commits.len() as u64,
        ..Default::default()
    };
    scan.rules = RULES.len() as u64;
    let wanted: Vec<(usize, String)> = history
        .blobs
        .iter()
        .enumerate()
        .filter(|(_, b)| {
            let skip = filters.excluded(&b.path);
            scan.skipped += skip as u64;
            !skip
        })
        .map(|(n, b)| (n, b.id.clone()))
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let mut shares: Vec<Vec<(usize, String)>> = vec![Vec::new(); workers];
    for (i, w) in wanted.into_iter().enumerate() {
        shares[i % workers].push(w);
    }
    let found: Mutex<Vec<Located>> = Mutex::new(Vec::new());
    let totals = Mutex::new((0u64, 0u64, 0u64));
    let errors: Vec<SourceError> = std::thread::scope(|s| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                let (detector, history, found, totals) = (&detector, &history, &found, &totals);
                s.spawn(move || {
                    let (mut blobs, mut bytes, mut truncated) = (0u64, 0u64, 0u64);
                    let mut local = Vec::new();
                    let result = history::read_blobs(root, share, plan.max_blob_bytes, deadline, |n, data, size| {
                        blobs += 1;
                        bytes += data.len() as u64;
                        truncated += (size > data.len() as u64) as u64;
                        for hit in detector.scan(&history.blobs[n].path, data) {
                            local.push(Located::new(n, data, hit));
                        }
                    });
                    found.lock().unwrap_or_else(|p| p.into_inner()).extend(local);
                    let mut t = totals.lock().unwrap_or_else(|p| p.into_inner());
                    (t.0, t.1, t.2) = (t.0 + blobs, t.1 + bytes, t.2 + truncated);
                    result
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok().and_then(Result::err)).collect()
    });
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    (scan.blobs, scan.bytes, scan.truncated) = totals.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    found.sort_by_key(|l| (l.blob, l.line, l.column));
    let place = |l: &Located| {
        let blob = &history.blobs[l.blob];
        let commit = blob.commit.map(|c| &history.commits[c]);
        Place {
            path: blob.path.clone(),
            commit: commit.map(|c| c.id.clone()),
            date: commit.map(|c| c.date.clone()),
            in_head: history.head.contains(&blob.id),
        }
    };
    report(&mut scan, &filters, found, place);
    Ok(scan)
}

/// A hit with its line and column, before redaction.
#[derive(Debug)]
pub(crate) struct Located {
    blob: usize,
    rule: usize,
    line: u64,
    column: u64,
    value: Vec<u8>,
}

impl Located {
    fn new(blob: usize, data: &[u8], hit: Hit) -> Located {
        let before = &data[..hit.offset];
        let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        Located { blob, rule: hit.rule, line, column: (hit.offset - line_start) as u64 + 1, value: hit.value }
    }
}

/// Where a blob sits: path, first commit and date, and whether `HEAD` still holds it.
pub(crate) struct Place {
    path: String,
    commit: Option<String>,
    date: Option<String>,
    in_head: bool,
}

/// Redacts and files each hit: accepted values are counted, fixtures listed apart, and one
/// value on one path is reported once, at its first commit (a key that stayed in a file for a
/// hundred commits is one finding), still in `HEAD` when any of its blobs is.
fn report(scan: &mut SecretScan, filters: &Filters, found: Vec<Located>, place: impl Fn(&Located) -> Place) {
    let mut first: HashMap<(String, String), usize> = HashMap::new();
    let mut all: Vec<(bool, SecretFinding)> = Vec::new();
    for l in found {
        let digest = hex(&Sha256::digest(&l.value));
        if filters.accepted(&digest) {
            scan.accepted += 1;
            continue;
        }
        let p = place(&l);
        let key = (digest.clone(), p.path.clone());
        if let Some(&i) = first.get(&key) {
            all[i].1.in_head |= p.in_head;
            continue;
        }
        first.insert(key, all.len());
        let rule = &RULES[l.rule];
        let fixture = filters.fixture(&p.path);
        all.push((
            fixture,
            SecretFinding {
                rule: rule.id.into(),
                title: rule.title.into(),
                path: p.path,
                line: l.line,
                column: l.column,
                commit: p.commit,
                date: p.date,
                in_head: p.in_head,
                redacted: redact(&l.value, &digest),
            },
        ));
    }
    for (fixture, f) in all {
        if fixture { scan.fixtures.push(f) } else { scan.findings.push(f) }
    }
}

/// The value shown without revealing it: 4 characters (fewer when the value is shorter than
/// 12, so at most a third shows), its length, and 12 hex digits of its SHA-256.
fn redact(value: &[u8], digest: &str) -> Redacted {
    let text = String::from_utf8_lossy(value);
    let length = text.chars().count();
    let shown = (length / 3).min(4);
    Redacted {
        prefix: text.chars().take(shown).collect(),
        length: length as u64,
        fingerprint: digest[..12].to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
