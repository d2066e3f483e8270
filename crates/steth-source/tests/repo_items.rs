//! The repository items (6.10, 7.7, 7.8, 9.1, 9.2, 9.4, 9.5) assessed from
//! `steth_source::repo::collect` on real git repositories built in temporary directories: the
//! healthy repository passes all seven, and each defect fails exactly its own item.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use steth_core::catalog;
use steth_core::evidence::{Evidence, RepoEvidence, Slot, SourceEvidence};
use steth_core::outcome::Status;
use steth_source::repo::{RepoSettings, collect};
use support::repo_fixture::{CI, INIT_MIGRATION, K6, ORDERS_MIGRATION, advisories, cargo_lock, practice_files};

const ITEMS: [&str; 7] = ["6.10", "7.7", "7.8", "9.1", "9.2", "9.4", "9.5"];

/// The repository as files on `main`, and the files the feature branch (HEAD) adds.
struct Fixture {
    main: BTreeMap<&'static str, String>,
    branch: BTreeMap<&'static str, String>,
}

impl Fixture {
    /// The fixture repository's practice files and its first migration on `main`, an old
    /// breaking migration there too, and the new orders migration on the branch.
    fn healthy() -> Fixture {
        let mut main: BTreeMap<&'static str, String> = practice_files().into_iter().collect();
        main.insert(INIT_MIGRATION.0, INIT_MIGRATION.1.into());
        // Old history: a drop merged long ago is not new, so it does not count.
        main.insert(
            "migrations/0002_legacy.sql",
            "SET lock_timeout = '3s';\nALTER TABLE users DROP COLUMN name;\n".into(),
        );
        let branch = [(ORDERS_MIGRATION.0, ORDERS_MIGRATION.1.to_string())].into_iter().collect();
        Fixture { main, branch }
    }

    /// Writes and commits the repository: `main`, then a `feature` branch checked out.
    fn build(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        write_all(root, &self.main);
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "main"]);
        git(root, &["checkout", "-q", "-b", "feature"]);
        write_all(root, &self.branch);
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "--allow-empty", "-m", "feature"]);
        dir
    }
}

fn write_all(root: &Path, files: &BTreeMap<&'static str, String>) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
}

fn git(root: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=steth", "-c", "user.email=steth@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn settings(advisories: &Path) -> RepoSettings {
    RepoSettings { advisories: Some(PathBuf::from(advisories)), ..RepoSettings::default() }
}

fn evidence(repo: RepoEvidence) -> Evidence {
    let source = SourceEvidence { repo: Slot::collected(repo), ..SourceEvidence::default() };
    Evidence { source: Slot::collected(source), ..Evidence::default() }
}

/// The status of each of the seven items.
fn statuses(repo: RepoEvidence) -> BTreeMap<&'static str, (Status, String)> {
    let e = evidence(repo);
    ITEMS
        .iter()
        .map(|id| {
            let item = catalog::find(id).expect("a catalog item");
            let o = item.assess(&e, &item.default_threshold);
            (*id, (o.status, format!("{} | {} | {:?}", o.measured.unwrap_or_default(), o.evidence, o.findings)))
        })
        .collect()
}

/// Builds the fixture, collects, and asserts every item passes except the `failing` ones (with
/// their status).
#[track_caller]
fn assert_only(fixture: &Fixture, failing: &[(&str, Status)]) -> RepoEvidence {
    let repo = fixture.build();
    let db = advisories();
    let evidence = collect(repo.path(), &settings(db.path())).expect("the repository is readable");
    for (id, (status, detail)) in statuses(evidence.clone()) {
        let expected = failing.iter().find(|(f, _)| *f == id).map_or(Status::Pass, |(_, s)| *s);
        assert_eq!(status, expected, "{id}: {detail}");
    }
    evidence
}

#[test]
fn the_healthy_repository_passes_all_seven_items() {
    let e = assert_only(&Fixture::healthy(), &[]);
    let Slot::Collected { data: m } = &e.migrations else { panic!("migrations found: {:?}", e.migrations) };
    assert_eq!(m.linted, ["migrations/0003_orders.sql"], "only the branch's migration is new");
    assert!(m.baseline.contains("with main"), "{}", m.baseline);
    assert_eq!(m.total, 3);
    let Slot::Collected { data: a } = &e.dependencies.advisories else { panic!("advisories matched") };
    assert_eq!((a.advisories, a.withdrawn, a.packages), (1, 1, 1));
    let load: Vec<String> = e.load_tests.found.iter().map(ToString::to_string).collect();
    assert_eq!(load, ["k6 in CI at Makefile:5"], "the make target is followed, the comment is not a run");
    assert!(e.load_tests.partial.is_empty(), "the script make runs is not idle: {:?}", e.load_tests.partial);
}

#[test]
fn a_vulnerable_locked_version_fails_6_10_naming_the_advisory_and_the_fix() {
    let mut f = Fixture::healthy();
    f.main.insert("Cargo.lock", cargo_lock("0.1.40"));
    let e = assert_only(&f, &[("6.10", Status::Fail)]);
    let o = catalog::find("6.10")
        .expect("6.10")
        .assess(&evidence(e), &catalog::find("6.10").expect("6.10").default_threshold);
    assert_eq!(o.findings, ["time 0.1.40 (crates.io): RUSTSEC-2020-0071, fixed in 0.2.23, at Cargo.lock:9"]);
}

#[test]
fn no_scanner_in_ci_fails_6_10() {
    let mut f = Fixture::healthy();
    f.main.insert(".github/workflows/ci.yml", CI.replace("      - run: cargo audit\n", ""));
    assert_only(&f, &[("6.10", Status::Fail)]);
}

#[test]
fn a_breaking_migration_fails_7_7_only() {
    let mut f = Fixture::healthy();
    f.branch.insert(
        "migrations/0004_rename.sql",
        "SET lock_timeout = '3s';\nALTER TABLE users RENAME COLUMN email TO mail;\n".into(),
    );
    let e = assert_only(&f, &[("7.7", Status::Fail)]);
    let Slot::Collected { data: m } = &e.migrations else { panic!() };
    assert_eq!(m.breaking.len(), 1);
    assert_eq!(
        (m.breaking[0].rule.as_str(), m.breaking[0].at.to_string()),
        ("renaming-column", "migrations/0004_rename.sql:2".into())
    );
}

#[test]
fn a_rails_drop_in_a_down_method_is_not_counted_but_in_change_it_is() {
    let mut f = Fixture::healthy();
    f.branch.insert(
        "db/migrate/20240101000000_add_note.rb",
        "class AddNote < ActiveRecord::Migration[7.1]\n  def up\n    add_column :users, :note, :text\n  end\n\n  \
         def down\n    remove_column :users, :note\n  end\nend\n"
            .into(),
    );
    assert_only(&f, &[]);
    f.branch.insert(
        "db/migrate/20240102000000_drop_note.rb",
        "class DropNote < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :note, :text\n  end\nend\n"
            .into(),
    );
    assert_only(&f, &[("7.7", Status::Fail)]);
}

#[test]
fn a_non_concurrent_index_fails_9_4_only() {
    let mut f = Fixture::healthy();
    f.branch.insert(
        "migrations/0004_index.sql",
        "SET lock_timeout = '3s';\nCREATE INDEX users_email2 ON users (email);\n".into(),
    );
    let e = assert_only(&f, &[("9.4", Status::Fail)]);
    let Slot::Collected { data: m } = &e.migrations else { panic!() };
    let rules: Vec<String> = m.lock_risks.iter().map(|f| format!("{} {}", f.at, f.rule)).collect();
    assert_eq!(rules, ["migrations/0004_index.sql:2 require-concurrent-index-creation"]);
}

#[test]
fn no_migration_linter_in_ci_warns_9_4() {
    let mut f = Fixture::healthy();
    f.main.insert(".github/workflows/ci.yml", CI.replace("      - run: npx squawk-cli migrations/*.sql\n", ""));
    assert_only(&f, &[("9.4", Status::Warn)]);
}

#[test]
fn no_load_test_in_ci_fails_9_2_and_lists_the_unrun_script() {
    let mut f = Fixture::healthy();
    f.main.insert(".github/workflows/ci.yml", CI.replace("      - run: make load-test\n", ""));
    let e = assert_only(&f, &[("9.2", Status::Fail)]);
    let partial: Vec<String> = e.load_tests.partial.iter().map(ToString::to_string).collect();
    assert_eq!(partial, ["k6 script no CI job runs at load/checkout.js"]);
}

#[test]
fn no_budget_fails_9_5() {
    let mut f = Fixture::healthy();
    f.main.insert("stethoscope.toml", "[[endpoints]]\npath = \"/products\"\n".into());
    f.main.insert("load/checkout.js", K6.replace("  thresholds: { http_req_duration: ['p(99)<500'] },\n", ""));
    assert_only(&f, &[("9.5", Status::Fail)]);
}

#[test]
fn no_flag_sdk_fails_7_8() {
    let mut f = Fixture::healthy();
    f.main.insert("package.json", "{\n  \"dependencies\": {\n    \"express\": \"^4.19.2\"\n  }\n}\n".into());
    assert_only(&f, &[("7.8", Status::Fail)]);
}

#[test]
fn no_explain_in_the_template_fails_9_1() {
    let mut f = Fixture::healthy();
    f.main.insert(
        ".github/pull_request_template.md",
        "## Checklist\n- [ ] Please explain why this change is needed\n".into(),
    );
    assert_only(&f, &[("9.1", Status::Fail)]);
}

#[test]
fn on_the_default_branch_the_newest_20_by_version_are_linted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    let mut files = BTreeMap::new();
    // `3_x.sql` is the third oldest by version although it sorts after `25_x.sql` by name.
    for n in 1..=25 {
        let name: &'static str = Box::leak(format!("migrations/{n}_x.sql").into_boxed_str());
        let sql = if n == 3 {
            "ALTER TABLE t DROP COLUMN c;\n".to_string()
        } else {
            format!("CREATE TABLE t{n} (id int);\n")
        };
        files.insert(name, sql);
    }
    write_all(root, &files);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "all"]);
    let e = collect(root, &RepoSettings::default()).expect("readable");
    let Slot::Collected { data: m } = &e.migrations else { panic!() };
    assert_eq!(m.linted.len(), 20);
    assert_eq!(m.linted.first().map(String::as_str), Some("migrations/6_x.sql"));
    assert!(m.breaking.is_empty(), "{:?}", m.breaking);
    assert!(m.baseline.starts_with("the newest 20"), "{}", m.baseline);
}

#[test]
fn a_plain_directory_is_read_and_an_empty_one_leaves_migrations_unavailable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let e = collect(dir.path(), &RepoSettings::default()).expect("readable");
    assert!(matches!(e.migrations, Slot::Unavailable { .. }));
    let o = statuses(e);
    assert_eq!(o["7.7"].0, Status::NotAssessed);
    assert_eq!(o["9.2"].0, Status::Fail);
    assert!(collect(&dir.path().join("missing"), &RepoSettings::default()).is_err());
}

#[test]
fn an_explicit_baseline_ref_marks_what_is_new_also_from_a_subdirectory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    let first =
        [("service/migrations/0001_init.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n".to_string())];
    write_all(root, &first.into_iter().collect());
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "one"]);
    git(root, &["tag", "release"]);
    let second = [(
        "service/migrations/0002_drop.sql",
        "SET lock_timeout = '1s';\nALTER TABLE users DROP COLUMN name;\n".to_string(),
    )];
    write_all(root, &second.into_iter().collect());
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "two"]);
    let service = root.join("service");
    let with_baseline = |b: &str| RepoSettings { baseline: Some(b.into()), ..RepoSettings::default() };
    let e = collect(&service, &with_baseline("release")).expect("readable");
    let Slot::Collected { data: m } = &e.migrations else { panic!() };
    assert_eq!(m.linted, ["migrations/0002_drop.sql"], "{}", m.baseline);
    assert!(m.baseline.contains("with release"), "{}", m.baseline);
    assert_eq!(m.breaking.len(), 1);
    let e = collect(&service, &with_baseline("no-such-ref")).expect("readable");
    let Slot::Collected { data: m } = &e.migrations else { panic!() };
    assert!(m.baseline.contains("baseline `no-such-ref` is not a commit"), "{}", m.baseline);
    assert_eq!(m.linted.len(), 2);
}

#[test]
fn django_alter_field_is_judged_against_the_apps_history() {
    let initial = "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    \
                   operations = [\n        migrations.CreateModel(\n            name='Order',\n            fields=[\n                \
                   ('id', models.BigAutoField(primary_key=True)),\n                ('note', models.CharField(max_length=100)),\n            \
                   ],\n        ),\n    ]\n";
    let alter = |field: &str| {
        format!(
            "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    operations = [\n        \
             migrations.AlterField(\n            model_name='order',\n            name='note',\n            field={field},\n        ),\n    ]\n"
        )
    };
    let mut f = Fixture::healthy();
    f.main.insert("shop/migrations/0001_initial.py", initial.into());
    f.main.insert("shop/migrations/__init__.py", String::new());
    f.branch.insert("shop/migrations/0002_note.py", alter("models.CharField(max_length=500, help_text='longer')"));
    assert_only(&f, &[]);
    // A type change breaks old code (7.7) and rewrites the table (9.4).
    f.branch.insert("shop/migrations/0002_note.py", alter("models.IntegerField()"));
    let e = assert_only(&f, &[("7.7", Status::Fail), ("9.4", Status::Fail)]);
    let Slot::Collected { data: m } = &e.migrations else { panic!() };
    assert_eq!(m.breaking[0].at.to_string(), "shop/migrations/0002_note.py:5");
    assert!(
        m.breaking[0].message.contains("from models.CharField to models.IntegerField"),
        "{}",
        m.breaking[0].message
    );
}
