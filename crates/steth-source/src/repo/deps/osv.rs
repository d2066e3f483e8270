//! An offline OSV database (a directory of OSV JSON files, or a zip of them such as osv.dev's
//! per-ecosystem `all.zip`) and the match of a locked version against its `affected` ranges.

use super::lockfiles::LockedPackage;
use super::version::compare;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use steth_core::evidence::VulnerablePackage;

/// Files larger than this are not advisories and are skipped (also a zip bomb's bound).
const MAX_ADVISORY_BYTES: u64 = 16 << 20;

/// At most this many advisories are read (osv.dev's largest ecosystem holds about 50 000).
const MAX_ADVISORIES: usize = 1_000_000;

/// Why the database could not be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum DatabaseError {
    #[error("read the advisory database {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("read the advisory archive {path}: {source}")]
    Zip { path: String, source: zip::result::ZipError },
}

/// One range's events, in the order OSV gives them.
#[derive(Debug, Clone)]
enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// One advisory's entry for one package.
#[derive(Debug)]
struct Affected {
    id: String,
    summary: Option<String>,
    versions: Vec<String>,
    ranges: Vec<Vec<Event>>,
}

/// The advisories by (ecosystem, normalised package name).
#[derive(Debug, Default)]
pub(super) struct Database {
    by_package: HashMap<(String, String), Vec<Affected>>,
    advisories: usize,
    pub(super) withdrawn: usize,
}

/// PyPI names compare case-insensitively with `-`, `_` and `.` equal (PEP 503).
fn normalise(ecosystem: &str, name: &str) -> String {
    if ecosystem == "PyPI" {
        name.to_ascii_lowercase().split(['-', '_', '.']).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
    } else {
        name.to_string()
    }
}

impl Database {
    /// Loads every `*.json` under the directory `path`, or in the zip archive `path`; files that
    /// are not OSV records are skipped.
    pub(super) fn load(path: &Path) -> Result<Database, DatabaseError> {
        let err = |source| DatabaseError::Read { path: path.display().to_string(), source };
        let mut db = Database::default();
        if path.is_file() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
            db.load_zip(path)?;
            return Ok(db);
        }
        let mut pending = vec![path.to_path_buf()];
        std::fs::read_dir(path).map_err(err)?;
        let mut read = 0;
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let Ok(kind) = entry.file_type() else { continue };
                let p = entry.path();
                if kind.is_dir() {
                    pending.push(p);
                } else if kind.is_file() && p.extension().is_some_and(|e| e == "json") && read < MAX_ADVISORIES {
                    read += 1;
                    if let Ok(file) = std::fs::File::open(&p) {
                        db.add_from(file);
                    }
                }
            }
        }
        Ok(db)
    }

    fn load_zip(&mut self, path: &Path) -> Result<(), DatabaseError> {
        let zip_err = |source| DatabaseError::Zip { path: path.display().to_string(), source };
        let file = std::fs::File::open(path)
            .map_err(|source| DatabaseError::Read { path: path.display().to_string(), source })?;
        let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zip_err)?;
        for i in 0..archive.len().min(MAX_ADVISORIES) {
            let entry = archive.by_index(i).map_err(zip_err)?;
            if entry.is_file() && entry.name().ends_with(".json") {
                self.add_from(entry);
            }
        }
        Ok(())
    }

    /// Adds the record a reader holds, read up to [`MAX_ADVISORY_BYTES`]; not JSON is skipped.
    fn add_from(&mut self, reader: impl Read) {
        let mut text = String::new();
        if reader.take(MAX_ADVISORY_BYTES).read_to_string(&mut text).is_ok()
            && let Ok(json) = serde_json::from_str::<Value>(&text)
        {
            self.add(&json);
        }
    }

    /// Advisories loaded, withdrawn ones excluded.
    pub(super) fn len(&self) -> usize {
        self.advisories
    }

    fn add(&mut self, json: &Value) {
        let Some(id) = json.get("id").and_then(Value::as_str) else { return };
        if json.get("withdrawn").is_some_and(|w| !w.is_null()) {
            self.withdrawn += 1;
            return;
        }
        self.advisories += 1;
        let summary = json.get("summary").and_then(Value::as_str).map(str::to_string);
        for affected in json.get("affected").and_then(Value::as_array).into_iter().flatten() {
            let Some(pkg) = affected.get("package") else { continue };
            let (Some(eco), Some(name)) =
                (pkg.get("ecosystem").and_then(Value::as_str), pkg.get("name").and_then(Value::as_str))
            else {
                continue;
            };
            // "Debian:11" style suffixes name a release of the ecosystem.
            let eco = eco.split(':').next().unwrap_or(eco);
            let strings = |v: Option<&Value>| -> Vec<String> {
                v.and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            };
            let ranges = affected
                .get("ranges")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|r| r.get("type").and_then(Value::as_str) != Some("GIT"))
                .map(|r| {
                    let events = r.get("events").and_then(Value::as_array).into_iter().flatten();
                    events
                        .filter_map(|e| {
                            let field = |k| e.get(k).and_then(Value::as_str).map(str::to_string);
                            None.or_else(|| field("introduced").map(Event::Introduced))
                                .or_else(|| field("fixed").map(Event::Fixed))
                                .or_else(|| field("last_affected").map(Event::LastAffected))
                                .or_else(|| field("limit").map(Event::Limit))
                        })
                        .collect()
                })
                .collect();
            let entry = Affected {
                id: id.to_string(),
                summary: summary.clone(),
                versions: strings(affected.get("versions")),
                ranges,
            };
            self.by_package.entry((eco.to_string(), normalise(eco, name))).or_default().push(entry);
        }
    }

    /// Every advisory affecting the locked version, with its first fixed version.
    pub(super) fn affecting(&self, p: &LockedPackage) -> Vec<VulnerablePackage> {
        let key = (p.ecosystem.to_string(), normalise(p.ecosystem, &p.name));
        let mut out: Vec<VulnerablePackage> = Vec::new();
        for a in self.by_package.get(&key).into_iter().flatten() {
            let listed = a.versions.iter().any(|v| compare(p.ecosystem, v, &p.version) == Some(Ordering::Equal));
            let in_range = a.ranges.iter().find_map(|r| affected_in(p.ecosystem, r, &p.version));
            let fixed = match in_range {
                Some(fixed) => fixed,
                None if listed => a.ranges.iter().find_map(|r| first_fixed_after(p.ecosystem, r, &p.version)),
                None => continue,
            };
            if out.iter().any(|o| o.advisory == a.id) {
                continue;
            }
            out.push(VulnerablePackage {
                package: p.name.clone(),
                ecosystem: p.ecosystem.to_string(),
                version: p.version.clone(),
                advisory: a.id.clone(),
                summary: a.summary.clone(),
                fixed,
                at: p.at.clone(),
            });
        }
        out
    }
}

/// Whether `version` lies in the range (OSV's evaluation over events sorted by version):
/// `Some(first fixed version after it)` when it does. A range with a version that does not
/// parse is not evaluated.
fn affected_in(eco: &str, events: &[Event], version: &str) -> Option<Option<String>> {
    let mut sorted = events.to_vec();
    let key =
        |e: &Event| if matches!(e, Event::Introduced(v) if v == "0") { None } else { Some(e.version().to_string()) };
    for e in &sorted {
        if let Some(v) = key(e) {
            compare(eco, &v, version)?;
        }
    }
    sorted.sort_by(|a, b| match (key(a), key(b)) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(x), Some(y)) => compare(eco, &x, &y).unwrap_or(Ordering::Equal),
    });
    let at_least = |v: &str| v == "0" || compare(eco, version, v).is_some_and(Ordering::is_ge);
    let mut affected = false;
    for e in &sorted {
        match e {
            Event::Introduced(v) if at_least(v) => affected = true,
            Event::Fixed(v) | Event::Limit(v) if at_least(v) => affected = false,
            Event::LastAffected(v) if compare(eco, version, v).is_some_and(Ordering::is_gt) => affected = false,
            _ => {}
        }
    }
    affected.then(|| first_fixed_after(eco, &sorted, version))
}

/// The smallest `fixed` version above `version`.
fn first_fixed_after(eco: &str, events: &[Event], version: &str) -> Option<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Fixed(v) if compare(eco, v, version).is_some_and(Ordering::is_gt) => Some(v.clone()),
            _ => None,
        })
        .min_by(|a, b| compare(eco, a, b).unwrap_or(Ordering::Equal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use steth_core::evidence::Location;

    fn locked(eco: &'static str, name: &str, version: &str) -> LockedPackage {
        LockedPackage {
            ecosystem: eco,
            name: name.into(),
            version: version.into(),
            at: Location { file: "x.lock".into(), line: 3 },
        }
    }

    fn db(records: &[&str]) -> Database {
        let mut db = Database::default();
        for r in records {
            db.add(&serde_json::from_str(r).unwrap());
        }
        db
    }

    const TIME: &str = r#"{"id": "RUSTSEC-2020-0071", "summary": "segfault in localtime_r", "affected": [{"package": {"ecosystem": "crates.io", "name": "time"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.2.23"}]}]}]}"#;

    #[test]
    fn introduced_fixed_ranges_use_the_ecosystem_order() {
        let db = db(&[TIME]);
        let hit = db.affecting(&locked("crates.io", "time", "0.1.40"));
        assert_eq!(hit.len(), 1);
        assert_eq!(
            (hit[0].advisory.as_str(), hit[0].fixed.as_deref(), hit[0].at.line),
            ("RUSTSEC-2020-0071", Some("0.2.23"), 3)
        );
        assert!(db.affecting(&locked("crates.io", "time", "0.2.23")).is_empty());
        assert!(db.affecting(&locked("crates.io", "time", "0.10.0")).is_empty(), "0.10 > 0.2.23 numerically");
        assert!(db.affecting(&locked("npm", "time", "0.1.0")).is_empty(), "another ecosystem");
    }

    #[test]
    fn last_affected_several_ranges_and_pep440() {
        let rec = r#"{"id": "PYSEC-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "Jinja2"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.11.3"}, {"introduced": "3.0.0a1"}, {"last_affected": "3.0.0rc2"}]}]}]}"#;
        let db = db(&[rec]);
        assert_eq!(db.affecting(&locked("PyPI", "jinja2", "2.11.2"))[0].fixed.as_deref(), Some("2.11.3"));
        assert!(db.affecting(&locked("PyPI", "jinja2", "2.11.3")).is_empty());
        assert!(db.affecting(&locked("PyPI", "jinja2", "1.9")).is_empty());
        assert_eq!(db.affecting(&locked("PyPI", "JINJA2", "3.0.0rc1")).len(), 1);
        assert!(db.affecting(&locked("PyPI", "jinja2", "3.0.0")).is_empty(), "after last_affected");
    }

    #[test]
    fn withdrawn_advisories_are_ignored_and_go_pseudo_versions_compare() {
        let withdrawn = TIME.replace("\"summary\"", "\"withdrawn\": \"2021-01-01T00:00:00Z\", \"summary\"");
        let go = r#"{"id": "GO-2021-0113", "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/text"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.7"}]}]}]}"#;
        let db = db(&[&withdrawn, go]);
        assert_eq!((db.len(), db.withdrawn), (1, 1));
        assert!(db.affecting(&locked("crates.io", "time", "0.1.40")).is_empty());
        assert_eq!(db.affecting(&locked("Go", "golang.org/x/text", "v0.3.5")).len(), 1);
        assert_eq!(db.affecting(&locked("Go", "golang.org/x/text", "v0.0.0-20210405180319-a5a99cb37ef4")).len(), 1);
        assert!(db.affecting(&locked("Go", "golang.org/x/text", "v0.3.8")).is_empty());
    }

    #[test]
    fn explicit_versions_count_and_zip_and_missing_paths_are_clear_errors() {
        let rec = r#"{"id": "GHSA-x", "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "versions": ["4.17.20"]}]}"#;
        assert_eq!(db(&[rec]).affecting(&locked("npm", "lodash", "4.17.20")).len(), 1);
        assert!(Database::load(Path::new("/nonexistent/osv")).unwrap_err().to_string().contains("/nonexistent/osv"));
    }

    #[test]
    fn a_zip_of_osv_records_loads_like_a_directory() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("RUSTSEC-2020-0071.json", deflated).unwrap();
        zip.write_all(TIME.as_bytes()).unwrap();
        zip.start_file("README.txt", stored).unwrap();
        zip.write_all(b"not an advisory").unwrap();
        zip.finish().unwrap();
        let db = Database::load(&path).unwrap();
        assert_eq!(db.len(), 1);
        assert_eq!(db.affecting(&locked("crates.io", "time", "0.1.40")).len(), 1);
        std::fs::write(dir.path().join("broken.zip"), b"PK not a zip").unwrap();
        let err = Database::load(&dir.path().join("broken.zip")).unwrap_err().to_string();
        assert!(err.starts_with("read the advisory archive"), "{err}");
    }
}
