//! Renders a diff of two audits (`stethoscope diff`): terminal text, JSON or Markdown.

use steth_core::diff::{Diff, EndpointChange, FindingChange, ItemChange, LatencyVerdict, Side};

/// A diff's output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    /// Plain text for a terminal.
    Terminal,
    /// The diff as JSON.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
}

impl DiffFormat {
    /// Parses a format name.
    pub fn parse(name: &str) -> Option<DiffFormat> {
        match name {
            "terminal" | "text" => Some(DiffFormat::Terminal),
            "json" => Some(DiffFormat::Json),
            "markdown" | "md" => Some(DiffFormat::Markdown),
            _ => None,
        }
    }
}

/// Renders a diff.
pub fn render(d: &Diff, format: DiffFormat, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        DiffFormat::Terminal => text(d, false, out),
        DiffFormat::Markdown => text(d, true, out),
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, d)?;
            writeln!(out)
        }
    }
}

/// The one line `--fail-on-regression` prints on stderr when it fails.
pub fn regression_line(d: &Diff) -> String {
    let mut parts = Vec::new();
    if !d.new_failures.is_empty() {
        let ids: Vec<&str> = d.new_failures.iter().map(|c| c.id.as_str()).collect();
        parts.push(format!("{} new failure(s) ({})", ids.len(), ids.join(", ")));
    }
    let slower: Vec<String> = d
        .endpoints
        .iter()
        .filter(|e| e.verdict == LatencyVerdict::Regression)
        .map(|e| format!("{} p99 {:.1} → {:.1} ms", e.name, e.p99_before, e.p99_after))
        .collect();
    if !slower.is_empty() {
        parts.push(format!("{} latency regression(s) ({})", slower.len(), slower.join(", ")));
    }
    format!("regression against {}: {}", d.before.label, parts.join(" and "))
}

fn side(s: &Side) -> String {
    let mut parts = vec![s.started_at.replace('T', " ").trim_end_matches('Z').to_string()];
    if let Some(c) = &s.commit {
        parts.push(format!("commit {}", c.chars().take(8).collect::<String>()));
    }
    format!("{} ({})", s.label, parts.join(", "))
}

fn percent(p: Option<f64>) -> String {
    p.map_or("–".to_string(), |p| format!("{p:.0} %"))
}

fn change_line(c: &ItemChange, md: bool) -> String {
    let measured = match (&c.measured_before, &c.measured_after) {
        (Some(a), Some(b)) if a != b => format!(" — {b} (was {a})"),
        (_, Some(b)) => format!(" — {b}"),
        (Some(a), None) => format!(" — was {a}"),
        (None, None) => String::new(),
    };
    let (id, bullet) = if md { (format!("**{}**", c.id), "- ") } else { (c.id.clone(), "  ") };
    format!(
        "{bullet}{id} {}: {} {} → {} {}{measured}",
        c.title,
        c.before.symbol(),
        c.before.word(),
        c.after.symbol(),
        c.after.word()
    )
}

fn finding_line(f: &FindingChange, md: bool) -> String {
    if md {
        format!("- **{}** {}: `{}`", f.id, f.title, f.finding.replace('`', "'"))
    } else {
        format!("  {} {}: {}", f.id, f.title, f.finding)
    }
}

fn endpoint_cells(e: &EndpointChange) -> [String; 5] {
    let delta = e.p99_after - e.p99_before;
    let pct = if e.p99_before > 0.0 { format!(", {:+.0} %", delta / e.p99_before * 100.0) } else { String::new() };
    let verdict = match e.verdict {
        LatencyVerdict::Regression => "regression".to_string(),
        LatencyVerdict::Improvement => "faster".to_string(),
        LatencyVerdict::Noise => "within noise".to_string(),
        LatencyVerdict::NotComparable => format!("not comparable ({})", e.why.as_deref().unwrap_or("no latency")),
    };
    [
        e.name.clone(),
        format!("{:.1} → {:.1} ms", e.p50_before, e.p50_after),
        format!("{:.1} → {:.1} ms ({delta:+.1} ms{pct})", e.p99_before, e.p99_after),
        format!("{:.1} → {:.1}/s", e.rate_before, e.rate_after),
        verdict,
    ]
}

fn text(d: &Diff, md: bool, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let heading = |w: &mut dyn std::io::Write, title: &str, n: usize| -> std::io::Result<()> {
        if md { writeln!(w, "\n### {title} ({n})\n") } else { writeln!(w, "\n{title} ({n}):") }
    };
    if md {
        writeln!(w, "## stethoscope diff: {} → {}\n", side(&d.before), side(&d.after))?;
    } else {
        writeln!(w, "stethoscope diff: {} → {}", side(&d.before), side(&d.after))?;
    }
    let band = if d.before.band_label == d.after.band_label {
        format!("band unchanged: {}", d.after.band_label)
    } else {
        format!("{} → {}", d.before.band_label, d.after.band_label)
    };
    writeln!(w, "Score: {} → {} ({band})", percent(d.before.percent), percent(d.after.percent))?;
    if d.before.target != d.after.target {
        writeln!(
            w,
            "{}Targets differ: {} → {}",
            if md { "\n" } else { "" },
            d.before.target.as_deref().unwrap_or("(none)"),
            d.after.target.as_deref().unwrap_or("(none)")
        )?;
    }
    for (title, changes) in
        [("New failures", &d.new_failures), ("Fixed", &d.fixed), ("Other status changes", &d.other_changes)]
    {
        if changes.is_empty() {
            continue;
        }
        heading(w, title, changes.len())?;
        for c in changes {
            writeln!(w, "{}", change_line(c, md))?;
        }
    }
    for (title, findings) in [("New findings", &d.new_findings), ("Fixed findings", &d.fixed_findings)] {
        if findings.is_empty() {
            continue;
        }
        heading(w, title, findings.len())?;
        for f in findings {
            writeln!(w, "{}", finding_line(f, md))?;
        }
    }
    if d.new_failures.is_empty()
        && d.fixed.is_empty()
        && d.other_changes.is_empty()
        && d.new_findings.is_empty()
        && d.fixed_findings.is_empty()
    {
        writeln!(w, "\nNo item changed status and no finding appeared or went away.")?;
    }
    if !d.only_before.is_empty() || !d.only_after.is_empty() {
        writeln!(
            w,
            "\nIn one run only (another selection; not compared): {}{}",
            if d.only_before.is_empty() { String::new() } else { format!("before {}", d.only_before.join(", ")) },
            if d.only_after.is_empty() {
                String::new()
            } else {
                format!("{}after {}", if d.only_before.is_empty() { "" } else { "; " }, d.only_after.join(", "))
            }
        )?;
    }
    if !d.endpoints.is_empty() {
        heading(w, "Endpoint latency", d.endpoints.len())?;
        if md {
            writeln!(w, "| endpoint | p50 | p99 | throughput | verdict |\n|---|---|---|---|---|")?;
            for e in &d.endpoints {
                writeln!(w, "| {} |", endpoint_cells(e).join(" | "))?;
            }
        } else {
            let mut table = comfy_table::Table::new();
            table.load_style(comfy_table::presets::NOTHING).set_header([
                "endpoint",
                "p50",
                "p99",
                "throughput",
                "verdict",
            ]);
            for e in &d.endpoints {
                table.add_row(endpoint_cells(e));
            }
            writeln!(w, "{table}")?;
        }
    }
    writeln!(w, "\nNoise rule: {}.", d.noise_rule)?;
    if d.regressions == 0 {
        writeln!(w, "No regression.")
    } else {
        let line = regression_line(d);
        if md { writeln!(w, "**{line}.**") } else { writeln!(w, "{line}.") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample;
    use steth_core::Status;
    use steth_core::diff::{Side, diff};

    fn two() -> Diff {
        let a = sample();
        let mut b = sample();
        // 2.2 fixed, 2.6 newly failing, 6.9 one finding fixed and one new, 1.1 slower past the rule.
        let i = b.items.iter().position(|i| i.id == "2.2").unwrap();
        b.items[i].status = Status::Pass;
        b.items[i].findings.clear();
        let i = b.items.iter().position(|i| i.id == "2.6").unwrap();
        b.items[i].status = Status::Fail;
        let i = b.items.iter().position(|i| i.id == "6.9").unwrap();
        b.items[i].findings =
            vec!["GET /: Content-Security-Policy missing".into(), "GET /cart: X-Frame-Options missing".into()];
        let rows = &mut b.load.as_mut().unwrap().endpoints;
        rows[0].p99_ms = rows[0].p99_ms * 1.5 + 10.0;
        diff(Side::of("run 1", &a, None), &a, Side::of("run 2", &b, Some("abcdef0123".into())), &b)
    }

    #[test]
    fn the_diff_groups_changes_and_counts_regressions() {
        let d = two();
        assert_eq!(d.new_failures.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["2.6"]);
        assert_eq!(d.fixed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["2.2"]);
        assert_eq!(
            d.new_findings.iter().map(|f| f.finding.as_str()).collect::<Vec<_>>(),
            ["GET /cart: X-Frame-Options missing"]
        );
        assert_eq!(d.fixed_findings.len(), 2, "2.2's index finding and 6.9's /products header");
        assert_eq!(d.endpoints[0].verdict, LatencyVerdict::Regression);
        assert_eq!(d.regressions, 2);
        let line = regression_line(&d);
        assert!(
            line.starts_with(
                "regression against run 1: 1 new failure(s) (2.6) and 1 latency regression(s) (GET /products p99"
            ),
            "{line}"
        );
    }

    #[test]
    fn diff_renders_in_every_format() {
        let d = two();
        let mut out = Vec::new();
        render(&d, DiffFormat::Terminal, &mut out).unwrap();
        let terminal = String::from_utf8(out).unwrap();
        insta::assert_snapshot!("diff_terminal", terminal);
        let mut out = Vec::new();
        render(&d, DiffFormat::Markdown, &mut out).unwrap();
        let md = String::from_utf8(out).unwrap();
        assert!(md.contains("### New failures (1)") && md.contains("| endpoint | p50 | p99 |"), "{md}");
        assert!(md.contains("Noise rule: a latency change counts only when an endpoint's p99 moves by more than 20 %"));
        let mut out = Vec::new();
        render(&d, DiffFormat::Json, &mut out).unwrap();
        let back: Diff = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn a_run_against_itself_has_no_regression() {
        let a = sample();
        let d = diff(Side::of("a.json", &a, None), &a, Side::of("a.json", &a, None), &a);
        assert_eq!(d.regressions, 0);
        let mut out = Vec::new();
        render(&d, DiffFormat::Terminal, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("No item changed status") && text.ends_with("No regression.\n"), "{text}");
    }
}
