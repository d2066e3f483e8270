//! The Prometheus text exposition format (0.0.4), parsed strictly enough to trust a histogram:
//! `# TYPE` lines, samples with quoted and escaped label values, `+Inf`/`NaN` values, optional
//! timestamps. Any malformed line is an error naming the line, as Prometheus fails a scrape.

use std::collections::{BTreeMap, BTreeSet};

/// A line that is not valid exposition text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}: `{excerpt}`")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub what: String,
    /// The start of the line, control characters escaped.
    pub excerpt: String,
}

/// One sample: `name{labels} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series name, e.g. `db_query_duration_seconds_bucket`.
    pub name: String,
    /// Label names and unescaped values, in the order written.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

impl Sample {
    /// The value of a label.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The samples kept from one scrape and the families declared `histogram`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    /// Samples whose name the caller asked to keep.
    pub samples: Vec<Sample>,
    /// Every family a `# TYPE name histogram` line declares.
    pub histograms: BTreeSet<String>,
    /// Every family exposed, kept or not: declared by a `# TYPE` line or, without one, each
    /// sample name as an untyped family of its own.
    pub families: BTreeMap<String, Shape>,
}

/// What one scrape shows of a family.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// The declared type, or `untyped`.
    pub kind: String,
    /// Distinct values per label name (`le` and `quantile` left out), the first
    /// [`MAX_LABEL_VALUES`] of each.
    pub labels: BTreeMap<String, BTreeSet<String>>,
    /// Series: every sample, or for a histogram or summary its `_count` samples.
    pub series: u64,
}

/// Most distinct values kept per label of a family.
pub const MAX_LABEL_VALUES: usize = 16;

/// The family a sample belongs to: the declared family it names, with its suffix stripped.
fn owner<'a>(families: &BTreeMap<String, Shape>, name: &'a str) -> (&'a str, bool) {
    if families.contains_key(name) {
        return (name, false);
    }
    for suffix in ["_bucket", "_count", "_sum", "_total", "_created"] {
        if let Some(family) = name.strip_suffix(suffix)
            && families.contains_key(family)
        {
            return (family, suffix == "_count");
        }
    }
    (name, false)
}

fn record(families: &mut BTreeMap<String, Shape>, sample: &Sample) {
    let (family, is_count) = owner(families, &sample.name);
    let shape =
        families.entry(family.to_string()).or_insert_with(|| Shape { kind: "untyped".into(), ..Shape::default() });
    if !matches!(shape.kind.as_str(), "histogram" | "summary") || is_count {
        shape.series += 1;
    }
    for (name, value) in sample.labels.iter().filter(|(n, _)| n != "le" && n != "quantile") {
        let values = shape.labels.entry(name.clone()).or_default();
        if values.len() < MAX_LABEL_VALUES {
            values.insert(value.clone());
        }
    }
}

/// Parses exposition text, keeping the samples whose name `keep` accepts; every line is
/// checked whether kept or not.
pub fn parse(text: &str, keep: impl Fn(&str) -> bool) -> Result<Exposition, ParseError> {
    let mut out = Exposition::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_matches(|c| c == ' ' || c == '\t' || c == '\r');
        let fail = |what: &str| ParseError { line: i + 1, what: what.to_string(), excerpt: excerpt(raw) };
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            if words.next() == Some("TYPE") {
                let (Some(name), Some(kind)) = (words.next(), words.next()) else {
                    return Err(fail("a TYPE line needs a metric name and a type"));
                };
                if !is_metric_name(name) {
                    return Err(fail("invalid metric name in TYPE line"));
                }
                if kind == "histogram" {
                    out.histograms.insert(name.to_string());
                }
                out.families.entry(name.to_string()).or_default().kind = kind.to_string();
            }
            continue;
        }
        let sample = sample(line).map_err(|what| fail(&what))?;
        record(&mut out.families, &sample);
        if keep(&sample.name) {
            out.samples.push(sample);
        }
    }
    Ok(out)
}

fn excerpt(line: &str) -> String {
    let mut out: String = line.chars().take(80).flat_map(char::escape_debug).collect();
    if line.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Whether `name` is a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_metric_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit()))
}

fn sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ', '\t']).unwrap_or(line.len());
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err("invalid metric name".into());
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inside) = rest.strip_prefix('{') {
        let (parsed, after) = label_set(inside)?;
        labels = parsed;
        rest = after;
    }
    // OpenMetrics exemplars follow the value after ` # `; they are not part of the sample.
    let rest = rest.split(" # ").next().unwrap_or_default();
    let mut fields = rest.split_whitespace();
    let value = fields.next().ok_or("no value")?;
    let value = value.parse::<f64>().map_err(|_| format!("`{value}` is not a number"))?;
    if let Some(timestamp) = fields.next()
        && timestamp.parse::<i64>().is_err()
    {
        return Err(format!("`{timestamp}` is not a timestamp"));
    }
    if fields.next().is_some() {
        return Err("unexpected text after the timestamp".into());
    }
    Ok(Sample { name: name.to_string(), labels, value })
}

/// Most labels one sample may carry; the duplicate check is quadratic in them.
const MAX_LABELS: usize = 128;

/// Label names and their unescaped values.
type Labels = Vec<(String, String)>;

/// The labels after `{` up to the closing `}`, and the text after it.
fn label_set(mut rest: &str) -> Result<(Labels, &str), String> {
    let mut labels: Labels = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let eq = rest.find('=').ok_or("unterminated label set")?;
        let name = rest[..eq].trim();
        if name.is_empty() || name.contains(':') || !is_metric_name(name) {
            return Err(format!("invalid label name `{name}`"));
        }
        if labels.len() == MAX_LABELS {
            return Err(format!("more than {MAX_LABELS} labels"));
        }
        if labels.iter().any(|(n, _)| n == name) {
            return Err(format!("label `{name}` appears twice"));
        }
        rest = rest[eq + 1..].trim_start().strip_prefix('"').ok_or("label value must be quoted")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let close = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => return Err(format!("invalid escape `\\{c}` in a label value")),
                    None => return Err("unterminated label value".into()),
                },
                Some((_, c)) => value.push(c),
            }
        };
        labels.push((name.to_string(), value));
        rest = rest[close + 1..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if rest.is_empty() {
            return Err("unterminated label set".into());
        } else if !rest.starts_with('}') {
            return Err("expected `,` or `}` after a label".into());
        }
    }
}

/// A histogram family summed over its label sets: cumulative counts per finite bound, the
/// `+Inf` count and the sum, in the family's own unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Finite `le` bounds, ascending, with their cumulative counts.
    pub buckets: Vec<(f64, f64)>,
    /// The `+Inf` bucket: every observation.
    pub count: f64,
    /// `_sum`.
    pub sum: f64,
    /// Label sets summed.
    pub series: usize,
}

/// The family's buckets summed per `le` over every label set. A family declared but without
/// samples yet (nothing observed) has empty totals.
pub fn histogram(expo: &Exposition, family: &str) -> Result<Totals, String> {
    let bucket = format!("{family}_bucket");
    let sum = format!("{family}_sum");
    let mut by_le: BTreeMap<u64, (f64, f64, usize)> = BTreeMap::new();
    let mut totals = Totals::default();
    let mut inf = 0.0;
    for s in &expo.samples {
        if s.name == bucket {
            let le = s.label("le").ok_or_else(|| format!("`{bucket}` has a sample without an `le` label"))?;
            let bound = le.trim().parse::<f64>().map_err(|_| format!("`{bucket}` has le=\"{le}\", not a number"))?;
            if bound.is_nan() {
                return Err(format!("`{bucket}` has le=\"NaN\""));
            }
            if !s.value.is_finite() || s.value < 0.0 {
                return Err(format!("`{bucket}` has a count of {}", s.value));
            }
            if bound == f64::INFINITY {
                inf += s.value;
                totals.series += 1;
            } else {
                // f64 bits order like the numbers for the non-negative bounds histograms use;
                // negative bounds are mapped below them.
                let entry = by_le.entry(order_key(bound)).or_insert((bound, 0.0, 0));
                entry.1 += s.value;
                entry.2 += 1;
            }
        } else if s.name == sum && s.value.is_finite() {
            totals.sum += s.value;
        }
    }
    if by_le.is_empty() && totals.series == 0 {
        return Ok(totals);
    }
    if totals.series == 0 {
        return Err(format!("`{bucket}` has no le=\"+Inf\" bucket"));
    }
    if let Some((bound, _, n)) = by_le.values().find(|(_, _, n)| *n != totals.series) {
        return Err(format!(
            "the {} label sets of `{family}` do not share their buckets (le=\"{bound}\" appears in {n}), so they cannot be summed",
            totals.series
        ));
    }
    totals.buckets = by_le.into_values().map(|(bound, count, _)| (bound, count)).collect();
    totals.count = inf;
    Ok(totals)
}

fn order_key(bound: f64) -> u64 {
    let bits = bound.to_bits();
    if bound.is_sign_negative() { !bits } else { bits | (1 << 63) }
}

/// The histogram family a series name belongs to (`_bucket`, `_count` and `_sum` stripped).
pub fn family_of(name: &str) -> &str {
    ["_bucket", "_count", "_sum"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name)
}

#[cfg(test)]
mod tests;
