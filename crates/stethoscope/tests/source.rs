//! `audit --source`: 6.7 through the binary on the repository fixture and on this repository,
//! and no planted secret value in any output format, nor in `report`'s re-renders.

#[path = "../../steth-source/tests/support/repo_fixture.rs"]
mod repo_fixture;

use repo_fixture::{RepoDefect, RepoFixture};
use serde_json::Value;
use std::path::Path;
#[path = "support/run.rs"]
mod run;
use run::{stethoscope, text};

/// The switches that plant a secret (6.7's); the others break items `--only 6.7` does not show.
fn secret_switches() -> Vec<RepoDefect> {
    RepoDefect::ALL.iter().copied().filter(|d| d.secret_rule().is_some()).collect()
}

const FORMATS: [&str; 6] = ["terminal", "json", "markdown", "sarif", "html", "junit"];

#[test]
fn no_planted_secret_appears_in_any_output_format() {
    let fixture = RepoFixture::build(&secret_switches());
    let dir = tempfile::tempdir().unwrap();
    let repo = fixture.path().to_str().unwrap();
    let mut outputs: Vec<(String, String)> = Vec::new();
    for format in FORMATS {
        let out = stethoscope(&["audit", "--source", repo, "--only", "6.7", "--format", format], dir.path());
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        outputs.push((format!("audit --format {format}"), text(&out.stdout) + &text(&out.stderr)));
    }
    let out =
        stethoscope(&["audit", "--source", repo, "--only", "6.7", "--format", "json", "--out", "run.json"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    outputs.push(("run.json".into(), std::fs::read_to_string(dir.path().join("run.json")).unwrap()));
    for format in FORMATS {
        let out = stethoscope(&["report", "run.json", "--format", format], dir.path());
        assert!(out.status.success(), "report {format}: {}", text(&out.stderr));
        outputs.push((format!("report --format {format}"), text(&out.stdout) + &text(&out.stderr)));
    }
    let secrets: Vec<&String> = fixture.planted.iter().chain(&fixture.fixture_secrets).collect();
    assert!(secrets.len() > secret_switches().len());
    for (name, output) in &outputs {
        for secret in &secrets {
            // Neither the value nor what follows its shown prefix.
            let rest: String = secret.chars().skip(4).collect();
            assert!(!output.contains(secret.as_str()) && !output.contains(&rest), "{name} shows a planted secret");
        }
    }
    // Every switch's secret is reported, with its file, line and first commit, in a report the
    // public schema accepts.
    let saved = outputs.iter().find(|(name, _)| name == "run.json").map(|(_, text)| text).unwrap();
    let report: Value = serde_json::from_str(saved).unwrap();
    let schema: Value = serde_json::from_str(include_str!("../../../schema/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&report).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report["raw_evidence"]["source"]["state"], "collected");
    let item = report["items"].as_array().unwrap().iter().find(|i| i["id"] == "6.7").unwrap();
    assert_eq!(item["status"], "fail");
    let findings: Vec<&str> = item["findings"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    for defect in secret_switches() {
        let rule = defect.secret_rule().unwrap();
        assert!(findings.iter().any(|f| f.contains(rule) && f.contains(" @ ")), "{rule} missing: {findings:#?}");
    }
    assert!(
        findings.iter().any(|f| f.starts_with("src/billing.py:2 @ ") && f.contains(&fixture.commit("merge")[..10]))
    );
    assert!(findings.iter().any(|f| f.starts_with("test fixture, not counted: tests/fixtures/credentials.py:2")));
}

#[test]
fn sarif_from_the_fixture_validates_and_locates_every_secret() {
    let fixture = RepoFixture::build(&secret_switches());
    let dir = tempfile::tempdir().unwrap();
    let repo = fixture.path().to_str().unwrap();
    let out = stethoscope(&["audit", "--source", repo, "--only", "6.7", "--format", "sarif"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    // See steth-report's sarif tests: the errata's correction of the schema's `language` regex.
    let schema = include_str!("../../../schema/sarif-2.1.0.json")
        .replace("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    let validator = jsonschema::validator_for(&serde_json::from_str(&schema).unwrap()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let errors = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(errors, secret_switches().len(), "{results:#?}");
    for r in results {
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().is_some_and(|l| l >= 1), "{r}");
        assert!(r["ruleId"].as_str().unwrap().starts_with("6.7/"));
    }
}

#[test]
fn this_repository_is_read_in_full_and_holds_no_secret() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if !root.join(".git").exists() {
        eprintln!("SKIPPED: {} is not a git work tree", root.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(
        &["audit", "--source", root.to_str().unwrap(), "--only", "6.7", "--format", "json", "--quiet"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = report["items"].as_array().unwrap().iter().find(|i| i["id"] == "6.7").unwrap();
    assert_eq!(item["status"], "pass", "{item:#}");
    assert!(item["evidence"].as_str().unwrap().contains("distinct blob(s)"), "{item:#}");
}

#[test]
fn source_without_a_config_and_bad_paths() {
    let dir = tempfile::tempdir().unwrap();
    let out = stethoscope(&["audit", "--source", "no/such/dir", "--only", "6.7"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--source `no/such/dir` is not a directory"));
    std::fs::write(dir.path().join("stethoscope.toml"), "[source]\npath = \".\"\nmax_blob_bytes = \"1KiB\"\n").unwrap();
    let out = stethoscope(&["audit", "--only", "6.7"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("stethoscope.toml:3:"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("source.max_blob_bytes"), "{}", text(&out.stderr));
}
