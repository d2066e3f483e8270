//! stethoscope's renderers: they read only the [`Report`](steth_core::report::Report), write
//! to any writer and never recompute a verdict or a score.
#![deny(missing_docs)]

pub mod diff;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
#[cfg(test)]
mod sample;
pub mod sarif;
pub mod terminal;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tables for a terminal.
    Terminal,
    /// The versioned JSON report.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
    /// SARIF 2.1.0: findings with a file location, for code scanning.
    Sarif,
    /// One self-contained HTML page with inline CSS and SVG charts.
    Html,
    /// JUnit XML: one test case per item, for CI test views.
    Junit,
}

impl Format {
    /// Parses a format name.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "terminal" | "text" => Some(Format::Terminal),
            "json" => Some(Format::Json),
            "markdown" | "md" => Some(Format::Markdown),
            "sarif" => Some(Format::Sarif),
            "html" => Some(Format::Html),
            "junit" => Some(Format::Junit),
            _ => None,
        }
    }
}

/// How the terminal renderer draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// ANSI colours (only on a tty and never with NO_COLOR; the caller decides).
    pub color: bool,
    /// Table width; `None` lets tables take their natural width.
    pub width: Option<u16>,
}

/// The writes the load phases made, and the write endpoints they left alone, one line each
/// (terminal and Markdown print the same words).
pub(crate) fn writes_lines(load: &steth_core::report::LoadSummary) -> Vec<String> {
    let mut lines = Vec::new();
    if !load.writes.is_empty() {
        lines.push("Writes made by the load phases (records may have been created):".to_string());
        for w in &load.writes {
            let classes: Vec<String> = w.statuses.iter().map(|(class, n)| format!("{class} {n}")).collect();
            lines.push(format!(
                "  {}: {} request(s) measured, about {} more in warm-ups; {}",
                w.endpoint,
                w.requests,
                w.warmup_requests,
                classes.join(", ")
            ));
            if let Some(c) = &w.cleanup {
                lines.push(format!(
                    "    cleanup: {} created record(s) found, {} deleted, {} not deleted{}",
                    c.created,
                    c.deleted,
                    c.failed,
                    c.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
                ));
            }
        }
    }
    if !load.skipped_writes.is_empty() {
        lines.push(format!(
            "Not loaded, because they change data: {} (allow with `[load] writes = true` or `writes = true` on the endpoint)",
            load.skipped_writes.join(", ")
        ));
    }
    lines
}

/// The probes' requests that may have changed data, one line per endpoint and probe.
pub(crate) fn probe_writes_lines(writes: &[steth_core::evidence::WritesMade]) -> Vec<String> {
    let mut lines = vec!["Requests the probes sent that may change data:".to_string()];
    for w in writes {
        let classes: Vec<String> = w.statuses.iter().map(|(class, n)| format!("{class} {n}")).collect();
        lines.push(format!("  {}: {}; {}", w.endpoint, w.requests, classes.join(", ")));
    }
    lines
}

/// Renders a report in a format.
pub fn render(
    report: &steth_core::report::Report,
    format: Format,
    style: Style,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Terminal => terminal::render(report, style, out),
        Format::Json => json::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Html => html::render(report, out),
        Format::Junit => junit::render(report, out),
    }
}
