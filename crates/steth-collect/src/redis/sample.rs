//! The key sample: a bounded `SCAN` (never `KEYS`), then `TTL` and `TYPE` of each key in
//! pipelines. Both commands count as keyspace hits, so this runs after every counter was read.

use redis::FromRedisValue;
use redis::aio::MultiplexedConnection;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use steth_core::evidence::{KeySample, KeyShape, Namespace, PrefixCount};

/// Keys asked for per `SCAN` call: enough to finish quickly, small enough never to block Redis.
const SCAN_COUNT: u64 = 500;
/// Namespaces and shapes kept in the evidence; the rest are counted, not listed.
const MAX_NAMESPACES: usize = 200;
const MAX_SHAPES: usize = 20;

/// What bounds the sample.
pub(super) struct Bounds<'a> {
    pub pattern: Option<&'a str>,
    pub delimiter: &'a str,
    pub max_keys: u64,
    pub budget: Duration,
}

/// Samples keys and groups them by namespace.
pub(super) async fn sample(conn: &mut MultiplexedConnection, bounds: &Bounds<'_>) -> redis::RedisResult<KeySample> {
    let started = Instant::now();
    let scope = bounds.pattern.map(literal_prefix).unwrap_or_default();
    let mut grouping = Grouping::new(scope.clone(), bounds.delimiter);
    let mut cursor = 0u64;
    let mut truncated = None;
    loop {
        let mut scan = redis::cmd("SCAN");
        scan.arg(cursor);
        if let Some(p) = bounds.pattern {
            scan.arg("MATCH").arg(p);
        }
        scan.arg("COUNT").arg(SCAN_COUNT);
        let (next, keys): (u64, Vec<String>) = scan.query_async(conn).await?;
        let room = bounds.max_keys.saturating_sub(grouping.sampled) as usize;
        let capped = keys.len() > room;
        let keys = &keys[..keys.len().min(room)];
        if !keys.is_empty() {
            let mut pipe = redis::pipe();
            for k in keys {
                pipe.cmd("TTL").arg(k).cmd("TYPE").arg(k);
            }
            let answers: Vec<redis::Value> = pipe.query_async(conn).await?;
            for (key, pair) in keys.iter().zip(answers.chunks(2)) {
                let ttl = i64::from_redis_value_ref(&pair[0]).unwrap_or(-2);
                let kind = String::from_redis_value_ref(&pair[1]).unwrap_or_else(|_| "none".into());
                // -2: the key expired between SCAN and TTL.
                if ttl != -2 && kind != "none" {
                    grouping.add(key, ttl == -1, &kind);
                }
            }
        }
        if capped || (next != 0 && grouping.sampled >= bounds.max_keys) {
            truncated = Some(format!("stopped at the cap of {} keys", bounds.max_keys));
            break;
        }
        if next == 0 {
            break;
        }
        if started.elapsed() >= bounds.budget {
            truncated = Some(format!("stopped at the {} s time budget", bounds.budget.as_secs_f64()));
            break;
        }
        cursor = next;
    }
    Ok(grouping.finish(truncated))
}

/// The literal part of a glob pattern before its first metacharacter (`shop:*` → `shop:`).
fn literal_prefix(pattern: &str) -> String {
    let end = pattern.find(['*', '?', '[', '\\']).unwrap_or(pattern.len());
    pattern[..end].to_string()
}

/// A segment's class: literal words stay, numbers become `{n}`, other values `{s}`.
fn class(segment: &str) -> String {
    if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
        return "{n}".into();
    }
    let word = !segment.is_empty()
        && segment.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && (segment.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_')
            || (segment.len() <= 4 && segment.bytes().all(|b| b.is_ascii_alphanumeric())));
    if word { segment.to_string() } else { "{s}".into() }
}

/// The namespace (leading literal segments, the last segment never included; empty when the
/// key has none) and the shape of a key, both without the scope.
fn classify(rest: &str, delimiter: &str) -> (String, String) {
    let classes: Vec<String> = rest.split(delimiter).map(class).collect();
    let literal = classes.iter().take(classes.len().saturating_sub(1)).take_while(|c| !c.starts_with('{')).count();
    (classes[..literal].join(delimiter), classes.join(delimiter))
}

struct ShapeTally {
    types: BTreeMap<String, u64>,
    example: String,
}

struct Grouping {
    scope: String,
    delimiter: String,
    sampled: u64,
    namespaces: BTreeMap<String, BTreeMap<String, ShapeTally>>,
    without_ttl: BTreeMap<String, (u64, String)>,
}

impl Grouping {
    fn new(scope: String, delimiter: &str) -> Grouping {
        Grouping {
            scope,
            delimiter: delimiter.to_string(),
            sampled: 0,
            namespaces: BTreeMap::new(),
            without_ttl: BTreeMap::new(),
        }
    }

    fn add(&mut self, key: &str, no_ttl: bool, kind: &str) {
        self.sampled += 1;
        let rest = key.strip_prefix(self.scope.as_str()).unwrap_or(key);
        let (namespace, shape) = classify(rest, &self.delimiter);
        if no_ttl {
            let shown = if namespace.is_empty() { "(none)".to_string() } else { format!("{}{namespace}", self.scope) };
            let e = self.without_ttl.entry(shown).or_insert_with(|| (0, key.to_string()));
            e.0 += 1;
        }
        if !self.namespaces.contains_key(&namespace) && self.namespaces.len() >= MAX_NAMESPACES {
            return;
        }
        let shapes = self.namespaces.entry(namespace).or_default();
        if !shapes.contains_key(&shape) && shapes.len() >= MAX_SHAPES {
            return;
        }
        let tally = shapes.entry(shape).or_insert_with(|| ShapeTally { types: BTreeMap::new(), example: key.into() });
        *tally.types.entry(kind.to_string()).or_default() += 1;
    }

    fn finish(self, truncated: Option<String>) -> KeySample {
        KeySample {
            delimiter: self.delimiter,
            scope: self.scope,
            sampled: self.sampled,
            truncated,
            without_ttl: self
                .without_ttl
                .into_iter()
                .map(|(prefix, (keys, example))| PrefixCount { prefix, keys, example })
                .collect(),
            namespaces: self
                .namespaces
                .into_iter()
                .map(|(prefix, shapes)| Namespace {
                    prefix,
                    shapes: shapes
                        .into_iter()
                        .map(|(shape, t)| KeyShape { shape, types: t.types, example: t.example })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_segments() {
        assert_eq!(classify("product:42", ":"), ("product".into(), "product:{n}".into()));
        assert_eq!(classify("product:42:stock", ":"), ("product".into(), "product:{n}:stock".into()));
        assert_eq!(classify("rate-limit:127.0.0.1:2941", ":"), ("rate-limit".into(), "rate-limit:{s}:{n}".into()));
        assert_eq!(classify("catalog:v2:9f8e7d6c5b4a", ":"), ("catalog:v2".into(), "catalog:v2:{s}".into()));
        assert_eq!(classify("42", ":"), ("".into(), "{n}".into()));
        assert_eq!(classify("session", ":"), ("".into(), "session".into()));
        assert_eq!(classify("a1b2c3d4e5:x", ":"), ("".into(), "{s}:x".into()));
        assert_eq!(literal_prefix("shop_t_1:*"), "shop_t_1:");
        assert_eq!(literal_prefix("*"), "");
    }

    #[test]
    fn groups_keys_by_namespace_and_counts_keys_without_ttl() {
        let mut g = Grouping::new("shop:".into(), ":");
        g.add("shop:product:1", false, "string");
        g.add("shop:product:2", true, "string");
        g.add("shop:product:2:stock", false, "hash");
        g.add("shop:7", true, "string");
        let s = g.finish(None);
        assert_eq!(s.sampled, 4);
        assert_eq!(s.namespaces.len(), 2);
        assert_eq!(s.namespaces[1].prefix, "product");
        assert_eq!(s.namespaces[1].shapes.len(), 2);
        let prefixes: Vec<(&str, u64)> = s.without_ttl.iter().map(|p| (p.prefix.as_str(), p.keys)).collect();
        assert_eq!(prefixes, vec![("(none)", 1), ("shop:product", 1)]);
    }
}
