//! Typed thresholds: the default each item declares and the overrides a config may set.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// Which side of the value a measurement must stay on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// The measurement must be strictly below the value.
    Below,
    /// The measurement must be at most the value.
    AtMost,
    /// The measurement must be strictly above the value.
    Above,
    /// The measurement must be at least the value.
    AtLeast,
    /// A qualitative requirement: the value says what must be present.
    Requires,
}

/// The quantity a threshold is expressed in; units live here, not in bare floats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Quantity {
    /// A duration (latency, timeout, age).
    Duration(#[serde(with = "duration_ms")] Duration),
    /// A count (violations, queries per request, attempts).
    Count(u64),
    /// A dimensionless factor (p99/p50 ratio).
    Factor(f64),
    /// A percentage from 0 to 100.
    Percent(f64),
    /// A size in bytes.
    Bytes(u64),
    /// A qualitative requirement described in words.
    Text(Cow<'static, str>),
}

/// A threshold: a limit on a quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// Which side the measurement must stay on.
    pub limit: Limit,
    /// The value of the threshold.
    pub value: Quantity,
}

/// Why a threshold override could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    /// The item's threshold is qualitative and cannot be overridden with a number.
    #[error("this item's threshold is a requirement ({0}), not a number that can be overridden")]
    NotNumeric(String),
    /// The text is not a value of the expected kind.
    #[error("expected {expected}, found `{found}`")]
    BadValue {
        /// What kind of value the item takes.
        expected: &'static str,
        /// What the config said.
        found: String,
    },
}

impl Threshold {
    /// Measurement must stay strictly below a duration given in milliseconds.
    pub const fn latency_below_ms(ms: u64) -> Threshold {
        Threshold { limit: Limit::Below, value: Quantity::Duration(Duration::from_millis(ms)) }
    }
    /// At most `n` of something (violations, queries per request).
    pub const fn at_most(n: u64) -> Threshold {
        Threshold { limit: Limit::AtMost, value: Quantity::Count(n) }
    }
    /// Strictly below a factor.
    pub const fn factor_below(f: f64) -> Threshold {
        Threshold { limit: Limit::Below, value: Quantity::Factor(f) }
    }
    /// Strictly above a percentage.
    pub const fn percent_above(p: f64) -> Threshold {
        Threshold { limit: Limit::Above, value: Quantity::Percent(p) }
    }
    /// At least a percentage.
    pub const fn percent_at_least(p: f64) -> Threshold {
        Threshold { limit: Limit::AtLeast, value: Quantity::Percent(p) }
    }
    /// At most a percentage.
    pub const fn percent_at_most(p: f64) -> Threshold {
        Threshold { limit: Limit::AtMost, value: Quantity::Percent(p) }
    }
    /// Strictly below a percentage.
    pub const fn percent_below(p: f64) -> Threshold {
        Threshold { limit: Limit::Below, value: Quantity::Percent(p) }
    }
    /// At most a duration given in seconds.
    pub const fn duration_at_most_secs(s: u64) -> Threshold {
        Threshold { limit: Limit::AtMost, value: Quantity::Duration(Duration::from_secs(s)) }
    }
    /// Strictly below a duration given in seconds.
    pub const fn duration_below_secs(s: u64) -> Threshold {
        Threshold { limit: Limit::Below, value: Quantity::Duration(Duration::from_secs(s)) }
    }
    /// At most a duration given in milliseconds.
    pub const fn duration_at_most_ms(ms: u64) -> Threshold {
        Threshold { limit: Limit::AtMost, value: Quantity::Duration(Duration::from_millis(ms)) }
    }
    /// A size in bytes the measurement must stay within.
    pub const fn bytes_at_most(b: u64) -> Threshold {
        Threshold { limit: Limit::AtMost, value: Quantity::Bytes(b) }
    }
    /// A qualitative requirement.
    pub const fn requires(text: &'static str) -> Threshold {
        Threshold { limit: Limit::Requires, value: Quantity::Text(Cow::Borrowed(text)) }
    }

    /// The duration value, when this threshold is a duration.
    pub fn duration(&self) -> Option<Duration> {
        match self.value {
            Quantity::Duration(d) => Some(d),
            _ => None,
        }
    }
    /// The count value, when this threshold is a count.
    pub fn count(&self) -> Option<u64> {
        match self.value {
            Quantity::Count(n) => Some(n),
            _ => None,
        }
    }
    /// The numeric value as a float (factor, percent, count, bytes, milliseconds).
    pub fn number(&self) -> Option<f64> {
        match &self.value {
            Quantity::Duration(d) => Some(d.as_secs_f64() * 1000.0),
            Quantity::Count(n) => Some(*n as f64),
            Quantity::Factor(f) | Quantity::Percent(f) => Some(*f),
            Quantity::Bytes(b) => Some(*b as f64),
            Quantity::Text(_) => None,
        }
    }

    /// The limit of a duration threshold. Items with a duration threshold call this instead of
    /// repeating their default: an override keeps the item's kind (`with_override`), so the
    /// configured value is always the one used.
    pub fn limit_duration(&self) -> Duration {
        self.duration().expect("a duration item's threshold stays a duration: overrides keep the kind")
    }
    /// The limit of a duration threshold in milliseconds.
    pub fn limit_ms(&self) -> f64 {
        self.limit_duration().as_secs_f64() * 1000.0
    }
    /// The limit of a duration threshold in seconds.
    pub fn limit_secs(&self) -> f64 {
        self.limit_duration().as_secs_f64()
    }
    /// The limit of a count threshold.
    pub fn limit_count(&self) -> u64 {
        self.count().expect("a count item's threshold stays a count: overrides keep the kind")
    }
    /// The limit of a numeric threshold as a float: a factor, a percentage, a count, bytes, or
    /// milliseconds for a duration.
    pub fn limit_number(&self) -> f64 {
        self.number().expect("a numeric item's threshold stays numeric: overrides keep the kind")
    }

    /// Whether a measurement in the threshold's unit (milliseconds for durations) is on the
    /// allowed side of the limit; `None` for qualitative thresholds.
    pub fn admits(&self, measured: f64) -> Option<bool> {
        let limit = self.number()?;
        Some(match self.limit {
            Limit::Below => measured < limit,
            Limit::AtMost => measured <= limit,
            Limit::Above => measured > limit,
            Limit::AtLeast => measured >= limit,
            Limit::Requires => return None,
        })
    }

    /// The strictest threshold of the same kind and direction that a measurement could still
    /// meet in principle: zero for an upper limit, 100 % (or a huge factor) for a lower one. No
    /// real measurement passes it, so a check that still passes under it ignores its threshold.
    /// `None` when the threshold cannot be made stricter (qualitative, or already at its bound).
    pub fn strictest(&self) -> Option<Threshold> {
        let value = match (self.limit, &self.value) {
            (Limit::Requires, _) | (_, Quantity::Text(_)) => return None,
            (Limit::Below | Limit::AtMost, Quantity::Duration(d)) if !d.is_zero() => Quantity::Duration(Duration::ZERO),
            (Limit::Below | Limit::AtMost, Quantity::Count(n)) if *n > 0 => Quantity::Count(0),
            (Limit::Below | Limit::AtMost, Quantity::Bytes(n)) if *n > 0 => Quantity::Bytes(0),
            (Limit::Below | Limit::AtMost, Quantity::Factor(f)) if *f > 0.0 => Quantity::Factor(0.0),
            (Limit::Below | Limit::AtMost, Quantity::Percent(p)) if *p > 0.0 => Quantity::Percent(0.0),
            (Limit::Above | Limit::AtLeast, Quantity::Percent(p)) if *p < 100.0 => Quantity::Percent(100.0),
            (Limit::Above | Limit::AtLeast, Quantity::Factor(_)) => Quantity::Factor(f64::MAX),
            _ => return None,
        };
        // `Below 0` and `Above 100 %` admit nothing; `AtMost 0` admits only a perfect zero.
        let limit = match self.limit {
            Limit::AtLeast => Limit::Above,
            Limit::AtMost => Limit::Below,
            other => other,
        };
        Some(Threshold { limit, value })
    }

    /// Returns this threshold with its value replaced by an override written in the config,
    /// parsed in the same kind of quantity ("150ms" for a latency, "85%" for a percentage).
    pub fn with_override(&self, text: &str) -> Result<Threshold, ThresholdError> {
        let t = text.trim();
        let bad = |expected| ThresholdError::BadValue { expected, found: t.to_string() };
        let value = match &self.value {
            Quantity::Duration(_) => {
                Quantity::Duration(parse_duration(t).ok_or_else(|| bad("a duration such as `150ms` or `2s`"))?)
            }
            Quantity::Count(_) => Quantity::Count(t.parse().map_err(|_| bad("a whole number such as `10`"))?),
            Quantity::Factor(_) => {
                let n = t.trim_end_matches(['x', 'X', '×']).trim();
                Quantity::Factor(positive(n).ok_or_else(|| bad("a factor such as `4` or `4x`"))?)
            }
            Quantity::Percent(_) => {
                let n = t.trim_end_matches('%').trim();
                let p = positive(n).filter(|p| *p <= 100.0).ok_or_else(|| bad("a percentage such as `80%`"))?;
                Quantity::Percent(p)
            }
            Quantity::Bytes(_) => Quantity::Bytes(parse_bytes(t).ok_or_else(|| bad("a size such as `16MiB`"))?),
            Quantity::Text(req) => return Err(ThresholdError::NotNumeric(req.to_string())),
        };
        Ok(Threshold { limit: self.limit, value })
    }
}

fn positive(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

/// Parses a duration such as `150ms`, `2s`, `1.5s`, `30min`, `10m`, `1h`, `250us`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = t.split_at(split);
    let n = positive(num)?;
    let secs = match unit.trim() {
        "us" | "µs" => n / 1e6,
        "ms" => n / 1e3,
        "s" | "sec" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// Parses a size such as `16MiB`, `512KiB`, `1GB`, `1000`.
pub fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n = positive(num)?;
    let mult = match unit.trim() {
        "" | "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * mult) as u64)
}

/// Formats a duration the way reports print it: `187 ms`, `1.42 s`, `850 µs`.
pub fn format_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 10_000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else if us < 1_000_000.0 {
        format!("{:.0} ms", us / 1000.0)
    } else if us < 120_000_000.0 {
        let s = us / 1e6;
        if s.fract() == 0.0 { format!("{s:.0} s") } else { format!("{s:.2} s") }
    } else {
        format!("{:.0} min", us / 60e6)
    }
}

/// Formats milliseconds the way reports print them: `0.4 ms`, `187 ms`, `1.42 s`.
pub fn format_ms(v: f64) -> String {
    scaled_ms(v, [2, 0, 1])
}

/// Formats milliseconds with the precision of a load tool's report: `0.412 ms`, `187.3 ms`,
/// `1.423 s`.
pub fn format_ms_fine(v: f64) -> String {
    scaled_ms(v, [3, 1, 3])
}

/// Seconds from 1 000 ms up, whole milliseconds from 10 ms, tenths below; `decimals` gives the
/// decimals of each of the three ranges.
fn scaled_ms(v: f64, decimals: [usize; 3]) -> String {
    if v >= 1000.0 {
        format!("{:.*} s", decimals[0], v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.*} ms", decimals[1])
    } else {
        format!("{v:.*} ms", decimals[2])
    }
}

/// Formats a byte size with a binary unit.
pub fn format_bytes(b: u64) -> String {
    const KIB: u64 = 1024;
    if b >= KIB * KIB * KIB && b.is_multiple_of(KIB * KIB * KIB) {
        format!("{} GiB", b / (KIB * KIB * KIB))
    } else if b >= KIB * KIB {
        let v = b as f64 / (KIB * KIB) as f64;
        if v.fract() == 0.0 { format!("{v:.0} MiB") } else { format!("{v:.1} MiB") }
    } else if b >= KIB {
        format!("{:.1} KiB", b as f64 / KIB as f64)
    } else {
        format!("{b} B")
    }
}

fn format_number(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantity::Duration(d) => f.write_str(&format_duration(*d)),
            Quantity::Count(n) => write!(f, "{n}"),
            Quantity::Factor(x) => write!(f, "{}×", format_number(*x)),
            Quantity::Percent(p) => write!(f, "{} %", format_number(*p)),
            Quantity::Bytes(b) => f.write_str(&format_bytes(*b)),
            Quantity::Text(t) => f.write_str(t),
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.limit {
            Limit::Below => write!(f, "< {}", self.value),
            Limit::AtMost if self.value == Quantity::Count(0) => f.write_str("0 violations"),
            Limit::AtMost => write!(f, "≤ {}", self.value),
            Limit::Above => write!(f, "> {}", self.value),
            Limit::AtLeast => write!(f, "≥ {}", self.value),
            Limit::Requires => write!(f, "{}", self.value),
        }
    }
}

mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1000.0)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms = f64::deserialize(d)?;
        Duration::try_from_secs_f64(ms / 1000.0).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_in_the_items_own_kind() {
        let t = Threshold::latency_below_ms(200);
        assert_eq!(t.with_override("150ms").unwrap().duration(), Some(Duration::from_millis(150)));
        assert_eq!(t.with_override("1.5s").unwrap().duration(), Some(Duration::from_millis(1500)));
        assert!(t.with_override("fast").is_err());
        assert_eq!(Threshold::percent_above(80.0).with_override("85%").unwrap().number(), Some(85.0));
        assert!(Threshold::percent_above(80.0).with_override("185%").is_err());
        assert_eq!(Threshold::factor_below(4.0).with_override("3x").unwrap().number(), Some(3.0));
        assert_eq!(Threshold::at_most(10).with_override("5").unwrap().count(), Some(5));
        assert!(matches!(Threshold::requires("enabled").with_override("3"), Err(ThresholdError::NotNumeric(_))));
        assert_eq!(parse_bytes("16MiB"), Some(16 * 1024 * 1024));
    }

    #[test]
    fn thresholds_know_their_direction_and_strictest_form() {
        assert_eq!(Threshold::latency_below_ms(200).admits(199.0), Some(true));
        assert_eq!(Threshold::latency_below_ms(200).admits(200.0), Some(false));
        assert_eq!(Threshold::at_most(10).admits(10.0), Some(true));
        assert_eq!(Threshold::percent_above(80.0).admits(80.0), Some(false));
        assert_eq!(Threshold::percent_at_least(100.0).admits(100.0), Some(true));
        assert_eq!(Threshold::requires("x").admits(1.0), None);
        let strict = Threshold::latency_below_ms(200).strictest().expect("a latency can be tightened");
        assert_eq!(strict.admits(0.0), Some(false));
        assert_eq!(Threshold::percent_above(80.0).strictest().and_then(|t| t.admits(100.0)), Some(false));
        assert!(Threshold::at_most(0).strictest().is_none() && Threshold::requires("x").strictest().is_none());
        assert_eq!(Threshold::at_most(10).strictest().map(|t| t.limit_count()), Some(0));
    }

    #[test]
    fn thresholds_print_with_their_limit_and_unit() {
        assert_eq!(Threshold::latency_below_ms(200).to_string(), "< 200 ms");
        assert_eq!(Threshold::factor_below(4.0).to_string(), "< 4×");
        assert_eq!(Threshold::percent_above(80.0).to_string(), "> 80 %");
        assert_eq!(Threshold::bytes_at_most(16 * 1024 * 1024).to_string(), "≤ 16 MiB");
        assert_eq!(format_duration(Duration::from_micros(1_420_000)), "1.42 s");
    }
}
