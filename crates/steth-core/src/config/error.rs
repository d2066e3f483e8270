//! Config errors that name the file, line, column and key.

use std::fmt;
use std::ops::Range;

/// A config that cannot be used, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file (as given on the command line).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted key path, e.g. `postgres.url` or `thresholds."9.9"`.
    pub key: Option<String>,
    /// What is wrong, readable after "invalid config:".
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Maps byte offsets of a config text to lines, columns and key paths.
#[derive(Debug, Clone)]
pub(crate) struct Locator<'a> {
    pub(crate) file: &'a str,
    pub(crate) text: &'a str,
}

impl<'a> Locator<'a> {
    /// An error at a span, the key derived from the text when not given.
    pub(crate) fn error(
        &self,
        span: Option<Range<usize>>,
        key: Option<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        let (line, column) = match &span {
            Some(s) => {
                let start = s.start.min(self.text.len());
                let before = &self.text[..start];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        let key = key.or_else(|| span.as_ref().and_then(|s| self.key_at(s.start)));
        ConfigError { file: self.file.to_string(), line, column, key, message: message.into() }
    }

    /// The dotted key path at an offset: the enclosing `[table]` header plus the key on the line.
    fn key_at(&self, offset: usize) -> Option<String> {
        let offset = offset.min(self.text.len());
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[offset..].find('\n').map_or(self.text.len(), |i| offset + i);
        let line = &self.text[line_start..line_end];
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            return Some(trimmed.trim_matches(|c| c == '[' || c == ']').trim().to_string());
        }
        let key = line.split_once('=').map(|(k, _)| k.trim().to_string()).filter(|k| !k.is_empty());
        let before = &self.text[..line_start];
        let table = before.lines().rev().map(str::trim).find(|l| l.starts_with('[')).map(|header| {
            let name = header.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            if !header.starts_with("[[") {
                return name;
            }
            // An array of tables: its index is the count of its headers so far.
            let index = before
                .lines()
                .filter(|l| {
                    l.trim().trim_matches(|c| c == '[' || c == ']').trim() == name && l.trim().starts_with("[[")
                })
                .count()
                .saturating_sub(1);
            format!("{name}[{index}]")
        });
        match (table, key) {
            (Some(t), Some(k)) => Some(format!("{t}.{k}")),
            (None, Some(k)) => Some(k),
            (Some(t), None) => Some(t),
            (None, None) => None,
        }
    }
}
