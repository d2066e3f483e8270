//! The `Server-Timing` response header, parsed into named phases with durations.

/// One metric of a `Server-Timing` header.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Metric name, e.g. `db`.
    pub name: String,
    /// Duration in milliseconds, when given.
    pub dur_ms: Option<f64>,
}

/// Parses `db;dur=53.2, cache;desc="Cache Read";dur=23.2, miss`. Malformed parts are skipped.
pub fn parse(header: &str) -> Vec<Metric> {
    let mut out = Vec::new();
    for part in split_outside_quotes(header, ',') {
        let mut params = split_outside_quotes(part, ';').into_iter();
        let Some(name) = params.next().map(str::trim).filter(|n| !n.is_empty() && is_token(n)) else {
            continue;
        };
        let dur_ms = params.filter_map(|p| p.split_once('=')).find_map(|(k, v)| {
            (k.trim().eq_ignore_ascii_case("dur")).then(|| v.trim().trim_matches('"').parse::<f64>().ok())?
        });
        out.push(Metric { name: name.to_string(), dur_ms: dur_ms.filter(|d| d.is_finite() && *d >= 0.0) });
    }
    out
}

fn is_token(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_specification_examples() {
        let m = parse(r#"miss, db;dur=53, app;dur=47.2, cache;desc="Cache Read, hit";dur=23.2"#);
        let names: Vec<(&str, Option<f64>)> = m.iter().map(|m| (m.name.as_str(), m.dur_ms)).collect();
        assert_eq!(names, vec![("miss", None), ("db", Some(53.0)), ("app", Some(47.2)), ("cache", Some(23.2))]);
    }

    #[test]
    fn garbage_is_skipped_not_fatal() {
        assert!(parse("").is_empty());
        assert_eq!(parse(";;;, db;dur=abc, x y;dur=1").len(), 1);
        assert_eq!(parse("db;dur=-5")[0].dur_ms, None);
        for s in ["\"", "a;dur=\"", "\\", "a;desc=\"x\\\"y\";dur=2"] {
            let _ = parse(s);
        }
        assert_eq!(parse("a;desc=\"x\\\"y\";dur=2")[0].dur_ms, Some(2.0));
    }
}
