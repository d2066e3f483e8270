//! The `[history]` table: where each audit's record is kept, or that none is.

use serde::Deserialize;
use std::path::PathBuf;
use toml::Spanned;

/// `[history]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHistory {
    enabled: Option<bool>,
    path: Option<Spanned<String>>,
}

/// Where audits are recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPlan {
    /// Whether `audit` appends its run to the history database (`--no-history` turns it off).
    pub enabled: bool,
    /// The database file, resolved against the config file's directory; `None` means the
    /// default, `.stethoscope/history.sqlite` beside the config (or in the current directory).
    pub path: Option<PathBuf>,
}

impl Default for HistoryPlan {
    fn default() -> Self {
        HistoryPlan { enabled: true, path: None }
    }
}

impl super::Validator<'_> {
    /// The validated `[history]` table.
    pub(super) fn history(&self, raw: Option<&RawHistory>) -> Result<HistoryPlan, super::ConfigError> {
        let Some(raw) = raw else { return Ok(HistoryPlan::default()) };
        let path = match &raw.path {
            None => None,
            Some(p) => {
                let text = self.text(p, "history.path")?;
                if text.trim().is_empty() || text.contains('\0') {
                    return Err(self.fail(
                        p.span(),
                        "history.path",
                        "expected a file path such as `.stethoscope/history.sqlite`",
                    ));
                }
                if text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) {
                    return Err(self.fail(
                        p.span(),
                        "history.path",
                        format!("`{text}` names a directory; name the database file, e.g. `{text}history.sqlite`"),
                    ));
                }
                let base = std::path::Path::new(self.at.file).parent().unwrap_or(std::path::Path::new(""));
                Some(base.join(text))
            }
        };
        Ok(HistoryPlan { enabled: raw.enabled.unwrap_or(true), path })
    }
}
