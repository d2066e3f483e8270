//! A plain directory (no git): its files on disk, each read up to `max_blob_bytes`; symbolic
//! links are not followed.

use super::detect::Detector;
use super::ignore::Filters;
use super::{Located, Place, report};
use crate::SourceError;
use std::io::Read;
use std::path::Path;
use std::time::Instant;
use steth_core::config::SourcePlan;
use steth_core::evidence::SecretScan;

/// Scans every regular file below `root`.
pub(super) fn scan(
    plan: &SourcePlan,
    root: &Path,
    filters: &Filters,
    detector: &Detector,
    deadline: Instant,
) -> Result<SecretScan, SourceError> {
    let mut scan = SecretScan { rules: super::RULES.len() as u64, ..SecretScan::default() };
    let mut paths = Vec::new();
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    let mut buf = Vec::new();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            if Instant::now() > deadline {
                return Err(SourceError::TimedOut);
            }
            let Ok(kind) = entry.file_type() else { continue };
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            if kind.is_dir() && entry.file_name() != ".git" {
                pending.push(path);
            } else if kind.is_file() {
                if filters.excluded(&relative) {
                    scan.skipped += 1;
                    continue;
                }
                let Ok(file) = std::fs::File::open(&path) else { continue };
                let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                buf.clear();
                if file.take(plan.max_blob_bytes).read_to_end(&mut buf).is_err() {
                    continue;
                }
                scan.blobs += 1;
                scan.bytes += buf.len() as u64;
                scan.truncated += (size > buf.len() as u64) as u64;
                for hit in detector.scan(&relative, &buf) {
                    found.push(Located::new(paths.len(), &buf, hit));
                }
                paths.push(relative);
            }
        }
    }
    found.sort_by_key(|l| (l.blob, l.line, l.column));
    let place = |l: &Located| Place { path: paths[l.blob].clone(), commit: None, date: None, in_head: true };
    report(&mut scan, filters, found, place);
    Ok(scan)
}
