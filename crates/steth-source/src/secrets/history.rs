//! The history as distinct blobs: every blob reachable from every ref, each attributed to the
//! first commit (oldest first, parents before children) whose diff against any of its parents
//! adds it — merges included, so a conflict resolution is attributed to its merge commit.

use crate::SourceError;
use crate::git;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

/// A commit of the walk.
#[derive(Debug, Clone)]
pub(crate) struct Commit {
    /// Full object id.
    pub id: String,
    /// Committer date, ISO 8601.
    pub date: String,
}

/// A blob to scan and where it first appeared.
#[derive(Debug, Clone)]
pub(crate) struct Blob {
    /// Object id.
    pub id: String,
    /// The path it had in that commit.
    pub path: String,
    /// Index into [`History::commits`]; `None` when read from `HEAD`'s tree without history.
    pub commit: Option<usize>,
}

/// Every distinct blob of the history, in first-appearance order.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// Refs walked.
    pub refs: u64,
    /// Commits, oldest first.
    pub commits: Vec<Commit>,
    /// Distinct blobs.
    pub blobs: Vec<Blob>,
    /// Blob ids in `HEAD`'s tree.
    pub head: HashSet<String>,
}

/// Walks every ref's history. `-m` diffs a merge against each parent, so a blob that only a
/// conflict resolution holds is added by the merge; `--date-order --reverse` puts parents
/// first, so each blob is attributed to the oldest commit that adds it.
pub(crate) fn walk(root: &Path, deadline: Instant) -> Result<History, SourceError> {
    let refs = git::output(root, &["for-each-ref", "--format=%(refname)"], deadline)?;
    let refs = refs.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count() as u64;
    let head = head_tree(root, deadline)?;
    let mut history = History { refs, head: head.iter().map(|(id, _)| id.clone()).collect(), ..History::default() };
    let mut seen: HashSet<String> = HashSet::new();
    // A raw line's metadata waits for the path, the token after it.
    let mut meta: Option<String> = None;
    let args = [
        "log",
        "--all",
        "--date-order",
        "--reverse",
        "-m",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "-z",
        "--format=%x01%H %cI",
    ];
    git::tokens(root, &args, deadline, |token| {
        if let Some(meta) = meta.take() {
            let fields: Vec<&str> = meta.split(' ').collect();
            let [_, mode, _, id, status] = fields[..] else { return };
            // Regular files only: symlinks hold a path, submodules a commit.
            let added = matches!(status.as_bytes().first(), Some(b'A' | b'M' | b'T'));
            if added && mode.starts_with("100") && seen.insert(id.to_string()) {
                history.blobs.push(Blob {
                    id: id.to_string(),
                    path: String::from_utf8_lossy(token).into_owned(),
                    commit: history.commits.len().checked_sub(1),
                });
            }
            return;
        }
        let token = trim_newlines(token);
        if let Some(header) = token.strip_prefix(b"\x01") {
            let header = String::from_utf8_lossy(header);
            let (id, date) = header.split_once(' ').unwrap_or((&header, ""));
            // `-m` prints a merge once per parent: one commit.
            if history.commits.last().is_none_or(|c| c.id != id) {
                history.commits.push(Commit { id: id.to_string(), date: date.to_string() });
            }
        } else if let Some(m) = token.strip_prefix(b":") {
            meta = Some(String::from_utf8_lossy(m).into_owned());
        }
    })?;
    Ok(history)
}

/// `HEAD`'s tree alone, for a scan without history.
pub(crate) fn head_only(root: &Path, deadline: Instant) -> Result<History, SourceError> {
    let head = head_tree(root, deadline)?;
    Ok(History {
        refs: 0,
        commits: Vec::new(),
        head: head.iter().map(|(id, _)| id.clone()).collect(),
        blobs: head.into_iter().map(|(id, path)| Blob { id, path, commit: None }).collect(),
    })
}

/// The regular files of `HEAD`'s tree as (blob id, path); empty for a repository without commits.
fn head_tree(root: &Path, deadline: Instant) -> Result<Vec<(String, String)>, SourceError> {
    if git::output(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], deadline).is_err() {
        return Ok(Vec::new());
    }
    let out = git::output(root, &["ls-tree", "-r", "-z", "--full-tree", "HEAD"], deadline)?;
    let mut seen = HashSet::new();
    Ok(out
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let (meta, path) = std::str::from_utf8(entry).ok()?.split_once('\t')?;
            let mut f = meta.split(' ');
            let (mode, kind, id) = (f.next()?, f.next()?, f.next()?);
            (kind == "blob" && mode.starts_with("100") && seen.insert(id.to_string()))
                .then(|| (id.to_string(), path.to_string()))
        })
        .collect())
}

fn trim_newlines(mut t: &[u8]) -> &[u8] {
    while let [b'\n', rest @ ..] = t {
        t = rest;
    }
    t
}

/// Streams blobs through one `git cat-file --batch`: `each` gets the blob's index in `ids`,
/// its first `cap` bytes and its full size. Blobs are read one at a time, so memory stays at
/// one capped blob whatever the repository's size.
pub(crate) fn read_blobs(
    root: &Path,
    ids: Vec<(usize, String)>,
    cap: u64,
    deadline: Instant,
    mut each: impl FnMut(usize, &[u8], u64),
) -> Result<(), SourceError> {
    let failed = |message: String| SourceError::Git { command: "cat-file --batch".into(), message };
    let mut child = git::command(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let order: Vec<usize> = ids.iter().map(|(n, _)| *n).collect();
    let writer = std::thread::spawn(move || {
        let mut w = std::io::BufWriter::with_capacity(64 << 10, &mut stdin);
        for (_, id) in &ids {
            if writeln!(w, "{id}").is_err() {
                return;
            }
        }
        let _ = w.flush();
    });
    let watchdog = git::Watchdog::start(child, deadline);
    let mut reader = BufReader::with_capacity(256 << 10, stdout);
    let result = stream(&mut reader, &order, cap, deadline, &mut each);
    drop(reader);
    let (_, timed_out) = watchdog.finish();
    let _ = writer.join();
    if timed_out {
        return Err(SourceError::TimedOut);
    }
    result
}

/// Reads `cat-file --batch` answers in the order the ids were written.
fn stream(
    reader: &mut impl BufRead,
    order: &[usize],
    cap: u64,
    deadline: Instant,
    each: &mut impl FnMut(usize, &[u8], u64),
) -> Result<(), SourceError> {
    let failed = |message: String| SourceError::Git { command: "cat-file --batch".into(), message };
    let mut header = String::new();
    let mut buf = Vec::new();
    for &n in order {
        header.clear();
        if reader.read_line(&mut header).map_err(|e| failed(e.to_string()))? == 0 {
            return Err(failed("cat-file ended early".into()));
        }
        let mut f = header.split_whitespace();
        let (_, kind, size) = (f.next(), f.next(), f.next().and_then(|s| s.parse::<u64>().ok()));
        let Some(size) = size.filter(|_| kind == Some("blob")) else { continue };
        buf.clear();
        let kept = size.min(cap);
        reader.take(kept).read_to_end(&mut buf).map_err(|e| failed(e.to_string()))?;
        // The rest of a blob over the cap is drained, never held; then the trailing newline.
        std::io::copy(&mut reader.take(size - kept + 1), &mut std::io::sink()).map_err(|e| failed(e.to_string()))?;
        if buf.len() as u64 != kept {
            return Err(failed("cat-file output was cut short".into()));
        }
        each(n, &buf, size);
        if Instant::now() > deadline {
            return Err(SourceError::TimedOut);
        }
    }
    Ok(())
}
