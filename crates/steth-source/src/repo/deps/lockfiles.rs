//! Lockfile readers: the exact locked versions, with the line that locks each. Every reader is
//! line-based or JSON, tolerant of what it does not know, and never fails the collection.

use super::super::at;
use super::super::tree::{Tree, file_name};
use serde_json::Value;
use steth_core::evidence::Location;

/// One locked package version.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LockedPackage {
    pub(super) ecosystem: &'static str,
    pub(super) name: String,
    pub(super) version: String,
    pub(super) at: Location,
}

/// A lockfile's path, ecosystem and locked packages.
pub(super) type Locked = (String, &'static str, Vec<LockedPackage>);

/// A lockfile reader: (path, text, ecosystem) to its packages.
type Reader = fn(&str, &str, &'static str) -> Vec<LockedPackage>;

/// The ecosystem and reader of a lockfile name.
fn reader(name: &str) -> Option<(&'static str, Reader)> {
    Some(match name {
        "Cargo.lock" => ("crates.io", toml_packages),
        "poetry.lock" => ("PyPI", toml_packages),
        "package-lock.json" | "npm-shrinkwrap.json" => ("npm", package_lock),
        "yarn.lock" => ("npm", yarn_lock),
        "pnpm-lock.yaml" => ("npm", pnpm_lock),
        "Pipfile.lock" => ("PyPI", pipfile_lock),
        "go.sum" => ("Go", go_sum),
        "Gemfile.lock" => ("RubyGems", gemfile_lock),
        "composer.lock" => ("Packagist", composer_lock),
        n if n.starts_with("requirements") && n.ends_with(".txt") => ("PyPI", requirements),
        _ => return None,
    })
}

/// Every lockfile of the tree, read.
pub(super) fn read_all(tree: &Tree) -> Vec<Locked> {
    let mut out = Vec::new();
    for file in &tree.files {
        let Some((ecosystem, read)) = reader(file_name(file)) else { continue };
        let Some(text) = tree.read(file) else { continue };
        out.push((file.clone(), ecosystem, read(file, &text, ecosystem)));
    }
    out
}

fn package(file: &str, line: usize, ecosystem: &'static str, name: &str, version: &str) -> LockedPackage {
    LockedPackage { ecosystem, name: name.to_string(), version: version.to_string(), at: at(file, line) }
}

/// The quoted value of a `key = "value"` line.
fn toml_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.trim().strip_prefix(key)?.trim_start().strip_prefix('=')?.trim();
    rest.strip_prefix('"')?.strip_suffix('"')
}

/// `[[package]]` tables with `name` and `version` (Cargo.lock, poetry.lock). Cargo packages
/// without a registry `source` are the workspace's own crates and are skipped.
fn toml_packages(file: &str, text: &str, ecosystem: &'static str) -> Vec<LockedPackage> {
    let mut out = Vec::new();
    let mut current: Option<(String, String, usize, bool)> = None;
    let mut flush = |c: Option<(String, String, usize, bool)>| {
        if let Some((name, version, line, registry)) = c
            && !name.is_empty()
            && !version.is_empty()
            && (registry || ecosystem != "crates.io")
        {
            out.push(package(file, line, ecosystem, &name, &version));
        }
    };
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('[') {
            flush(current.take());
            if line.trim() == "[[package]]" {
                current = Some((String::new(), String::new(), n + 1, false));
            }
        } else if let Some((name, version, at, registry)) = current.as_mut() {
            if let Some(v) = toml_value(line, "name") {
                *name = v.to_string();
            } else if let Some(v) = toml_value(line, "version") {
                *version = v.to_string();
                *at = n + 1;
            } else if toml_value(line, "source").is_some_and(|s| s.starts_with("registry+")) {
                *registry = true;
            }
        }
    }
    flush(current);
    out
}

/// The line of the first occurrence of `needle`, else 0.
fn line_containing(text: &str, needle: &str) -> usize {
    text.find(needle).map_or(0, |i| super::super::tree::line_of(text, i))
}

/// package-lock.json v2/v3 (`packages`) or v1 (`dependencies`, nested).
fn package_lock(file: &str, text: &str, ecosystem: &'static str) -> Vec<LockedPackage> {
    let Ok(json) = serde_json::from_str::<Value>(text) else { return Vec::new() };
    let mut out = Vec::new();
    if let Some(packages) = json.get("packages").and_then(Value::as_object) {
        for (key, entry) in packages {
            let Some(idx) = key.rfind("node_modules/") else { continue };
            let name = entry.get("name").and_then(Value::as_str).unwrap_or(&key[idx + "node_modules/".len()..]);
            if entry.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            if let Some(version) = entry.get("version").and_then(Value::as_str) {
                let line = line_containing(text, &format!("\"{key}\""));
                out.push(package(file, line, ecosystem, name, version));
            }
        }
    } else if let Some(deps) = json.get("dependencies").and_then(Value::as_object) {
        let mut pending: Vec<&serde_json::Map<String, Value>> = vec![deps];
        while let Some(deps) = pending.pop() {
            for (name, entry) in deps {
                if let Some(version) = entry.get("version").and_then(Value::as_str) {
                    let line = line_containing(text, &format!("\"{name}\": {{"));
                    out.push(package(file, line, ecosystem, name, version));
                }
                if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
                    pending.push(nested);
                }
            }
        }
    }
    out
}

/// yarn.lock v1 (`version "1.2.3"`) and Berry (`version: 1.2.3`) under `name@range:` headers.
fn yarn_lock(file: &str, text: &str, ecosystem: &'static str) -> Vec<LockedPackage> {
    let mut out = Vec::new();
    let mut name: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        if !line.starts_with(' ') && line.ends_with(':') && !line.starts_with('#') {
            let first = line.trim_end_matches(':').split(',').next().unwrap_or("").trim().trim_matches('"');
            name = name_before_at(first).map(str::to_string);
        } else if let Some(v) = line.trim().strip_prefix("version") {
            let version = v.trim_start_matches(':').trim().trim_matches('"');
            if let Some(name) = name.take() {
                out.push(package(file, n + 1, ecosystem, &name, version));
            }
        }
    }
    out
}

/// The package name of `name@version-or-range`: up to the `@` after the first character (a
/// scope's `@` is the first character).
fn name_before_at(spec: &str) -> Option<&str> {
    let (i, _) = spec.char_indices().skip(1).find(|(_, c)| *c == '@')?;
    Some(&spec[..i])
}

/// pnpm-lock.yaml package keys: `/name@1.2.3:` (v6+), `name@1.2.3:` (v9) or `/name/1.2.3:` (v5).
fn pnpm_lock(file: &str, text: &str, ecosystem: &'static str) -> Vec<LockedPackage> {
    let mut out = Vec::new();
    let mut in_packages = false;
    for (n, line) in text.lines().enumerate() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_packages = line.trim() == "packages:";
            continue;
        }
        let key = line.strip_prefix("  ").filter(|k| !k.starts_with(' ') && k.ends_with(':'));
        let Some(key) = key.filter(|_| in_packages) else { continue };
        let key = key.trim_end_matches(':').trim_matches(|c| c == '\'' || c == '"').trim_start_matches('/');
        let key = key.split('(').next().unwrap_or(key);
        let split = match name_before_at(key) {
            Some(name) => Some((name, &key[name.len() + 1..])),
            None => key.rsplit_once('/'),
        };
        if let Some((name, version)) = split {
            out.push(package(file, n + 1, ecosystem, name, version));
        }
    }
    out
}

/// Pipfile.lock: `default` and `develop` with `"version": "==1.2.3"`.
fn pipfile_lock(file: &str, text: &str, ecosystem: &'static str) -> Vec<LockedPackage> {
    let Ok(json) = serde_json::from_str::<Value>(text) else { return Vec::new() };
    let mut out = Vec::new();
    for section in ["default", "develop"] {
        for (name, entry) in json.get(section).and_then(Value::as_object).into_iter().flatten() {
            if let Some(version) = entry.get("version").and_then(Value::as_str).and_then(|v| v.strip_prefix("==")) {
                out.push(package(file, line_containing(text, &format!("\"{name}\": {{")), ecosystem, name, version));
            }
        }
    }
    out
}

/// Pinned requirements: `name==1.2.3` (extras, markers and hashes ignored).
fn requirements(file: &str, text: &str, ecosystem: &'static str) -> Vec<LockedPackage> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").split(';').next().unwrap_or("").trim();
        if let Some((name, version)) = line.split_once("==") {
            let name = name.split('[').next().unwrap_or(name).trim();
            let version = version.split_whitespace().next().unwrap_or("").trim_end_matches('\\');
            if !name.is_empty() && !version.is_empty() && !name.starts_with('-') {
                out.push(package(file, n + 1, ecosystem, name, version));
            }
        }
    }
    out
}

/// go.sum: `module version h1:…`; `/go.mod`-only lines are modules not built.
fn go_sum(file: &str, text: &str, ecosystem: &'static str) -> Vec<LockedPackage> {
    let mut out: Vec<LockedPackage> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let mut parts = line.split_whitespace();
        let (Some(module), Some(version)) = (parts.next(), parts.next()) else { continue };
        if version.ends_with("/go.mod") || !seen.insert((module, version)) {
            continue;
        }
        out.push(package(file, n + 1, ecosystem, module, version));
    }
    out
}

/// Gemfile.lock: `    name (1.2.3)` under a `specs:` of a `GEM` section.
fn gemfile_lock(file: &str, text: &str, ecosystem: &'static str) -> Vec<LockedPackage> {
    let mut out = Vec::new();
    let mut in_gem = false;
    for (n, line) in text.lines().enumerate() {
        if !line.starts_with(' ') {
            in_gem = line.trim() == "GEM";
        } else if in_gem
            && let Some(spec) = line.strip_prefix("    ").filter(|s| !s.starts_with(' '))
            && let Some((name, rest)) = spec.split_once(" (")
        {
            let version = rest.trim_end_matches(')');
            // Platform gems lock `1.2.3-x86_64-linux`; the version is before the platform.
            let version = version.split('-').next().unwrap_or(version);
            out.push(package(file, n + 1, ecosystem, name, version));
        }
    }
    out
}

/// composer.lock: `packages` and `packages-dev` with `name` and `version`.
fn composer_lock(file: &str, text: &str, ecosystem: &'static str) -> Vec<LockedPackage> {
    let Ok(json) = serde_json::from_str::<Value>(text) else { return Vec::new() };
    let mut out = Vec::new();
    for section in ["packages", "packages-dev"] {
        for entry in json.get(section).and_then(Value::as_array).into_iter().flatten() {
            let name = entry.get("name").and_then(Value::as_str);
            let version = entry.get("version").and_then(Value::as_str);
            if let (Some(name), Some(version)) = (name, version) {
                let line = line_containing(text, &format!("\"name\": \"{name}\""));
                out.push(package(file, line, ecosystem, name, version.trim_start_matches('v')));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: Vec<LockedPackage>) -> Vec<(String, String, u32)> {
        p.into_iter().map(|p| (p.name, p.version, p.at.line)).collect()
    }

    fn one(name: &str, version: &str, line: u32) -> (String, String, u32) {
        (name.into(), version.into(), line)
    }

    #[test]
    fn cargo_lock_skips_workspace_crates() {
        let text = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"time\"\nversion = \"0.1.40\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        assert_eq!(pairs(toml_packages("Cargo.lock", text, "crates.io")), [one("time", "0.1.40", 9)]);
    }

    #[test]
    fn npm_lockfiles_of_each_format() {
        let v3 = r#"{"lockfileVersion": 3, "packages": {
  "": {"name": "app"},
  "node_modules/lodash": {"version": "4.17.20"},
  "node_modules/@babel/core/node_modules/semver": {"version": "6.3.0"}
}}"#;
        assert_eq!(
            pairs(package_lock("package-lock.json", v3, "npm")),
            [one("semver", "6.3.0", 4), one("lodash", "4.17.20", 3)]
        );
        let yarn = "# yarn lockfile v1\n\n\"@scope/pkg@^1.0.0\", \"@scope/pkg@^1.1.0\":\n  version \"1.2.0\"\n\nlodash@^4.17.0:\n  version \"4.17.20\"\n";
        assert_eq!(
            pairs(yarn_lock("yarn.lock", yarn, "npm")),
            [one("@scope/pkg", "1.2.0", 4), one("lodash", "4.17.20", 7)]
        );
        let pnpm = "lockfileVersion: '9.0'\n\npackages:\n\n  lodash@4.17.20:\n    resolution: {integrity: x}\n\n  '@scope/pkg@1.2.0(react@18.0.0)':\n    resolution: {}\n";
        assert_eq!(
            pairs(pnpm_lock("pnpm-lock.yaml", pnpm, "npm")),
            [one("lodash", "4.17.20", 5), one("@scope/pkg", "1.2.0", 8)]
        );
    }

    #[test]
    fn no_reader_panics_on_truncated_or_odd_input() {
        let samples = [
            "[[package]]\nname = \"é\"\nversion = \"1\"\nsource = \"registry+x\"\n",
            "\"@s/p@^1\", é@2:\n  version \"1.2.0\"\n:\n@:\n",
            "packages:\n  é@1:\n  '@x/y@1(z@2)':\n  /a/1:\n  @:\n",
            "{\"packages\": {\"node_modules/é\": {\"version\": \"1\"}}, \"default\": {}}",
            "GEM\n  specs:\n    é (1\n    x ()\n",
            "é==1 \\\n==\n-r x==1\nm v1 h1:\n",
        ];
        let readers: [Reader; 9] = [
            toml_packages,
            package_lock,
            yarn_lock,
            pnpm_lock,
            pipfile_lock,
            requirements,
            go_sum,
            gemfile_lock,
            composer_lock,
        ];
        for sample in samples {
            for (end, _) in sample.char_indices().chain([(sample.len(), ' ')]) {
                for read in readers {
                    read("f", &sample[..end], "npm");
                }
            }
        }
    }

    #[test]
    fn python_go_ruby_php_lockfiles() {
        let req = "# pinned\nDjango==3.2.0 \\\n    --hash=sha256:abc\nrequests[socks]==2.25.0 ; python_version > '3'\nflask>=2\n";
        assert_eq!(
            pairs(requirements("requirements.txt", req, "PyPI")),
            [one("Django", "3.2.0", 2), one("requests", "2.25.0", 4)]
        );
        let sum = "golang.org/x/text v0.3.5 h1:abc=\ngolang.org/x/text v0.3.5/go.mod h1:def=\ngolang.org/x/net v0.0.0-20210405180319-a5a99cb37ef4/go.mod h1:x=\n";
        assert_eq!(pairs(go_sum("go.sum", sum, "Go")), [one("golang.org/x/text", "v0.3.5", 1)]);
        let gems = "GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.11.0-x86_64-linux)\n      racc (~> 1.4)\n    rack (2.2.3)\n\nPLATFORMS\n  ruby\n";
        assert_eq!(
            pairs(gemfile_lock("Gemfile.lock", gems, "RubyGems")),
            [one("nokogiri", "1.11.0", 4), one("rack", "2.2.3", 6)]
        );
        let composer = "{\"packages\": [{\n  \"name\": \"guzzlehttp/guzzle\",\n  \"version\": \"v7.4.0\"}]}";
        assert_eq!(
            pairs(composer_lock("composer.lock", composer, "Packagist")),
            [one("guzzlehttp/guzzle", "7.4.0", 2)]
        );
        let pipfile = "{\"default\": {\n  \"jinja2\": {\n    \"version\": \"==2.11.2\"}}}";
        assert_eq!(pairs(pipfile_lock("Pipfile.lock", pipfile, "PyPI")), [one("jinja2", "2.11.2", 2)]);
    }
}
