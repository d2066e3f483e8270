//! Request bodies with placeholders, filled per request so writes can create distinct records:
//! `{seq}` (1, 2, 3, … per template), `{uuid}` (a version-4 UUID), `{rand:A-B}` (an integer in
//! the inclusive range) and `{name}` (the value of a path parameter, the same one the path got).
//! JSON's own braces never match: a placeholder holds only letters, digits, `_`, `:` and `-`.

use std::sync::atomic::{AtomicU64, Ordering};

/// One piece of a body template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// The request's sequence number.
    Seq,
    /// A random version-4 UUID.
    Uuid,
    /// A random integer in an inclusive range.
    Rand(i64, i64),
    /// A parameter's value.
    Param(String),
}

/// Why a body template is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// `{rand:A-B}` with bounds that are not integers, or A > B.
    #[error("`{{{0}}}` is not a range such as `{{rand:1-1000}}`")]
    Range(String),
    /// A name that is neither built in nor a parameter.
    #[error("unknown placeholder `{{{0}}}`: use {{seq}}, {{uuid}}, {{rand:1-1000}} or a name under params")]
    Unknown(String),
}

/// Splits a body into parts; `params` are the names a `{name}` may refer to.
pub fn parse(body: &str, params: &[&str]) -> Result<Vec<Part>, BodyError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let name_len =
            after.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-'))).unwrap_or(after.len());
        let name = &after[..name_len];
        if name.is_empty() || !after[name_len..].starts_with('}') {
            text.push_str(&rest[..=open]);
            rest = after;
            continue;
        }
        text.push_str(&rest[..open]);
        if !text.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut text)));
        }
        parts.push(match name {
            "seq" => Part::Seq,
            "uuid" => Part::Uuid,
            _ if name.starts_with("rand:") => {
                let range = &name[5..];
                let (a, b) = range
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)))
                    .filter(|(a, b)| a <= b)
                    .ok_or_else(|| BodyError::Range(name.to_string()))?;
                Part::Rand(a, b)
            }
            _ if params.contains(&name) => Part::Param(name.to_string()),
            _ => return Err(BodyError::Unknown(name.to_string())),
        });
        rest = &after[name_len + 1..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// Whether the parts hold any placeholder (a body without one is sent as written).
pub fn has_placeholders(parts: &[Part]) -> bool {
    parts.iter().any(|p| !matches!(p, Part::Text(_)))
}

/// A sequence shared by every request of a template, and the seed of its random values.
#[derive(Debug)]
pub struct Counter {
    next: AtomicU64,
    seed: u64,
}

impl Default for Counter {
    fn default() -> Self {
        // Time and process id: two runs do not repeat each other's UUIDs.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        Counter { next: AtomicU64::new(1), seed: now ^ (u64::from(std::process::id()) << 32) }
    }
}

/// splitmix64: a well-spread value from a counter, with no random number generator.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fills the parts for the next request; `param` gives a parameter's value for this request.
pub fn render(parts: &[Part], counter: &Counter, param: &dyn Fn(&str) -> String) -> String {
    let seq = counter.next.fetch_add(1, Ordering::Relaxed);
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        let random = mix(counter.seed ^ mix(seq.wrapping_mul(31).wrapping_add(i as u64)));
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Seq => out.push_str(&seq.to_string()),
            Part::Uuid => {
                let hi = random;
                let lo = mix(random);
                let hi = (hi & !0xF000) | 0x4000;
                let lo = (lo & !(0xC000 << 48)) | (0x8000 << 48);
                out.push_str(&format!(
                    "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                    hi >> 32,
                    (hi >> 16) & 0xFFFF,
                    hi & 0xFFFF,
                    lo >> 48,
                    lo & 0xFFFF_FFFF_FFFF
                ));
            }
            Part::Rand(a, b) => {
                let span = b.abs_diff(*a).saturating_add(1);
                out.push_str(&(a.wrapping_add((random % span) as i64)).to_string());
            }
            Part::Param(name) => out.push_str(&param(name)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_distinct_values_and_json_braces_stay() {
        let parts = parse(r#"{"email":"u{seq}@x.test","id":"{uuid}","qty":{rand:1-3},"p":{pid}}"#, &["pid"]).unwrap();
        assert!(has_placeholders(&parts));
        let counter = Counter::default();
        let bodies: Vec<String> = (0..50).map(|_| render(&parts, &counter, &|_| "7".into())).collect();
        assert!(bodies[0].starts_with(r#"{"email":"u1@x.test","id":""#), "{}", bodies[0]);
        assert!(bodies[1].starts_with(r#"{"email":"u2@x.test""#));
        for b in &bodies {
            let v: serde_json::Value = serde_json::from_str(b).unwrap();
            assert!((1..=3).contains(&v["qty"].as_i64().unwrap()));
            assert_eq!(v["p"], 7);
            let id = v["id"].as_str().unwrap();
            assert_eq!((id.len(), &id[14..15]), (36, "4"), "{id}");
        }
        let mut ids: Vec<&str> = bodies.iter().map(|b| &b[b.find("\"id\"").unwrap()..][6..42]).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 50);
        assert_eq!(parse(r#"{"a": {"b": 1}}"#, &[]).unwrap(), vec![Part::Text(r#"{"a": {"b": 1}}"#.into())]);
        assert_eq!(parse("{n}", &[]), Err(BodyError::Unknown("n".into())));
        assert_eq!(parse("{rand:9-1}", &[]), Err(BodyError::Range("rand:9-1".into())));
    }
}
