//! Finding credentials in one blob: a keyword prefilter (Aho-Corasick), then each triggered
//! rule's pattern around the keyword only, then the filters that keep placeholders, examples,
//! hashes and public values out.

use super::rules::{Files, Gate, RULES, Rule};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder};

/// Bytes before a keyword a match may start at (the name of a generic assignment).
const BEFORE: usize = 256;
/// Bytes after a keyword a single-line match may reach.
const AFTER: usize = 1024;
/// Bytes after a keyword a multi-line match may reach.
const AFTER_MULTILINE: usize = 16 << 10;

/// One credential found in a blob.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    /// Index into [`RULES`].
    pub rule: usize,
    /// Byte offset of the secret in the blob.
    pub offset: usize,
    /// The secret itself; it is redacted before it leaves the scanner.
    pub value: Vec<u8>,
}

/// The compiled rules, shared by every scanning thread.
pub(crate) struct Detector {
    keywords: AhoCorasick,
    /// For each keyword, the rules it triggers.
    triggers: Vec<Vec<usize>>,
    patterns: Vec<Regex>,
}

impl Detector {
    /// Compiles every rule; the patterns are constants, so a failure is a bug caught by tests.
    pub(crate) fn new() -> Detector {
        let mut words: Vec<&str> = Vec::new();
        let mut triggers: Vec<Vec<usize>> = Vec::new();
        for (n, r) in RULES.iter().enumerate() {
            for k in r.keywords {
                match words.iter().position(|w| w == k) {
                    Some(i) => triggers[i].push(n),
                    None => {
                        words.push(k);
                        triggers.push(vec![n]);
                    }
                }
            }
        }
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&words)
            .expect("the rules' keywords build an automaton");
        let patterns = RULES
            .iter()
            .map(|r| {
                RegexBuilder::new(r.pattern)
                    .unicode(false)
                    .size_limit(32 << 20)
                    .build()
                    .unwrap_or_else(|e| panic!("rule {} does not compile: {e}", r.id))
            })
            .collect();
        Detector { keywords, triggers, patterns }
    }

    /// Every credential in `blob`, which lives at `path` (some rules read only some files).
    pub(crate) fn scan(&self, path: &str, blob: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        let dotenv = is_dotenv(path);
        // Windows to search per rule, in blob order; overlapping windows are merged.
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); RULES.len()];
        for m in self.keywords.find_overlapping_iter(blob) {
            for &rule in &self.triggers[m.pattern().as_usize()] {
                let r = &RULES[rule];
                if r.files == Files::DotEnv {
                    continue;
                }
                let (start, end) = window(blob, m.start(), m.end(), r);
                let w = &mut windows[rule];
                match w.last_mut() {
                    Some(last) if start <= last.1 => last.1 = last.1.max(end),
                    _ => w.push((start, end)),
                }
            }
        }
        for (rule, spans) in windows.iter().enumerate() {
            for &(start, end) in spans {
                self.matches(rule, blob, start, end, &mut hits);
            }
        }
        if dotenv && let Some(rule) = RULES.iter().position(|r| r.files == Files::DotEnv) {
            self.matches(rule, blob, 0, blob.len(), &mut hits);
        }
        hits.sort_by_key(|h| (h.offset, h.rule));
        // A value both a specific and a generic rule match is reported once, by the specific one.
        hits.dedup_by(|later, earlier| later.offset == earlier.offset && later.value == earlier.value);
        hits
    }

    fn matches(&self, rule: usize, blob: &[u8], start: usize, end: usize, hits: &mut Vec<Hit>) {
        let r = &RULES[rule];
        let hay = &blob[start..end];
        for caps in self.patterns[rule].captures_iter(hay) {
            let Some(secret) = caps.name("s").or_else(|| caps.get(0)) else { continue };
            let name = caps.name("name").map(|m| m.as_bytes()).unwrap_or_default();
            let value = secret.as_bytes();
            let loopback = caps.name("host").is_some_and(|h| is_loopback(h.as_bytes()));
            if !loopback && accepted(r, name, value) {
                let offset = start + secret.start();
                if !hits.iter().any(|h| h.offset == offset && h.rule == rule) {
                    hits.push(Hit { rule, offset, value: value.to_vec() });
                }
            }
        }
    }
}

/// The bytes around a keyword a rule's pattern is tried on: from the keyword's line start
/// (at most [`BEFORE`] back) to its line end, or further for multi-line rules.
fn window(blob: &[u8], start: usize, end: usize, rule: &Rule) -> (usize, usize) {
    let floor = start.saturating_sub(BEFORE);
    let from = memchr::memrchr(b'\n', &blob[floor..start]).map_or(floor, |i| floor + i + 1);
    let reach = if rule.lines_after > 0 { AFTER_MULTILINE } else { AFTER };
    let ceiling = (end + reach).min(blob.len());
    let mut to = end;
    let mut lines = 0;
    while to < ceiling {
        match memchr::memchr(b'\n', &blob[to..ceiling]) {
            Some(i) if lines < rule.lines_after => {
                to += i + 1;
                lines += 1;
            }
            Some(i) => {
                to += i;
                break;
            }
            None => {
                to = ceiling;
                break;
            }
        }
    }
    (from, to.max(end))
}

/// A URL's host on this machine: credentials of a local development or test service.
fn is_loopback(host: &[u8]) -> bool {
    let host = host.to_ascii_lowercase();
    host == b"localhost" || host.starts_with(b"127.") || host == b"[::1]" || host == b"0.0.0.0"
}

/// Whether a file is a committed `.env` file rather than its documented template.
fn is_dotenv(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let env = name == ".env" || (name.starts_with(".env.") || name.ends_with(".env"));
    let template = ["example", "sample", "template", "dist", "defaults", "default", "schema", "tpl", "test"]
        .iter()
        .any(|t| name.contains(t));
    env && !template
}

/// Whether a match is a credential rather than a placeholder, a vendor's example, a hash, a
/// UUID, an integrity string or a public value.
fn accepted(rule: &Rule, name: &[u8], value: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(value) else { return false };
    if is_placeholder(text, rule.free_form) || EXAMPLES.contains(&text) {
        return false;
    }
    let lower_name = String::from_utf8_lossy(name).to_ascii_lowercase();
    if ["public", "publishable", "pubkey", "pub_key"].iter().any(|p| lower_name.contains(p)) {
        return false;
    }
    match rule.gate {
        Gate::Format => true,
        Gate::Entropy(bits) => {
            !is_hash_like(text)
                && !is_reference(text)
                && !is_wordy(text)
                && entropy(text) >= bits
                && text.bytes().any(|b| b.is_ascii_digit() || !b.is_ascii_alphanumeric())
                && text.bytes().any(|b| b.is_ascii_alphabetic())
        }
    }
}

/// Vendors' documented example credentials.
const EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "sk_test_26PHem9AhJZvU623DfE1x4sd",
    "rk_test_26PHem9AhJZvU623DfE1x4sd",
    "xoxb-not-a-real-token-this-will-not-work",
    "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];

/// Words and shapes that mark a value as a stand-in for a real one.
fn is_placeholder(value: &str, free_form: bool) -> bool {
    let lower = value.to_ascii_lowercase();
    const WORDS: [&str; 22] = [
        "example",
        "changeme",
        "change_me",
        "change-me",
        "placeholder",
        "your_",
        "your-",
        "yourpass",
        "dummy",
        "sample",
        "redacted",
        "replace",
        "insert",
        "fixme",
        "todo",
        "notreal",
        "not-a-real",
        "not_a_real",
        "xxxx",
        "****",
        "....",
        "fake",
    ];
    const EXACT: [&str; 18] = [
        "password", "passwd", "pass", "secret", "postgres", "root", "admin", "guest", "test", "user", "mysql", "redis",
        "rabbitmq", "pwd", "none", "null", "hunter2", "letmein",
    ];
    let distinct = {
        let mut seen = [false; 256];
        value.bytes().filter(|b| !std::mem::replace(&mut seen[*b as usize], true)).count()
    };
    WORDS.iter().any(|w| lower.contains(w))
        || EXACT.contains(&lower.as_str())
        || lower.starts_with("${")
        || lower.starts_with("$(")
        || value.starts_with('$') && value[1..].bytes().all(|b| b.is_ascii_alphanumeric() || b"_{}".contains(&b))
        || value.starts_with('{') && value.ends_with('}')
        || value.starts_with('%')
        || value.contains("{{")
        || value.contains("%(")
        || value.starts_with('<')
        || value.ends_with('>')
        || value.starts_with("YOUR")
        // SCREAMING_SNAKE or SCREAMING-KEBAB: a name standing in for a value (`YOUR_API_KEY`,
        // a test's `PG-PASSWORD-S2` marker).
        || free_form
            && value.bytes().all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-' || b.is_ascii_digit())
            && value.contains(['_', '-'])
        || distinct <= 3
}

/// Hex digests, UUIDs, integrity strings and crypt hashes: random-looking but not credentials.
fn is_hash_like(value: &str) -> bool {
    let hex = value.bytes().all(|b| b.is_ascii_hexdigit());
    let uuid = value.len() == 36
        && value
            .bytes()
            .enumerate()
            .all(|(i, b)| if [8, 13, 18, 23].contains(&i) { b == b'-' } else { b.is_ascii_hexdigit() });
    let integrity = ["sha256-", "sha384-", "sha512-", "sha1-", "md5-"].iter().any(|p| value.starts_with(p));
    let crypt = value.starts_with("$2a$") || value.starts_with("$2b$") || value.starts_with("$argon2");
    (hex && [32, 40, 56, 64, 96, 128].contains(&value.len())) || uuid || integrity || crypt
}

/// Words, not a key: a value naming what it is (`wrong-password`, `cors-reflect-credentials`)
/// or made of lowercase words only (`stethoscope-probe`).
fn is_wordy(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let names = ["password", "passwd", "secret", "token", "credential", "wrong", "invalid", "bogus", "garbage"];
    let words = value.split(['-', '_', '.']).all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
    names.iter().any(|n| lower.contains(n)) || words
}

/// Code, not a literal: a call, a path, a variable or an environment lookup.
fn is_reference(value: &str) -> bool {
    value.starts_with("env.")
        || value.starts_with("process.env")
        || value.starts_with("os.environ")
        || value.starts_with("secrets.")
        || value.starts_with("vault:")
        || value.starts_with("arn:")
        || value.contains("://")
        || value.starts_with('/')
        || value.starts_with("./")
        || value.ends_with(".pem")
        || value.ends_with(".key")
}

/// Shannon entropy in bits per character.
pub(crate) fn entropy(value: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in value.bytes() {
        counts[b as usize] += 1;
    }
    let n = value.len() as f64;
    counts.iter().filter(|c| **c > 0).map(|&c| c as f64 / n).map(|p| -p * p.log2()).sum()
}

#[cfg(test)]
mod tests;
