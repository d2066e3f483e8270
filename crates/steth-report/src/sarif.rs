//! SARIF 2.1.0 (`schema/sarif-2.1.0.json`): every finding with a file location as a result with
//! a rule id, a level, a region and partial fingerprints, uploadable to GitHub code scanning.
//! Secrets appear redacted, as in every other format.

use serde_json::{Value, json};
use steth_core::catalog::{self, Severity};
use steth_core::evidence::SecretFinding;
use steth_core::report::Report;

/// Where findings with a file location come from: one function per kind of located evidence.
type Located = (Rule, Value);

/// A SARIF rule: `item/rule`, what it finds and which checklist item it belongs to.
struct Rule {
    id: String,
    title: String,
    item: &'static str,
}

/// Writes the report's located findings as one SARIF run.
pub fn render(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut rules: Vec<Rule> = Vec::new();
    let mut results = Vec::new();
    for (rule, mut result) in secrets(report) {
        let index = match rules.iter().position(|r| r.id == rule.id) {
            Some(i) => i,
            None => {
                rules.push(rule);
                rules.len() - 1
            }
        };
        result["ruleIndex"] = json!(index);
        results.push(result);
    }
    let rules: Vec<Value> = rules.iter().map(describe).collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules,
            }},
            "invocations": [{ "executionSuccessful": true, "startTimeUtc": report.run.started_at }],
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// The rule's descriptor, its help being the checklist item's documentation.
fn describe(rule: &Rule) -> Value {
    let item = catalog::find(rule.item);
    let help = item.map(|i| i.explanation()).unwrap_or_default();
    let severity = match item.map(|i| i.severity) {
        Some(Severity::Critical) => "9.0",
        Some(Severity::High) => "7.0",
        Some(Severity::Medium) => "5.0",
        _ => "3.0",
    };
    json!({
        "id": rule.id,
        "name": rule.id.replace(['/', '.'], "-"),
        "shortDescription": { "text": rule.title },
        "fullDescription": { "text": format!("{} ({} {})", rule.title, rule.item, item.map_or("", |i| i.title)) },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": "error" },
        "properties": { "tags": ["security", "stethoscope", rule.item], "security-severity": severity },
    })
}

/// 6.7's secrets: failing findings are errors, those in test fixtures notes.
fn secrets(report: &Report) -> Vec<Located> {
    let Some(scan) = report.raw_evidence.as_ref().and_then(|e| e.source.data()).and_then(|s| s.secrets.data()) else {
        return Vec::new();
    };
    let each = |f: &SecretFinding, level: &str| {
        let rule = Rule { id: format!("6.7/{}", f.rule), title: f.title.clone(), item: "6.7" };
        let mut text = format!("{}: {}", f.title, f.redacted);
        if let Some(commit) = &f.commit {
            text.push_str(&format!("; first committed in {commit}"));
            if let Some(date) = &f.date {
                text.push_str(&format!(" on {date}"));
            }
        }
        if !f.in_head {
            text.push_str("; no longer in HEAD, still readable in the history");
        }
        if level == "note" {
            text.push_str("; under a test-fixture path, not counted");
        }
        let result = json!({
            "ruleId": rule.id,
            "level": level,
            "message": { "text": text },
            "locations": [{ "physicalLocation": {
                "artifactLocation": { "uri": uri(&f.path) },
                "region": { "startLine": f.line, "startColumn": f.column },
            }}],
            "partialFingerprints": { "stethoscopeSecret/v1": format!("{}:{}", f.redacted.fingerprint, f.path) },
            "properties": { "commit": f.commit, "date": f.date, "inHead": f.in_head, "fixture": level == "note" },
        });
        (rule, result)
    };
    scan.findings.iter().map(|f| each(f, "error")).chain(scan.fixtures.iter().map(|f| each(f, "note"))).collect()
}

/// A repository path as a relative URI reference: `%`, spaces and other reserved bytes escaped.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample;
    use steth_core::evidence::{Evidence, Redacted, SecretScan, Slot, SourceEvidence};

    fn with_secrets() -> Report {
        let finding = |path: &str, in_head| SecretFinding {
            rule: "github-pat".into(),
            title: "GitHub personal access token".into(),
            path: path.into(),
            line: 12,
            column: 7,
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            date: Some("2024-05-01T10:00:00+00:00".into()),
            in_head,
            redacted: Redacted { prefix: "ghp_".into(), length: 40, fingerprint: "a1b2c3d4e5f6".into() },
        };
        let scan = SecretScan {
            history: true,
            blobs: 10,
            findings: vec![finding("config/ci token.sh", false), finding("src/app.py", true)],
            fixtures: vec![finding("tests/fixtures/k.py", true)],
            ..Default::default()
        };
        let source =
            SourceEvidence { path: ".".into(), git: true, secrets: Slot::collected(scan), ..Default::default() };
        let mut report = sample();
        report.raw_evidence = Some(Evidence { source: Slot::collected(source), ..Evidence::default() });
        report
    }

    fn to_value(report: &Report) -> Value {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn sarif_validates_against_the_sarif_2_1_0_schema() {
        // The vendored schema is SARIF 2.1.0's final JSON schema (rtm.5, as npm's
        // @microsoft/jest-sarif ships it). Its two `language` patterns carry a stray `]` that the
        // OASIS errata correct; the regex engine refuses it, so the test applies the correction.
        let text = include_str!("../../../schema/sarif-2.1.0.json")
            .replace("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        for report in [sample(), with_secrets()] {
            let log = to_value(&report);
            let errors: Vec<String> =
                validator.iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path())).collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        let mut broken = to_value(&with_secrets());
        broken["runs"][0]["results"][0]["level"] = "fatal".into();
        assert!(!validator.is_valid(&broken), "the schema must reject unknown levels");
    }

    #[test]
    fn each_secret_is_a_located_result_with_rule_level_and_fingerprint() {
        let log = to_value(&with_secrets());
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 1);
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "6.7/github-pat");
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        let first = &results[0];
        assert_eq!((first["ruleId"].as_str(), first["ruleIndex"].as_u64()), (Some("6.7/github-pat"), Some(0)));
        assert_eq!(first["level"], "error");
        let location = &first["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "config/ci%20token.sh");
        assert_eq!(
            (location["region"]["startLine"].as_u64(), location["region"]["startColumn"].as_u64()),
            (Some(12), Some(7))
        );
        assert_eq!(first["partialFingerprints"]["stethoscopeSecret/v1"], "a1b2c3d4e5f6:config/ci token.sh");
        assert!(first["message"]["text"].as_str().unwrap().contains("no longer in HEAD"));
        assert_eq!(results[2]["level"], "note");
    }

    #[test]
    fn a_report_without_located_findings_is_an_empty_run() {
        let log = to_value(&sample());
        assert_eq!(log["runs"][0]["results"], json!([]));
    }
}
