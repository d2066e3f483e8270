//! The terminal report: one table per section, the score summary, the band, coverage and the
//! top 3 actions. Colour only when the caller says so.

use crate::Style;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use std::io::{self, Write};
use steth_core::outcome::Status;
use steth_core::report::{ItemResult, Report};

/// Findings printed per item before "… and N more".
const MAX_FINDINGS: usize = 8;

fn status_cell(status: Status, style: Style) -> Cell {
    let cell = Cell::new(status.symbol());
    if !style.color {
        return cell;
    }
    match status {
        Status::Pass => cell.fg(Color::Green),
        Status::Fail => cell.fg(Color::Red),
        Status::Warn => cell.fg(Color::Yellow),
        Status::Attested => cell.fg(Color::Cyan),
        Status::Error => cell.fg(Color::Magenta),
        Status::NotAssessed | Status::Na => cell.fg(Color::DarkGrey),
    }
}

fn table(style: Style) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED);
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    match style.width {
        Some(w) => {
            t.set_width(w).set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    t
}

/// One row per item: status, id, title, measured value, threshold, evidence.
fn item_table(items: &[&ItemResult], style: Style) -> Table {
    let mut t = table(style);
    t.set_header(vec!["", "id", "item", "measured", "threshold", "evidence"]);
    for item in items {
        t.add_row(vec![
            status_cell(item.status, style),
            Cell::new(&item.id),
            Cell::new(&item.title),
            Cell::new(measured(item)),
            Cell::new(&item.threshold),
            Cell::new(&item.evidence),
        ]);
    }
    t
}

fn measured(item: &ItemResult) -> String {
    match item.status {
        Status::NotAssessed | Status::Error | Status::Na | Status::Attested => item.status.word().to_string(),
        _ => item.measured.clone().unwrap_or_default(),
    }
}

use steth_core::threshold::format_ms as ms;

fn percent(p: Option<f64>) -> String {
    p.map_or("–".to_string(), |p| format!("{p:.0} %"))
}

/// A section's percentage, or "not assessed" when none of its items got a verdict.
fn section_percent(s: &steth_core::report::SectionScore) -> String {
    if s.assessed == 0 && s.max > 0 { "not assessed".to_string() } else { percent(s.percent) }
}

/// "6 % of the checklist, 62 % of the 14 assessed items".
pub(crate) fn score_line(checklist: Option<f64>, assessed: Option<f64>, assessed_items: u32) -> String {
    format!("{} of the checklist, {} of the {assessed_items} assessed item(s)", percent(checklist), percent(assessed))
}

/// "196/0/4/0/0", with requests that got no answer for another reason after it.
fn classes(c: &steth_core::evidence::StatusClasses) -> String {
    let counts = format!("{}/{}/{}/{}/{}", c.success, c.redirect, c.client_error, c.server_error, c.timeout);
    if c.no_answer > 0 { format!("{counts} +{} no answer", c.no_answer) } else { counts }
}

/// Writes the terminal report.
pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "stethoscope {} — backend audit", report.tool.version)?;
    if let Some(target) = &report.run.target {
        writeln!(out, "target: {target}")?;
    }
    for s in &report.run.sources {
        writeln!(out, "  {:<8} {:<12} {}", s.name, s.state, s.detail)?;
    }
    if let Some(sel) = &report.run.selection {
        writeln!(out, "selection: {sel}")?;
    }
    for section in &report.sections {
        writeln!(out)?;
        writeln!(
            out,
            "{}. {} — {}/{} ({})",
            section.number,
            section.title,
            section.score,
            section.max,
            section_percent(section)
        )?;
        let items: Vec<&ItemResult> = report.section_items(section.section).collect();
        writeln!(out, "{}", item_table(&items, style))?;
        for item in items.iter().filter(|i| !i.findings.is_empty()) {
            writeln!(out, "  {} {}:", item.id, item.title)?;
            for f in item.findings.iter().take(MAX_FINDINGS) {
                writeln!(out, "    - {f}")?;
            }
            if item.findings.len() > MAX_FINDINGS {
                writeln!(out, "    … and {} more (see --format json)", item.findings.len() - MAX_FINDINGS)?;
            }
        }
    }
    if let Some(writes) = report.raw_evidence.as_ref().and_then(|e| e.http.data()).map(|h| &h.writes)
        && !writes.is_empty()
    {
        writeln!(out)?;
        for line in crate::probe_writes_lines(writes) {
            writeln!(out, "{line}")?;
        }
    }
    if let Some(load) = &report.load {
        writeln!(out)?;
        writeln!(
            out,
            "Endpoints under normal load ({} req/s each, {:.1} s measured after {:.1} s warm-up; {})",
            load.settings.rate, load.settings.duration_secs, load.settings.warmup_secs, load.settings.abort_bounds
        )?;
        let mut t = table(style);
        t.set_header(vec![
            "",
            "endpoint",
            "kind",
            "p50",
            "p95",
            "p99",
            "target",
            "2xx/s",
            "2xx/3xx/4xx/5xx/timeout",
            "first byte",
            "server timing",
        ]);
        for e in &load.endpoints {
            let timing: Vec<String> = e.server_timing.iter().map(|(k, v)| format!("{k} {}", ms(*v))).collect();
            t.add_row(vec![
                status_cell(e.status, style),
                Cell::new(&e.name),
                Cell::new(&e.kind),
                Cell::new(ms(e.p50_ms)),
                Cell::new(ms(e.p95_ms)),
                Cell::new(ms(e.p99_ms)),
                Cell::new(e.target_ms.map_or("–".to_string(), |t| format!("< {}", ms(t)))),
                Cell::new(format!("{:.1}", e.achieved_rate)),
                Cell::new(classes(&e.classes)),
                Cell::new(ms(e.ttfb_mean_ms)),
                Cell::new(timing.join(", ")),
            ]);
        }
        writeln!(out, "{t}")?;
        if !load.slowest.is_empty() {
            writeln!(out, "Slowest at p99: {}", load.slowest.join(", "))?;
        }
        for e in load.endpoints.iter().filter(|e| e.over_2s) {
            writeln!(out, "  {} takes over 2 s at p99: long-running work that belongs in a queue (8.5)", e.name)?;
        }
        for e in &load.endpoints {
            match (&e.cause, &e.stopped) {
                (Some(cause), _) => writeln!(out, "  {} not measured: {cause}", e.name)?,
                (None, Some(why)) => writeln!(out, "  {} stopped early: {why}", e.name)?,
                (None, None) => {}
            }
        }
        for line in crate::writes_lines(load) {
            writeln!(out, "{line}")?;
        }
    }
    if let Some(extended) = &report.extended {
        writeln!(out)?;
        writeln!(
            out,
            "{} — {}/{} ({}), scored apart from the 71",
            steth_core::Section::Extended.title(),
            extended.score,
            extended.max,
            percent(extended.percent)
        )?;
        let items: Vec<&ItemResult> = extended.items.iter().collect();
        writeln!(out, "{}", item_table(&items, style))?;
    }
    writeln!(out)?;
    writeln!(out, "Score")?;
    let mut t = table(style);
    t.set_header(vec!["section", "score", "max", "%"]);
    for s in &report.sections {
        t.add_row(vec![
            format!("{}. {}", s.number, s.title),
            s.score.to_string(),
            s.max.to_string(),
            section_percent(s),
        ]);
    }
    t.add_row(vec![
        "Total".to_string(),
        report.total.score.to_string(),
        report.total.max.to_string(),
        percent(report.total.percent),
    ]);
    writeln!(out, "{t}")?;
    let total = &report.total;
    writeln!(
        out,
        "Verdict: {} — {}: {}",
        score_line(total.percent, total.assessed.percent, total.assessed.max),
        total.band_label,
        total.advice
    )?;
    let c = &report.coverage;
    writeln!(
        out,
        "Coverage: {} measured, {} attested, {} not assessed, {} error, {} n/a",
        c.measured, c.attested, c.not_assessed, c.error, c.na
    )?;
    if c.not_assessed + c.error > 0 {
        writeln!(out, "  items not measured score 0; `stethoscope explain ID` says what each needs")?;
    }
    writeln!(out)?;
    if report.actions.is_empty() {
        writeln!(out, "Top actions: none — no item failed")?;
    } else {
        writeln!(out, "Top {} actions:", report.actions.len())?;
        for (n, a) in report.actions.iter().enumerate() {
            let measured = a.measured.as_deref().unwrap_or("");
            writeln!(out, "  {}. [{}] {} — {measured} (threshold {})", n + 1, a.id, a.title, a.threshold)?;
            writeln!(out, "     {}", a.evidence)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample;

    fn text(style: Style) -> String {
        let mut out = Vec::new();
        render(&sample(), style, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn terminal_snapshot() {
        insta::assert_snapshot!(text(Style { color: false, width: Some(140) }));
    }

    #[test]
    fn no_colour_codes_without_colour() {
        assert!(!text(Style { color: false, width: None }).contains('\u{1b}'));
        assert!(text(Style { color: true, width: None }).contains('\u{1b}'));
    }
}
