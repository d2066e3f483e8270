//! The Markdown report, shaped for a pull-request comment: verdict first, details folded.

use std::io::{self, Write};
use steth_core::outcome::Status;
use steth_core::report::Report;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn percent(p: Option<f64>) -> String {
    p.map_or("–".to_string(), |p| format!("{p:.0} %"))
}

fn symbol(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Fail => "❌",
        Status::Warn => "⚠️",
        Status::NotAssessed => "➖",
        Status::Error => "❗",
        Status::Attested => "📝",
        Status::Na => "n/a",
    }
}

/// Writes the Markdown report.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let total = &report.total;
    writeln!(
        out,
        "## stethoscope: {} — {}",
        crate::terminal::score_line(total.percent, total.assessed.percent, total.assessed.max),
        total.band_label
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "**{}/{}** points · {}. Coverage: {} measured, {} attested, {} not assessed, {} error, {} n/a.",
        total.score,
        total.max,
        total.advice,
        report.coverage.measured,
        report.coverage.attested,
        report.coverage.not_assessed,
        report.coverage.error,
        report.coverage.na
    )?;
    if let Some(target) = &report.run.target {
        writeln!(out)?;
        writeln!(out, "Target `{target}`, started {}.", report.run.started_at)?;
    }
    writeln!(out)?;
    if report.actions.is_empty() {
        writeln!(out, "### Top actions\n\nNo item failed.")?;
    } else {
        writeln!(out, "### Top actions\n")?;
        for (n, a) in report.actions.iter().enumerate() {
            writeln!(
                out,
                "{}. **{} {}** — {} (threshold {}): {}",
                n + 1,
                a.id,
                a.title,
                a.measured.as_deref().unwrap_or(""),
                a.threshold,
                a.evidence
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "### Scores\n")?;
    writeln!(out, "| section | score | max | % |")?;
    writeln!(out, "|---|---:|---:|---:|")?;
    for s in &report.sections {
        let pct = if s.assessed == 0 && s.max > 0 { "not assessed".to_string() } else { percent(s.percent) };
        writeln!(out, "| {}. {} | {} | {} | {pct} |", s.number, s.title, s.score, s.max)?;
    }
    writeln!(out, "| **Total** | **{}** | **{}** | **{}** |", total.score, total.max, percent(total.percent))?;
    for section in &report.sections {
        writeln!(out)?;
        writeln!(
            out,
            "<details><summary>{}. {} — {}/{}</summary>\n",
            section.number, section.title, section.score, section.max
        )?;
        writeln!(out, "| | id | item | measured | threshold | evidence |")?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for item in report.section_items(section.section) {
            let measured = item.measured.as_deref().unwrap_or(item.status.word());
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                symbol(item.status),
                item.id,
                cell(&item.title),
                cell(measured),
                cell(&item.threshold),
                cell(&item.evidence)
            )?;
        }
        for item in report.section_items(section.section).filter(|i| !i.findings.is_empty()) {
            writeln!(out, "\n{} findings:\n", item.id)?;
            for f in &item.findings {
                writeln!(out, "- `{}`", f.replace('`', "'"))?;
            }
        }
        writeln!(out, "\n</details>")?;
    }
    if let Some(writes) = report.raw_evidence.as_ref().and_then(|e| e.http.data()).map(|h| &h.writes)
        && !writes.is_empty()
    {
        writeln!(out, "\n```text\n{}\n```", crate::probe_writes_lines(writes).join("\n"))?;
    }
    if let Some(load) = &report.load {
        let lines = crate::writes_lines(load);
        if !lines.is_empty() {
            writeln!(out, "\n```text\n{}\n```", lines.join("\n"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample;

    #[test]
    fn markdown_snapshot() {
        let mut out = Vec::new();
        render(&sample(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }
}
