//! 9.5: performance budgets in the repository: `p99_budget` on the endpoints of stethoscope
//! configs, k6 thresholds on `http_req_duration`, Artillery `ensure` percentiles, SLO files
//! (OpenSLO, Sloth, Pyrra) and budget tables in the docs.

use super::super::at;
use super::super::tree::{Tree, file_name};
use super::is_load_path;
use regex::Regex;
use std::sync::LazyLock;
use steth_core::evidence::{BudgetEvidence, EndpointBudget, Sighting};

/// A duration as budgets write it: `150ms`, `0.5 s`, `2s`.
static DURATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b\d+(\.\d+)?\s*(ms|s|sec|seconds|milliseconds)\b").expect("valid"));

/// Reads every kind of budget the repository can hold.
pub(in super::super) fn budgets(tree: &Tree) -> BudgetEvidence {
    let mut evidence = BudgetEvidence::default();
    let documented = &mut evidence.documented;
    for file in tree.files.iter().map(String::as_str) {
        let name = file_name(file);
        let lower = name.to_ascii_lowercase();
        let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
        let script = (lower.ends_with(".js") || lower.ends_with(".ts")) && is_load_path(file);
        let budget_doc = lower.ends_with(".md") && ["budget", "slo", "performance"].iter().any(|w| lower.contains(w));
        let config = lower.starts_with("stethoscope") && lower.ends_with(".toml");
        if !(yaml || script || budget_doc || config) {
            continue;
        }
        documented.searched.push(file.to_string());
        let Some(text) = tree.read(file) else { continue };
        let mut sight = |what: &str, line: usize| {
            documented.found.push(Sighting { what: what.to_string(), at: at(file, line) });
        };
        if config {
            evidence.endpoints.extend(config_endpoints(file, &text));
        } else if script && text.contains("thresholds") {
            for (n, line) in text.lines().enumerate() {
                if line.contains("http_req_duration") && (line.contains("p(") || line.contains('<')) {
                    sight("k6 threshold on http_req_duration", n + 1);
                }
            }
        } else if yaml {
            for (n, line) in text.lines().enumerate() {
                let l = line.trim();
                if l.starts_with("apiVersion:") && l.contains("openslo/") {
                    sight("OpenSLO objective", n + 1);
                } else if (l.starts_with("apiVersion:") && l.contains("sloth.slok.dev"))
                    || (l.starts_with("version:") && l.contains("prometheus/v1") && text.contains("slos:"))
                {
                    sight("Sloth SLO", n + 1);
                } else if l.starts_with("apiVersion:") && l.contains("pyrra.dev/") {
                    sight("Pyrra SLO", n + 1);
                } else if is_load_path(file)
                    && text.contains("ensure:")
                    && ["p95:", "p99:", "max:"].iter().any(|k| l.starts_with(k))
                {
                    sight("Artillery ensure threshold", n + 1);
                }
            }
        } else if budget_doc {
            for (n, line) in text.lines().enumerate() {
                if line.trim_start().starts_with('|') && DURATION.is_match(line) && !line.contains("---") {
                    sight("documented budget", n + 1);
                }
            }
        }
    }
    if evidence.documented.searched.is_empty() {
        evidence
            .documented
            .searched
            .push("no stethoscope*.toml, load-test script, SLO file (OpenSLO, Sloth, Pyrra) or budget document".into());
    }
    evidence
}

/// The endpoints of a stethoscope config with their `p99_budget`, located at their
/// `[[endpoints]]` header. A config that does not parse contributes nothing.
fn config_endpoints(file: &str, text: &str) -> Vec<EndpointBudget> {
    let Ok(table) = text.parse::<toml::Table>() else { return Vec::new() };
    let Some(endpoints) = table.get("endpoints").and_then(toml::Value::as_array) else { return Vec::new() };
    let headers: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[endpoints]]"))
        .map(|(n, _)| n + 1)
        .collect();
    endpoints
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let e = e.as_table()?;
            let method = e.get("method").and_then(toml::Value::as_str).unwrap_or("GET");
            let path = e.get("path").and_then(toml::Value::as_str)?;
            Some(EndpointBudget {
                endpoint: format!("{} {path}", method.to_ascii_uppercase()),
                p99_budget: e.get("p99_budget").and_then(toml::Value::as_str).map(str::to_string),
                at: at(file, headers.get(i).copied().unwrap_or(0)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_endpoints_carry_their_budget_and_header_line() {
        let text = "[target]\nbase_url = \"http://x\"\n\n[[endpoints]]\npath = \"/a\"\np99_budget = \"150ms\"\n\n\
                    [[endpoints]]\nmethod = \"post\"\npath = \"/b\"\n";
        let e = config_endpoints("stethoscope.toml", text);
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].endpoint.as_str(), e[0].p99_budget.as_deref(), e[0].at.line), ("GET /a", Some("150ms"), 4));
        assert_eq!((e[1].endpoint.as_str(), e[1].p99_budget.as_deref(), e[1].at.line), ("POST /b", None, 8));
        assert!(config_endpoints("stethoscope.toml", "[[endpoints]\n").is_empty());
    }
}
