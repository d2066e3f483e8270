//! The repository truth matrix: the fixture repository audited healthy (every item read from
//! the repository passes) and once per defect switch (exactly that item fails, nothing else
//! changes). No service, no load: each row builds a repository with real git in a temporary
//! directory and reads it in well under a second.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use steth_core::Status;
use steth_core::catalog::{self, Source};
use steth_core::config::SourcePlan;
use steth_core::evidence::{Evidence, SecretScan, SourceEvidence};
use support::repo_fixture::{RepoDefect, RepoFixture};

/// Reads the fixture as `stethoscope audit --source` would, with its OSV fixture as
/// `[source] advisories` (which `vulnerable-lockfile` needs and the healthy lockfile passes).
fn read(fixture: &RepoFixture) -> SourceEvidence {
    let mut plan = SourcePlan::new(fixture.path());
    plan.advisories = Some(fixture.advisories().to_path_buf());
    let slot = steth_source::collect(&plan, Instant::now() + Duration::from_secs(60));
    slot.data().cloned().unwrap_or_else(|| panic!("the source collector failed: {slot:?}"))
}

fn secrets(source: &SourceEvidence) -> &SecretScan {
    source.secrets.data().unwrap_or_else(|| panic!("no secret scan: {:?}", source.secrets))
}

/// Every measurable item that reads only the repository, or that a switch targets (9.5 also
/// reads the audit's endpoints, absent here), with its status and evidence.
fn assess(source: &SourceEvidence) -> BTreeMap<&'static str, (Status, String)> {
    let evidence = Evidence { source: steth_core::evidence::Slot::collected(source.clone()), ..Evidence::default() };
    let targeted = |id: &str| RepoDefect::ALL.iter().any(|d| d.item() == id);
    catalog::items()
        .filter(|i| i.is_implemented() && (i.sources == [Source::Source] || targeted(i.id)))
        .map(|i| {
            let o = i.assess(&evidence, &i.default_threshold);
            (
                i.id,
                (o.status, format!("{} | {} | {}", o.measured.unwrap_or_default(), o.evidence, o.findings.join(" ; "))),
            )
        })
        .collect()
}

fn mismatches(defect: Option<RepoDefect>, got: &BTreeMap<&'static str, (Status, String)>) -> Vec<String> {
    got.iter()
        .filter_map(|(id, (status, evidence))| {
            let want = if defect.is_some_and(|d| d.item() == *id) { Status::Fail } else { Status::Pass };
            (*status != want).then(|| format!("{id}: want {want:?}, got {status:?} ({evidence})"))
        })
        .collect()
}

#[test]
fn repo_truth_matrix() {
    let mut wrong = Vec::new();
    for defect in std::iter::once(None).chain(RepoDefect::ALL.iter().copied().map(Some)) {
        let fixture = RepoFixture::build(defect.as_slice());
        let source = read(&fixture);
        let got = assess(&source);
        let ids: Vec<&str> = got.keys().copied().collect();
        assert_eq!(
            ids,
            ["6.10", "6.7", "7.7", "7.8", "9.1", "9.2", "9.4", "9.5"],
            "the items read from the repository"
        );
        let name = defect.map_or("healthy", |d| d.name());
        let mut row = mismatches(defect, &got);
        if let Some(rule) = defect.and_then(|d| d.secret_rule()) {
            let scan = secrets(&source);
            if !scan.findings.iter().any(|f| f.rule == rule) {
                row.push(format!("no `{rule}` finding: {:?}", scan.findings));
            }
            if scan.findings.len() != 1 {
                row.push(format!("want exactly the planted secret, got {:?}", scan.findings));
            }
        }
        eprintln!("repo truth matrix row `{name}`: {}", if row.is_empty() { "ok" } else { "WRONG" });
        if !row.is_empty() {
            wrong.push(format!("row `{name}`:\n  {}", row.join("\n  ")));
        }
    }
    assert!(wrong.is_empty(), "repo truth matrix:\n{}", wrong.join("\n"));
}

#[test]
fn the_healthy_repository_lists_its_test_fixture_apart() {
    let fixture = RepoFixture::build(&[]);
    let source = read(&fixture);
    let scan = secrets(&source);
    assert!(source.git && scan.history);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    assert_eq!(scan.fixtures.len(), 1, "{:?}", scan.fixtures);
    assert_eq!(scan.fixtures[0].path, "tests/fixtures/credentials.py");
    assert_eq!(scan.refs, 3, "main, the feature branch and the tag");
    assert_eq!(scan.commits, 4);
}

#[test]
fn a_conflict_resolution_is_attributed_to_its_merge_and_git_log_p_misses_it() {
    let fixture = RepoFixture::build(&[RepoDefect::SecretInMergeResolution]);
    let source = read(&fixture);
    let f = &secrets(&source).findings[0];
    assert_eq!((f.path.as_str(), f.line, f.commit.as_deref()), ("src/billing.py", 2, Some(fixture.commit("merge"))));
    assert!(!f.in_head, "the next commit took the key out");
    // The anchor this scan beats: `git log -p --all` shows no diff for merge commits, so no
    // added line holds the key (the later removal shows it only as a deleted line).
    let log = std::process::Command::new("git")
        .arg("-C")
        .arg(fixture.path())
        .args(["log", "-p", "--all"])
        .output()
        .expect("git log runs");
    let text = String::from_utf8_lossy(&log.stdout);
    let added = text.lines().filter(|l| l.starts_with('+')).any(|l| l.contains(&fixture.planted[0]));
    assert!(!added, "git log -p now shows merge resolutions; this test's premise changed");
}

#[test]
fn a_deleted_or_renamed_secret_is_attributed_to_the_commit_that_added_it() {
    let fixture = RepoFixture::build(&[RepoDefect::SecretDeletedFromHead, RepoDefect::SecretRenamedThenDeleted]);
    let source = read(&fixture);
    let scan = secrets(&source);
    let aws = scan.findings.iter().find(|f| f.rule == "aws-access-key-id").expect("the AWS key");
    assert_eq!((aws.path.as_str(), aws.line, aws.column), ("config/aws.py", 3, 22));
    assert_eq!(aws.commit.as_deref(), Some(fixture.commit("added-aws")));
    assert!(aws.date.as_deref().is_some_and(|d| d.starts_with("2024-01-01")), "{:?}", aws.date);
    assert!(!aws.in_head);
    assert_eq!(aws.redacted.prefix, "AKIA");
    assert_eq!(aws.redacted.length, 20);
    // One value on one path: the rename keeps the blob, so the legacy password is one finding.
    let legacy: Vec<_> = scan.findings.iter().filter(|f| f.rule == "generic-secret-assignment").collect();
    assert_eq!(legacy.len(), 1, "{legacy:?}");
    assert_eq!(legacy[0].commit.as_deref(), Some(fixture.commit("legacy")));
}

#[test]
fn without_history_only_head_is_read() {
    let fixture = RepoFixture::build(&[RepoDefect::SecretDeletedFromHead, RepoDefect::DotEnvCommitted]);
    let mut plan = SourcePlan::new(fixture.path());
    plan.history = false;
    let source = steth_source::collect(&plan, Instant::now() + Duration::from_secs(60));
    let scan = secrets(source.data().expect("collected"));
    assert!(!scan.history);
    let rules: Vec<&str> = scan.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["dotenv-secret"]);
}

#[test]
fn a_plain_directory_is_read_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!("AKIA{}", support::repo_fixture::noise(9, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/aws.py"), format!("KEY = \"{key}\"\n")).unwrap();
    let source = steth_source::collect(&SourcePlan::new(dir.path()), Instant::now() + Duration::from_secs(60));
    let source = source.data().expect("collected");
    assert!(!source.git);
    let scan = secrets(source);
    assert_eq!((scan.history, scan.findings.len()), (false, 1));
    assert_eq!((scan.findings[0].path.as_str(), scan.findings[0].commit.as_ref()), ("src/aws.py", None));
}

#[test]
fn ignore_file_excludes_paths_and_accepts_values() {
    use sha2::Digest;
    let fixture = RepoFixture::build(&[RepoDefect::SecretDeletedFromHead, RepoDefect::DotEnvCommitted]);
    let dotenv = &fixture.planted[1];
    let digest: String = sha2::Sha256::digest(dotenv.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(
        fixture.path().join(".stethoscope-ignore"),
        format!("# reviewed\nconfig/aws.py\nsha256:{}\n", &digest[..16]),
    )
    .unwrap();
    let source = read(&fixture);
    let scan = secrets(&source);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    assert_eq!((scan.skipped, scan.accepted), (1, 1));
    std::fs::write(fixture.path().join(".stethoscope-ignore"), "sha256:nothex\n").unwrap();
    let failed = steth_source::collect(&SourcePlan::new(fixture.path()), Instant::now() + Duration::from_secs(60));
    let Some(source) = failed.data() else { panic!("{failed:?}") };
    assert!(
        matches!(&source.secrets, steth_core::evidence::Slot::Failed { error } if error.contains(".stethoscope-ignore:1")),
        "{:?}",
        source.secrets
    );
}

#[test]
fn a_blob_over_the_cap_is_read_up_to_it() {
    let fixture = RepoFixture::build(&[RepoDefect::PrivateKeyInLargeBinary]);
    let mut plan = SourcePlan::new(fixture.path());
    plan.max_blob_bytes = 1 << 20;
    let source = steth_source::collect(&plan, Instant::now() + Duration::from_secs(60));
    let scan = secrets(source.data().expect("collected"));
    assert_eq!(scan.truncated, 1);
    assert!(scan.findings.is_empty(), "the key sits past the cap");
}

#[test]
fn a_missing_path_fails_and_a_deadline_in_the_past_times_out() {
    let missing =
        steth_source::collect(&SourcePlan::new("/nonexistent/steth"), Instant::now() + Duration::from_secs(5));
    assert!(matches!(missing, steth_core::evidence::Slot::Failed { .. }));
    let fixture = RepoFixture::build(&[]);
    let late = steth_source::collect(&SourcePlan::new(fixture.path()), Instant::now());
    let late = late.data().expect("collected");
    assert!(matches!(&late.secrets, steth_core::evidence::Slot::Failed { .. }), "{:?}", late.secrets);
}
