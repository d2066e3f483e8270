//! The CI configuration as lines: every CI file of the common systems, plus what it runs one
//! level down (a script in the repository, a Makefile target, an npm script), so `make
//! load-test` counts as running what that target runs.

use super::at;
use super::tree::{Tree, file_name};
use regex::Regex;
use std::sync::LazyLock;
use steth_core::evidence::{Location, PracticeEvidence, Sighting};

/// The CI files' kinds, as listed in evidence when none exists.
pub(super) const CI_KINDS: &str = ".github/workflows/*.yml, .gitlab-ci.yml, .circleci/config.yml, Jenkinsfile, \
                                   azure-pipelines.yml, bitbucket-pipelines.yml, .buildkite, .travis.yml, .drone.yml";

/// One non-comment line the CI runs or configures.
#[derive(Debug, Clone)]
pub(super) struct CiLine {
    pub(super) at: Location,
    pub(super) text: String,
}

/// Every CI line, and the CI files read.
#[derive(Debug, Default)]
pub(super) struct CiScript {
    pub(super) files: Vec<String>,
    pub(super) lines: Vec<CiLine>,
}

/// Whether a repository path is a CI configuration file.
pub(super) fn is_ci_file(rel: &str) -> bool {
    let name = file_name(rel);
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    (rel.starts_with(".github/workflows/") && yaml)
        || rel == ".gitlab-ci.yml"
        || (rel.starts_with(".gitlab/ci/") && yaml)
        || (rel.starts_with(".circleci/") && yaml)
        || name.starts_with("Jenkinsfile")
        || name.starts_with("azure-pipelines") && yaml
        || (rel.starts_with(".azure-pipelines/") && yaml)
        || rel == "bitbucket-pipelines.yml"
        || (rel.starts_with(".buildkite/") && yaml)
        || rel == ".travis.yml"
        || rel == ".drone.yml"
}

impl CiScript {
    /// Reads every CI file and what its lines run one level down.
    pub(super) fn read(tree: &Tree) -> CiScript {
        let mut ci = CiScript::default();
        for file in tree.matching(is_ci_file) {
            ci.files.push(file.to_string());
            if let Some(text) = tree.read(file) {
                ci.lines.extend(lines(file, &text));
            }
        }
        let mut followed = Vec::new();
        for line in &ci.lines {
            followed.extend(referenced(tree, &line.text));
        }
        followed.sort_by(|a: &CiLine, b| a.at.cmp(&b.at));
        followed.dedup_by(|a, b| a.at == b.at);
        ci.lines.extend(followed);
        ci
    }

    /// Every CI line a tool's pattern matches, as sightings of that tool.
    pub(super) fn sightings(&self, tools: &[(&str, &Regex)]) -> Vec<Sighting> {
        let mut found = Vec::new();
        for line in &self.lines {
            for (name, pattern) in tools {
                if pattern.is_match(&line.text) {
                    found.push(Sighting { what: format!("{name} in CI"), at: line.at.clone() });
                }
            }
        }
        found
    }

    /// A practice's evidence from the CI lines matching `tools`.
    pub(super) fn practice(&self, tools: &[(&str, &Regex)]) -> PracticeEvidence {
        PracticeEvidence { found: self.sightings(tools), searched: self.searched(), partial: Vec::new() }
    }

    /// The CI files read, or the kinds looked for when there are none.
    pub(super) fn searched(&self) -> Vec<String> {
        if self.files.is_empty() { vec![format!("no CI configuration ({CI_KINDS})")] } else { self.files.clone() }
    }
}

/// The file's lines without comments and blank lines.
fn lines(file: &str, text: &str) -> Vec<CiLine> {
    let slash_comments = file_name(file).starts_with("Jenkinsfile");
    text.lines()
        .enumerate()
        .filter_map(|(n, raw)| {
            let trimmed = raw.trim_start();
            let comment = if slash_comments { trimmed.starts_with("//") } else { trimmed.starts_with('#') };
            (!comment && !trimmed.is_empty()).then(|| CiLine { at: at(file, n + 1), text: raw.to_string() })
        })
        .collect()
}

/// The lines of what a CI line runs: repository scripts it names, `make TARGET` recipes and
/// `npm|yarn|pnpm run NAME` scripts.
fn referenced(tree: &Tree, line: &str) -> Vec<CiLine> {
    static MAKE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bmake\s+(?:-\S+\s+)*([\w.-]+)").expect("valid"));
    static NPM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b(?:npm|pnpm|yarn)\s+(?:run\s+)?([\w:.-]+)").expect("valid"));
    let mut out = Vec::new();
    for token in line.split(|c: char| c.is_whitespace() || "\"';&|()".contains(c)) {
        let path = token.trim_start_matches("./");
        let script = [".sh", ".bash", ".py", ".js", ".mjs", ".ts", ".ps1"].iter().any(|e| path.ends_with(e));
        if script
            && !is_ci_file(path)
            && tree.contains(path)
            && let Some(text) = tree.read(path)
        {
            out.extend(lines(path, &text));
        }
    }
    if let Some(target) = MAKE.captures(line).map(|c| c[1].to_string())
        && let Some(text) = tree.read("Makefile")
    {
        out.extend(make_recipe("Makefile", &text, &target));
    }
    if let Some(name) = NPM.captures(line).map(|c| c[1].to_string())
        && let Some(text) = tree.read("package.json")
    {
        let key = format!("\"{name}\"");
        out.extend(lines("package.json", &text).into_iter().filter(|l| l.text.trim_start().starts_with(&key)).take(1));
    }
    out
}

/// The recipe lines of a Makefile target.
fn make_recipe(file: &str, text: &str, target: &str) -> Vec<CiLine> {
    let mut out = Vec::new();
    let mut inside = false;
    for (n, raw) in text.lines().enumerate() {
        if raw.starts_with('\t') {
            if inside {
                out.push(CiLine { at: at(file, n + 1), text: raw.to_string() });
            }
        } else if !raw.trim().is_empty() {
            inside =
                raw.split(':').next().is_some_and(|t| t.split_whitespace().any(|t| t == target)) && raw.contains(':');
        }
    }
    out
}

/// A case-insensitive regex from a pattern known to be valid.
pub(super) fn pattern(p: &str) -> Regex {
    Regex::new(&format!("(?i){p}")).expect("built-in patterns are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_not_runs_and_make_targets_are_followed() {
        let ls = lines(".github/workflows/a.yml", "# - run: k6 run x.js\n  - run: make load\n");
        assert_eq!(ls.len(), 1);
        assert_eq!(ls[0].at.line, 2);
        let recipe = make_recipe("Makefile", "build:\n\tcargo build\nload: build\n\tk6 run load.js\n", "load");
        assert_eq!(recipe.len(), 1);
        assert_eq!(recipe[0].text.trim(), "k6 run load.js");
        assert_eq!(recipe[0].at.line, 4);
    }

    #[test]
    fn scripts_and_npm_scripts_a_ci_line_runs_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            (".gitlab-ci.yml", "perf:\n  script:\n    - ./scripts/perf.sh\n    - npm run load\n"),
            ("scripts/perf.sh", "#!/bin/sh\n# k6 run old.js\nwrk -t2 -c10 http://staging\n"),
            (
                "package.json",
                "{\n  \"scripts\": {\n    \"test\": \"jest\",\n    \"load\": \"artillery run load.yml\"\n  }\n}\n",
            ),
        ];
        for (f, text) in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let ci = CiScript::read(&Tree::walk(dir.path(), &[]).unwrap());
        assert_eq!(ci.files, [".gitlab-ci.yml"]);
        let places: Vec<String> = ci.lines.iter().map(|l| l.at.to_string()).collect();
        assert!(places.contains(&"scripts/perf.sh:3".to_string()), "{places:?}");
        assert!(!places.contains(&"scripts/perf.sh:2".to_string()), "comments are not runs: {places:?}");
        assert!(places.contains(&"package.json:4".to_string()), "{places:?}");
        assert!(!places.contains(&"package.json:3".to_string()), "only the script run: {places:?}");
    }

    #[test]
    fn ci_files_of_each_system_are_recognised() {
        for f in [
            ".github/workflows/ci.yaml",
            ".gitlab-ci.yml",
            ".circleci/config.yml",
            "Jenkinsfile",
            "azure-pipelines.yml",
            "bitbucket-pipelines.yml",
        ] {
            assert!(is_ci_file(f), "{f}");
        }
        assert!(!is_ci_file("docs/ci.yml"));
    }
}
