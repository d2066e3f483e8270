//! The service's alerting rules: Prometheus rule files and Kubernetes `PrometheusRule`
//! manifests matched by `[metrics] rule_files`, and the rules a running Prometheus lists at
//! `/api/v1/rules` (`[metrics] prometheus`). Each expression is parsed as PromQL; a file that
//! Prometheus would refuse is a problem naming file and line, and its rules do not count.

use super::alerts::{self, Records};
use super::scrape::Scraper;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use steth_core::config::MetricsTarget;
use steth_core::evidence::{AlertRule, AlertRules, RuleProblem, Slot};

/// Most bytes read from one rule file or from the server's rules.
pub const MAX_RULES: u64 = 8 * 1024 * 1024;
/// Most files a glob's directory walk visits.
const MAX_WALK: usize = 10_000;
/// Time allowed for the server's answer.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Deserialize)]
struct RuleFile {
    #[serde(default)]
    groups: Vec<Group>,
    spec: Option<Spec>,
}

#[derive(Deserialize)]
struct Spec {
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    alert: Option<String>,
    record: Option<String>,
    expr: serde_saphyr::Spanned<String>,
}

/// A rule read from a file or the server, not yet parsed.
struct Text {
    /// The file or server group it comes from: one invalid rule and Prometheus loads none of it.
    source: String,
    alert: Option<String>,
    record: Option<String>,
    expr: String,
    location: String,
}

/// The alerting rules of the target's rule files and Prometheus server; unavailable when
/// neither is configured.
pub async fn collect(target: Option<&MetricsTarget>) -> Slot<AlertRules> {
    let Some(target) = target.filter(|t| !t.rule_files.is_empty() || t.prometheus.is_some()) else {
        return Slot::unavailable(
            "no alert rules configured: add [metrics] rule_files = [\"…/*.yml\"] or prometheus = \"http://…:9090\"",
        );
    };
    let mut read = Vec::new();
    let mut problems = Vec::new();
    let mut texts = Vec::new();
    for pattern in &target.rule_files {
        match matching(pattern) {
            Ok(files) if files.is_empty() => problems.push(RuleProblem {
                location: pattern.display().to_string(),
                message: "no file matches this rule_files entry".into(),
            }),
            Ok(files) => {
                for file in files {
                    read.push(file.display().to_string());
                    match read_file(&file) {
                        Ok(found) => texts.extend(found),
                        Err(problem) => problems.push(problem),
                    }
                }
            }
            Err(message) => problems.push(RuleProblem { location: pattern.display().to_string(), message }),
        }
    }
    if let Some(server) = &target.prometheus {
        match server.join("api/v1/rules") {
            Ok(url) => {
                read.push(steth_core::config::redact_url(url.as_str()));
                match from_server(url).await {
                    Ok(found) => texts.extend(found),
                    Err(e) if target.rule_files.is_empty() => return Slot::failed(e),
                    Err(message) => problems.push(RuleProblem { location: "prometheus".into(), message }),
                }
            }
            Err(e) => return Slot::failed(format!("invalid Prometheus URL: {e}")),
        }
    }
    let (alerts, invalid) = analyse(texts);
    problems.extend(invalid);
    Slot::collected(AlertRules { read, alerts, problems })
}

/// Parses every expression, resolves recording rules and lists each alert's conditions. A
/// rule whose PromQL does not parse is a problem, and, as Prometheus refuses to load the file
/// holding it, the other rules of its file do not count either.
fn analyse(texts: Vec<Text>) -> (Vec<AlertRule>, Vec<RuleProblem>) {
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    for text in texts {
        match promql_parser::parser::parse(&text.expr) {
            Ok(expr) => parsed.push((text, expr)),
            Err(e) => problems.push((
                text.source.clone(),
                RuleProblem {
                    location: text.location.clone(),
                    message: format!(
                        "invalid PromQL in {}: {}",
                        text.alert.or(text.record).unwrap_or_default(),
                        e.trim()
                    ),
                },
            )),
        }
    }
    let refused: std::collections::BTreeSet<String> = problems.iter().map(|(source, _)| source.clone()).collect();
    parsed.retain(|(text, _)| !refused.contains(&text.source));
    let problems = problems.into_iter().map(|(_, problem)| problem).collect();
    let records: Records = parsed.iter().filter_map(|(t, e)| Some((t.record.clone()?, e.clone()))).collect();
    let alerts = parsed
        .into_iter()
        .filter_map(|(text, expr)| {
            let name = text.alert?;
            let resolved = alerts::resolve(&expr, &records);
            Some(AlertRule {
                name,
                location: text.location,
                conditions: alerts::conditions(&resolved),
                watches: alerts::watched(&resolved),
            })
        })
        .collect();
    (alerts, problems)
}

/// The rules of one file (Prometheus rule file or `PrometheusRule` manifests, several YAML
/// documents allowed), or why Prometheus would refuse it.
fn read_file(path: &Path) -> Result<Vec<Text>, RuleProblem> {
    let shown = path.display().to_string();
    let problem = |message: String| RuleProblem { location: shown.clone(), message };
    let size = std::fs::metadata(path).map_err(|e| problem(format!("cannot read: {e}")))?.len();
    if size > MAX_RULES {
        return Err(problem(format!("larger than {MAX_RULES} bytes; not read")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| problem(format!("cannot read: {e}")))?;
    let documents: Vec<Option<RuleFile>> = serde_saphyr::from_multiple(&text).map_err(|e| {
        let message = e.to_string();
        let first = message.lines().next().unwrap_or_default();
        let location = match e.location() {
            Some(at) => format!("{shown}:{}", at.line()),
            None => shown.clone(),
        };
        RuleProblem { location, message: format!("invalid rule file: {first}") }
    })?;
    let mut texts = Vec::new();
    for document in documents.into_iter().flatten() {
        let groups = document.groups.into_iter().chain(document.spec.into_iter().flat_map(|s| s.groups));
        for rule in groups.flat_map(|g| g.rules) {
            let location = format!("{shown}:{}", rule.expr.referenced.line());
            let source = shown.clone();
            texts.push(Text { source, alert: rule.alert, record: rule.record, expr: rule.expr.value, location });
        }
    }
    Ok(texts)
}

#[derive(Deserialize)]
struct ServerAnswer {
    data: ServerData,
}

#[derive(Deserialize)]
struct ServerData {
    groups: Vec<ServerGroup>,
}

#[derive(Deserialize)]
struct ServerGroup {
    name: String,
    #[serde(default)]
    file: String,
    rules: Vec<ServerRule>,
}

#[derive(Deserialize)]
struct ServerRule {
    name: String,
    query: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The rules a Prometheus server has loaded, read within a byte cap and a deadline.
async fn from_server(url: url::Url) -> Result<Vec<Text>, String> {
    let scraper = Scraper::new(url, MAX_RULES, TIMEOUT)?;
    let body = scraper.fetch("application/json").await.map_err(|e| e.to_string())?;
    let answer: ServerAnswer = serde_json::from_str(&body)
        .map_err(|e| format!("{} did not answer with Prometheus rules JSON: {e}", scraper.url()))?;
    let mut texts = Vec::new();
    for group in answer.data.groups {
        for rule in group.rules {
            let location = format!("{} (group {})", group.file, group.name);
            let (alert, record) = match rule.kind.as_str() {
                "alerting" => (Some(rule.name), None),
                _ => (None, Some(rule.name)),
            };
            let source = location.clone();
            texts.push(Text { source, alert, record, expr: rule.query, location });
        }
    }
    Ok(texts)
}

/// The files a `rule_files` entry names: the path itself, or the files under the glob's
/// literal directory that the glob matches, sorted.
fn matching(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let text = pattern.to_string_lossy();
    if !text.contains(['*', '?', '[', '{']) {
        return Ok(if pattern.is_file() { vec![pattern.to_path_buf()] } else { Vec::new() });
    }
    let glob = globset::GlobBuilder::new(&text)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("invalid glob: {e}"))?
        .compile_matcher();
    let root: PathBuf =
        pattern.components().take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[', '{'])).collect();
    let mut found = Vec::new();
    let mut pending = vec![if root.as_os_str().is_empty() { PathBuf::from(".") } else { root }];
    let mut visited = 0;
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            visited += 1;
            if visited > MAX_WALK {
                return Err(format!("more than {MAX_WALK} files under the glob's directory; name the files"));
            }
            let Ok(kind) = entry.file_type() else { continue };
            let path = entry.path();
            let candidate = path.strip_prefix("./").unwrap_or(&path).to_path_buf();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() && glob.is_match(&candidate) {
                found.push(candidate);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn target(patterns: &[PathBuf]) -> MetricsTarget {
        MetricsTarget { url: None, rule_files: patterns.to_vec(), prometheus: None, query_histogram: None }
    }

    const RULES: &str = r#"groups:
  - name: api
    rules:
      - record: job:http_errors:ratio_rate5m
        expr: sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))
      - alert: HighErrorRatio
        expr: job:http_errors:ratio_rate5m > 0.01
        for: 5m
"#;

    const MANIFEST: &str = r#"apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: shop
spec:
  groups:
    - name: latency
      rules:
        - alert: HighP99
          expr: |
            histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5
"#;

    #[tokio::test]
    async fn globs_read_rule_files_and_manifests_with_recording_rules_resolved() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "ops/prometheus/api.yml", RULES);
        write(dir.path(), "ops/prometheus/k8s/latency.yaml", MANIFEST);
        write(dir.path(), "ops/prometheus/README.md", "not rules");
        let rules = collect(Some(&target(&[dir.path().join("ops/prometheus/**/*.y*ml")]))).await;
        let rules = rules.data().expect("collected");
        assert_eq!(rules.read.len(), 2, "{:?}", rules.read);
        assert!(rules.problems.is_empty(), "{:?}", rules.problems);
        let names: Vec<&str> = rules.alerts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["HighErrorRatio", "HighP99"]);
        assert_eq!(rules.alerts[0].watches, ["http_requests_total"]);
        assert!(rules.alerts[0].location.ends_with("api.yml:7"), "{}", rules.alerts[0].location);
        assert_eq!(rules.alerts[0].conditions.len(), 1);
        assert_eq!(rules.alerts[1].conditions.len(), 1);
    }

    #[tokio::test]
    async fn syntax_errors_are_problems_naming_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let bad_promql = RULES.replace("> 0.01", "> > 0.01");
        write(dir.path(), "promql.yml", &bad_promql);
        write(dir.path(), "yaml.yml", "groups:\n  - name: api\n    rules: [\n");
        let rules = collect(Some(&target(&[dir.path().join("*.yml"), dir.path().join("missing.yml")]))).await;
        let rules = rules.data().expect("collected despite the errors");
        assert_eq!(rules.problems.len(), 3, "{:?}", rules.problems);
        assert!(rules.problems[0].location.ends_with("yaml.yml:3"), "{:?}", rules.problems[0]);
        assert!(rules.problems[1].location.ends_with("missing.yml"), "{:?}", rules.problems[1]);
        assert!(rules.problems[2].location.ends_with("promql.yml:7"), "{:?}", rules.problems[2]);
        assert!(rules.problems[2].message.contains("HighErrorRatio"), "{:?}", rules.problems[2]);
        // Prometheus refuses the whole file: its valid recording rule and alerts do not count.
        assert!(rules.alerts.is_empty());
        let fine = RULES.replace("HighErrorRatio", "Other");
        write(dir.path(), "promql.yml", &format!("{fine}      - alert: Broken\n        expr: rate(x[5m]) >\n"));
        let rules = collect(Some(&target(&[dir.path().join("promql.yml")]))).await;
        let rules = rules.data().expect("collected");
        assert_eq!(rules.problems.len(), 1, "{:?}", rules.problems);
        assert!(rules.alerts.is_empty(), "{:?}", rules.alerts);
    }

    #[tokio::test]
    async fn without_rule_files_or_server_the_rules_are_unavailable() {
        assert!(matches!(collect(None).await, Slot::Unavailable { .. }));
    }
}
