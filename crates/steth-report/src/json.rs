//! The JSON report: the public, versioned format (`schema/report.schema.json`).

use steth_core::report::Report;

/// Writes the report as pretty JSON with a trailing newline.
pub fn render(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// Reads a saved JSON report, refusing other schema versions.
pub fn load(text: &str) -> Result<Report, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not a JSON report: {e}"))?;
    let version = value.get("schema_version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(steth_core::report::SCHEMA_VERSION)) {
        return Err(format!(
            "report has schema_version {}, this stethoscope reads version {}",
            version.map_or("none".to_string(), |v| v.to_string()),
            steth_core::report::SCHEMA_VERSION
        ));
    }
    // From the text, not the Value: integer map keys (status codes) only parse from text.
    serde_json::from_str(text).map_err(|e| format!("not a stethoscope report: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample;

    fn to_json(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(to_json(&sample()));
    }

    #[test]
    fn json_round_trips() {
        let report = sample();
        assert_eq!(load(&to_json(&report)).unwrap(), report);
    }

    #[test]
    fn json_validates_against_the_committed_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../schema/report.schema.json")).expect("schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let instance: serde_json::Value = serde_json::from_str(&to_json(&sample())).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let mut broken = instance.clone();
        broken["items"][0]["status"] = "great".into();
        assert!(!validator.is_valid(&broken), "the schema must reject unknown statuses");
    }

    #[test]
    fn other_schema_versions_are_refused() {
        let e = load(r#"{"schema_version": 99}"#).unwrap_err();
        assert!(e.contains("schema_version 99"));
    }
}
