//! The HTML report: one self-contained page a person reads once and keeps. Inline CSS and
//! hand-written inline SVG; no script, no font, image or style sheet fetched from anywhere, so it
//! reads the same offline and as a mail attachment. Every text from the report passes through
//! [`escape`]; the page links only to its own anchors, and its Content-Security-Policy
//! (`default-src 'none'`) keeps a browser from running or fetching anything even if some text
//! slipped through.

use std::fmt::Write as _;
use std::io::{self, Write};
use steth_core::catalog::Severity;
use steth_core::outcome::Status;
use steth_core::report::{EndpointRow, ItemResult, PhaseRow, Report, SectionScore};
use steth_core::threshold::format_ms as ms;

/// Findings shown per item; the rest are counted (the JSON report keeps them all).
const MAX_FINDINGS: usize = 100;

/// Escapes text for HTML element content and for quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A finite number for SVG coordinates (NaN or infinity from a broken report become 0).
fn num(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// The CSS class of a status.
fn class(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Warn => "warn",
        Status::NotAssessed => "not-assessed",
        Status::Error => "error",
        Status::Attested => "attested",
        Status::Na => "na",
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

/// The colour class of a percentage, Lighthouse's three bands.
fn grade(percent: Option<f64>) -> &'static str {
    match percent {
        Some(p) if p >= 90.0 => "good",
        Some(p) if p >= 50.0 => "average",
        Some(_) => "poor",
        None => "none",
    }
}

fn percent(p: Option<f64>) -> String {
    p.map_or("–".to_string(), |p| format!("{:.0} %", num(p)))
}

/// An id safe for an HTML id attribute: item ids are digits and dots, others are mapped.
fn anchor(prefix: &str, text: &str) -> String {
    let body: String = text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
    format!("{prefix}-{body}")
}

const CSS: &str = r#"
:root{--bg:#fff;--fg:#202124;--muted:#5f6368;--line:#dadce0;--card:#f8f9fa;--good:#0c7a3e;--good-bg:#e6f4ea;
--average:#b45309;--average-bg:#fef3e2;--poor:#c5221f;--poor-bg:#fce8e6;--none:#80868b;--none-bg:#f1f3f4;
--info:#1a73e8;--info-bg:#e8f0fe;--err:#8e24aa;--err-bg:#f3e8fd;--c1:#1a73e8;--c2:#12a4af;--c3:#e37400;--c4:#c5221f;
--track:#e8eaed;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#202124;--fg:#e8eaed;--muted:#9aa0a6;--line:#3c4043;--card:#292a2d;
--good:#5bd38a;--good-bg:#1e3a2a;--average:#fbbc4a;--average-bg:#3d3020;--poor:#f28b82;--poor-bg:#3f2523;--none:#9aa0a6;
--none-bg:#303134;--info:#8ab4f8;--info-bg:#1f2d45;--err:#d7aefb;--err-bg:#35264a;--c1:#8ab4f8;--c2:#4ecde6;--c3:#fcad70;
--c4:#f28b82;--track:#3c4043}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main,header,footer{max-width:1100px;margin:0 auto;padding:0 24px}
header{padding-top:24px;border-bottom:1px solid var(--line);padding-bottom:12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:20px 0 8px}
.meta{color:var(--muted);margin:0}.meta code{color:var(--fg)}
code{font:12.5px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;overflow-wrap:anywhere}
.summary{display:flex;gap:32px;align-items:center;flex-wrap:wrap;margin-top:20px}
.gauge{flex:0 0 auto;text-align:center}.gauge p{margin:4px 0 0;font-weight:600}
.verdict{flex:1 1 420px}.verdict p{margin:6px 0}
.band{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600}
.good{color:var(--good)}.average{color:var(--average)}.poor{color:var(--poor)}.none{color:var(--none)}
.band.good{background:var(--good-bg)}.band.average{background:var(--average-bg)}.band.poor{background:var(--poor-bg)}.band.none{background:var(--none-bg)}
svg{display:block;max-width:100%;height:auto}svg text{fill:var(--fg);font:12px system-ui,"DejaVu Sans",sans-serif}
svg .muted{fill:var(--muted)}svg .track{fill:var(--track)}svg .grid{stroke:var(--line);stroke-width:1}
svg .good{fill:var(--good)}svg .average{fill:var(--average)}svg .poor{fill:var(--poor)}svg .none{fill:var(--none)}
svg .s1{fill:var(--c1)}svg .s2{fill:var(--c2)}svg .s3{fill:var(--c3)}svg .s4{fill:var(--c4)}
svg .l1{stroke:var(--c1)}svg .l2{stroke:var(--c2)}svg .l3{stroke:var(--c3)}svg .l4{stroke:var(--c4)}
svg .line{fill:none;stroke-width:2}svg .target{stroke:var(--poor);stroke-dasharray:5 4;stroke-width:1.5}
svg .ring{fill:none;stroke-width:10;stroke-linecap:round}svg .ring.good{stroke:var(--good)}svg .ring.average{stroke:var(--average)}
svg .ring.poor{stroke:var(--poor)}svg .ring.none{stroke:var(--none)}svg .ring.track{stroke:var(--track);fill:none}
svg .big{font-size:30px;font-weight:700}
svg .cov-measured{fill:var(--good)}svg .cov-attested{fill:var(--info)}svg .cov-not{fill:var(--none)}svg .cov-error{fill:var(--err)}svg .cov-na{fill:var(--track)}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:6px 0 0;padding:0;list-style:none;color:var(--muted);font-size:12.5px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.k-measured{background:var(--good)}.k-attested{background:var(--info)}.k-not{background:var(--none)}.k-error{background:var(--err)}.k-na{background:var(--track)}
.k1{background:var(--c1)}.k2{background:var(--c2)}.k3{background:var(--c3)}.k4{background:var(--c4)}
ol.actions{padding-left:0;list-style:none;counter-reset:a;margin:0}
ol.actions li{counter-increment:a;background:var(--card);border:1px solid var(--line);border-left:4px solid var(--poor);border-radius:6px;padding:10px 14px 10px 44px;margin:8px 0;position:relative}
ol.actions li::before{content:counter(a);position:absolute;left:14px;top:10px;font-weight:700;color:var(--poor)}
ol.actions p{margin:2px 0}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{font-weight:600;color:var(--muted);font-size:12.5px;background:var(--card)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.st{display:inline-block;min-width:86px;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.st.pass{color:var(--good);background:var(--good-bg)}.st.fail{color:var(--poor);background:var(--poor-bg)}
.st.warn{color:var(--average);background:var(--average-bg)}.st.not-assessed,.st.na{color:var(--none);background:var(--none-bg)}
.st.error{color:var(--err);background:var(--err-bg)}.st.attested{color:var(--info);background:var(--info-bg)}
tr.fail td:first-child{box-shadow:inset 3px 0 var(--poor)}tr.warn td:first-child{box-shadow:inset 3px 0 var(--average)}
.items td:nth-child(2){white-space:nowrap}
a{color:var(--info)}.items{table-layout:fixed}.items th:nth-child(1){width:124px}.items th:nth-child(2){width:52px}
.items th:nth-child(3){width:21%}.items th:nth-child(4){width:21%}.items th:nth-child(5){width:13%}
details{margin-top:4px}summary{cursor:pointer;color:var(--info);font-size:12.5px}
details ul{margin:4px 0;padding-left:18px}details li{margin:2px 0}
.endpoint{border:1px solid var(--line);border-radius:8px;padding:4px 16px 8px;margin:16px 0;break-inside:avoid}
.endpoint h3{display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:8px 24px}
.charts figure{margin:0}.charts figcaption{color:var(--muted);font-size:12.5px;display:flex;flex-wrap:wrap;gap:4px 12px}
.note{color:var(--muted);font-size:12.5px}
.group{margin:8px 0 16px}.group p{margin:4px 0}
footer{color:var(--muted);font-size:12.5px;padding:24px;border-top:1px solid var(--line);margin-top:32px}
@media print{body{background:#fff;color:#000;font-size:11px}main,header,footer{max-width:none;padding:0}
h2{break-after:avoid}.endpoint,tr,ol.actions li{break-inside:avoid}summary{color:#000}
details::details-content{content-visibility:visible;display:block}
.charts{grid-template-columns:1fr 1fr}}
"#;

/// Writes the HTML report.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(page(report).as_bytes())
}

/// The whole page as a string.
pub fn page(report: &Report) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let target = report.run.target.as_deref().unwrap_or("no HTTP target");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"generator\" content=\"stethoscope {}\">\n<title>stethoscope report — {}</title>\n<style>{}</style>\n</head>\n<body>\n",
        escape(&report.tool.version),
        escape(target),
        CSS
    );
    header(&mut h, report);
    h.push_str("<main>\n");
    summary(&mut h, report);
    sections_chart(&mut h, report);
    actions(&mut h, report);
    endpoints(&mut h, report);
    items(&mut h, report);
    not_assessed(&mut h, report);
    about(&mut h, report);
    h.push_str("</main>\n");
    let _ = write!(
        h,
        "<footer>Generated by stethoscope {} from the report's data alone (JSON schema version {}). \
         The JSON report holds every finding and the raw evidence.</footer>\n</body>\n</html>\n",
        escape(&report.tool.version),
        report.schema_version
    );
    h
}

fn header(h: &mut String, report: &Report) {
    let run = &report.run;
    h.push_str("<header>\n<h1>stethoscope — backend audit</h1>\n");
    let _ = write!(
        h,
        "<p class=\"meta\">Target <code>{}</code> · started {} · took {:.1} s",
        escape(run.target.as_deref().unwrap_or("none")),
        escape(&run.started_at),
        run.duration_ms as f64 / 1000.0
    );
    if let Some(config) = &run.config {
        let _ = write!(h, " · config <code>{}</code>", escape(config));
    }
    if let Some(sel) = &run.selection {
        let _ = write!(h, " · selection <code>{}</code>", escape(sel));
    }
    h.push_str("</p>\n");
    if !run.sources.is_empty() {
        h.push_str("<p class=\"meta\">Evidence sources: ");
        let parts: Vec<String> = run
            .sources
            .iter()
            .map(|s| {
                format!(
                    "<a href=\"#source-{}\">{}</a> <b>{}</b>",
                    escape(&s.name),
                    escape(&s.name),
                    escape(&s.state.to_string())
                )
            })
            .collect();
        h.push_str(&parts.join(" · "));
        h.push_str("</p>\n");
    }
    h.push_str("</header>\n");
}

/// The score ring, the band and the coverage bar.
fn summary(h: &mut String, report: &Report) {
    let total = &report.total;
    let g = grade(total.percent);
    let p = num(total.percent.unwrap_or(0.0)).clamp(0.0, 100.0);
    let circumference = 2.0 * std::f64::consts::PI * 52.0;
    let label = format!("Checklist score {}: {} of {} points", percent(total.percent), total.score, total.max);
    h.push_str("<section aria-labelledby=\"h-score\">\n<h2 id=\"h-score\">Score</h2>\n<div class=\"summary\">\n<div class=\"gauge\">\n");
    let _ = writeln!(
        h,
        "<svg role=\"img\" aria-labelledby=\"t-gauge\" width=\"140\" height=\"140\" viewBox=\"0 0 140 140\">\
         <title id=\"t-gauge\">{}</title>\
         <circle class=\"ring track\" cx=\"70\" cy=\"70\" r=\"52\"/>\
         <circle class=\"ring {g}\" cx=\"70\" cy=\"70\" r=\"52\" stroke-dasharray=\"{:.1} {:.1}\" transform=\"rotate(-90 70 70)\"/>\
         <text class=\"big {g}\" x=\"70\" y=\"80\" text-anchor=\"middle\">{}</text></svg>",
        escape(&label),
        circumference * p / 100.0,
        circumference,
        total.percent.map_or("–".to_string(), |p| format!("{:.0}", num(p)))
    );
    let _ = write!(h, "<p>{}/{} points</p>\n</div>\n<div class=\"verdict\">\n", total.score, total.max);
    let _ = writeln!(h, "<p><span class=\"band {g}\">{}</span></p>", escape(&total.band_label));
    let _ = writeln!(h, "<p>{}.</p>", escape(&capitalise(&total.advice)));
    let _ = writeln!(
        h,
        "<p class=\"note\">{} of the checklist; {} of the {} assessed item(s). Items not measured score 0.</p>",
        percent(total.percent),
        percent(total.assessed.percent),
        total.assessed.max
    );
    coverage(h, report);
    h.push_str("</div>\n</div>\n</section>\n");
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn coverage(h: &mut String, report: &Report) {
    let c = &report.coverage;
    let parts = [
        ("measured", "cov-measured", "k-measured", c.measured),
        ("attested", "cov-attested", "k-attested", c.attested),
        ("not assessed", "cov-not", "k-not", c.not_assessed),
        ("error", "cov-error", "k-error", c.error),
        ("n/a", "cov-na", "k-na", c.na),
    ];
    let all: u32 = parts.iter().map(|p| p.3).sum();
    let words: Vec<String> = parts.iter().map(|(w, _, _, n)| format!("{n} {w}")).collect();
    let label = format!("Coverage: {}", words.join(", "));
    let _ = write!(
        h,
        "<svg role=\"img\" aria-labelledby=\"t-coverage\" width=\"480\" height=\"18\" viewBox=\"0 0 480 18\">\
         <title id=\"t-coverage\">{}</title><rect class=\"track\" x=\"0\" y=\"0\" width=\"480\" height=\"18\" rx=\"4\"/>",
        escape(&label)
    );
    let mut x = 0.0;
    for (_, class, _, n) in parts {
        if n == 0 || all == 0 {
            continue;
        }
        let w = 480.0 * f64::from(n) / f64::from(all);
        let _ = write!(h, "<rect class=\"{class}\" x=\"{x:.1}\" y=\"0\" width=\"{w:.1}\" height=\"18\"/>");
        x += w;
    }
    h.push_str("</svg>\n<ul class=\"legend\">");
    for (word, _, key, n) in parts {
        let _ = write!(h, "<li><i class=\"{key}\"></i>{n} {word}</li>");
    }
    h.push_str("</ul>\n");
}

/// A horizontal bar per section, and the extended items' score as the last bar.
fn sections_chart(h: &mut String, report: &Report) {
    h.push_str("<section aria-labelledby=\"h-sections\">\n<h2 id=\"h-sections\">Section scores</h2>\n");
    let mut rows: Vec<(String, Option<f64>, String)> = report
        .sections
        .iter()
        .map(|s| (format!("{}. {}", s.number, s.title), section_value(s), section_text(s)))
        .collect();
    if let Some(x) = &report.extended {
        rows.push((
            "Extended items (scored apart)".to_string(),
            x.percent,
            format!("{}/{} · {}", x.score, x.max, percent(x.percent)),
        ));
    }
    let row_h = 26.0;
    let height = row_h * rows.len() as f64 + 8.0;
    let (label_w, bar_w) = (250.0, 560.0);
    let summary: Vec<String> = rows.iter().map(|(name, _, text)| format!("{name}: {text}")).collect();
    let _ = write!(
        h,
        "<svg role=\"img\" aria-labelledby=\"t-sections\" width=\"960\" height=\"{height:.0}\" viewBox=\"0 0 960 {height:.0}\">\
         <title id=\"t-sections\">Section scores. {}</title>",
        escape(&summary.join("; "))
    );
    for (n, (name, value, text)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * n as f64;
        let g = grade(*value);
        let _ = write!(
            h,
            "<text x=\"0\" y=\"{:.1}\">{}</text><rect class=\"track\" x=\"{label_w}\" y=\"{:.1}\" width=\"{bar_w}\" height=\"16\" rx=\"3\"/>",
            y + 13.0,
            escape(name),
            y + 1.0
        );
        if let Some(v) = value {
            let w = bar_w * num(*v).clamp(0.0, 100.0) / 100.0;
            let _ = write!(
                h,
                "<rect class=\"{g}\" x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"16\" rx=\"3\"/>",
                y + 1.0
            );
        }
        let _ = write!(
            h,
            "<text class=\"muted\" x=\"{:.0}\" y=\"{:.1}\">{}</text>",
            label_w + bar_w + 10.0,
            y + 13.0,
            escape(text)
        );
    }
    h.push_str("</svg>\n");
    h.push_str("<ul class=\"legend\"><li><i style=\"background:var(--good)\"></i>90–100 %</li><li><i style=\"background:var(--average)\"></i>50–89 %</li><li><i style=\"background:var(--poor)\"></i>below 50 %</li><li><i style=\"background:var(--track)\"></i>not assessed</li></ul>\n");
    h.push_str("</section>\n");
}

fn section_value(s: &SectionScore) -> Option<f64> {
    if s.assessed == 0 { None } else { s.percent }
}

fn section_text(s: &SectionScore) -> String {
    if s.assessed == 0 && s.max > 0 {
        format!("{}/{} · not assessed", s.score, s.max)
    } else {
        format!("{}/{} · {}", s.score, s.max, percent(s.percent))
    }
}

fn actions(h: &mut String, report: &Report) {
    h.push_str("<section aria-labelledby=\"h-actions\">\n<h2 id=\"h-actions\">Top actions</h2>\n");
    if report.actions.is_empty() {
        h.push_str("<p>No item failed.</p>\n</section>\n");
        return;
    }
    h.push_str("<ol class=\"actions\">\n");
    for a in &report.actions {
        let _ = writeln!(
            h,
            "<li><p><b><a href=\"#{}\">{}</a> {}</b> <span class=\"note\">severity {}</span></p><p>{}{}</p><p class=\"note\">{}</p></li>",
            escape(&anchor("item", &a.id)),
            escape(&a.id),
            escape(&a.title),
            severity(a.severity),
            a.measured.as_deref().map(|m| format!("<b>{}</b> ", escape(m))).unwrap_or_default(),
            escape(&format!("(threshold {})", a.threshold)),
            escape(&a.evidence)
        );
    }
    h.push_str("</ol>\n</section>\n");
}

/// Per endpoint: its phases as a bar chart, the percentile spectrum as a line chart, and a
/// table of the same figures with the database and cache work.
fn endpoints(h: &mut String, report: &Report) {
    let Some(load) = &report.load else {
        return;
    };
    h.push_str("<section aria-labelledby=\"h-endpoints\">\n<h2 id=\"h-endpoints\">Endpoints under load</h2>\n");
    let s = &load.settings;
    let _ = writeln!(
        h,
        "<p class=\"note\">{} req/s for {:.0} s per endpoint after a {:.0} s warm-up, baseline {} req/s{}{}. {}.</p>",
        num(s.rate),
        num(s.duration_secs),
        num(s.warmup_secs),
        num(s.baseline_rate),
        s.stress_factor.map(|f| format!(", stress ×{}", num(f))).unwrap_or_default(),
        s.soak_secs.map(|f| format!(", soak {:.0} s", num(f))).unwrap_or_default(),
        escape(&capitalise(&s.abort_bounds))
    );
    for (n, e) in load.endpoints.iter().enumerate() {
        endpoint(h, n, e);
    }
    let lines = crate::writes_lines(load);
    if !lines.is_empty() {
        h.push_str("<h3>Writes</h3>\n<ul>\n");
        for l in lines {
            let _ = writeln!(h, "<li>{}</li>", escape(l.trim()));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

fn endpoint(h: &mut String, n: usize, e: &EndpointRow) {
    let _ = write!(
        h,
        "<article class=\"endpoint\" id=\"{}\" aria-labelledby=\"h-ep-{n}\">\n<h3 id=\"h-ep-{n}\"><code>{}</code> <span class=\"st {}\">{}</span> <span class=\"note\">{}{}</span></h3>\n",
        escape(&anchor("endpoint", &n.to_string())),
        escape(&e.name),
        class(e.status),
        escape(e.status.word()),
        escape(&e.kind),
        e.target_ms.map(|t| format!(" · p99 target {}", ms(num(t)))).unwrap_or_default()
    );
    let _ = write!(
        h,
        "<p class=\"note\">Normal load: {} request(s), {:.1} successful/s, {} failure(s); p50 {}, p95 {}, p99 {}, max {}. \
         Connect {}, first byte {}, transfer {} (means); {:.1} requests per connection.",
        e.requests,
        num(e.achieved_rate),
        e.failures,
        ms(num(e.p50_ms)),
        ms(num(e.p95_ms)),
        ms(num(e.p99_ms)),
        ms(num(e.max_ms)),
        ms(num(e.connect_mean_ms)),
        ms(num(e.ttfb_mean_ms)),
        ms(num(e.transfer_mean_ms)),
        num(e.requests_per_connection)
    );
    if !e.server_timing.is_empty() {
        let parts: Vec<String> = e.server_timing.iter().map(|(k, v)| format!("{k} {}", ms(num(*v)))).collect();
        let _ = write!(h, " Server-Timing: {}.", escape(&parts.join(", ")));
    }
    h.push_str("</p>\n");
    if let Some(cause) = &e.cause {
        let _ = writeln!(h, "<p><b>No latency measurement:</b> {}</p>", escape(cause));
    }
    if let Some(stopped) = &e.stopped {
        let _ = writeln!(h, "<p><b>Stopped early:</b> {}</p>", escape(stopped));
    }
    if e.phases.is_empty() {
        // A report from before the phases were kept: the normal phase's figures only.
        h.push_str("</article>\n");
        return;
    }
    h.push_str("<div class=\"charts\">\n");
    phase_bars(h, n, e);
    spectrum(h, n, e);
    h.push_str("</div>\n");
    phase_table(h, e);
    h.push_str("</article>\n");
}

/// A chart's top, rounded up to 1, 2 or 5 times a power of ten, and how many grid steps divide
/// it into round numbers.
fn nice_top(v: f64) -> (f64, u32) {
    let v = num(v).max(0.1);
    let p = 10f64.powf(v.log10().floor());
    [(1.0, 4), (2.0, 4), (5.0, 5), (10.0, 4)]
        .into_iter()
        .map(|(m, steps)| (m * p, steps))
        .find(|(t, _)| *t >= v * 0.999_999)
        .unwrap_or((10.0 * p, 4))
}

/// The y axis: grid lines with their labels.
fn y_axis(h: &mut String, (top, steps): (f64, u32), x0: f64, x1: f64, y0: f64, plot_h: f64) {
    for k in 0..=steps {
        let v = top * f64::from(k) / f64::from(steps);
        let y = y0 + plot_h - plot_h * f64::from(k) / f64::from(steps);
        let label = if k == 0 { "0".to_string() } else { ms(v) };
        let _ = write!(
            h,
            "<line class=\"grid\" x1=\"{x0}\" x2=\"{x1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"muted\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 6.0,
            y + 4.0,
            escape(&label)
        );
    }
}

const PERCENTILES: [(&str, &str); 4] = [("p50", "s1"), ("p90", "s2"), ("p99", "s3"), ("max", "s4")];

/// p50, p90, p99 and max of each phase as grouped bars, the p99 target as a dashed line.
fn phase_bars(h: &mut String, n: usize, e: &EndpointRow) {
    let (w, ht) = (480.0, 230.0);
    let (x0, y0, plot_w, plot_h) = (60.0, 10.0, 410.0, 180.0);
    // The scale fits the measurements; a p99 target far above them is named, not drawn, so the
    // bars keep their height.
    let highest = e.phases.iter().map(|p| num(p.latency.max_ms)).fold(0.0, f64::max);
    let target = e.target_ms.map(num);
    let scale = nice_top(match target {
        Some(t) if t <= highest * 2.0 => highest.max(t),
        _ => highest,
    });
    let top = scale.0;
    let described: Vec<String> = e
        .phases
        .iter()
        .map(|p| {
            format!(
                "{}: p50 {}, p90 {}, p99 {}, max {}",
                p.phase,
                ms(num(p.latency.p50_ms)),
                ms(num(p.latency.p90_ms)),
                ms(num(p.latency.p99_ms)),
                ms(num(p.latency.max_ms))
            )
        })
        .collect();
    let _ = write!(
        h,
        "<figure><svg role=\"img\" aria-labelledby=\"t-bars-{n}\" width=\"{w}\" height=\"{ht}\" viewBox=\"0 0 {w} {ht}\">\
         <title id=\"t-bars-{n}\">Latency of {} per phase. {}</title>",
        escape(&e.name),
        escape(&described.join("; "))
    );
    y_axis(h, scale, x0, x0 + plot_w, y0, plot_h);
    let group_w = plot_w / e.phases.len().max(1) as f64;
    let bar_w = (group_w * 0.8 / 4.0).min(28.0);
    for (i, p) in e.phases.iter().enumerate() {
        let gx = x0 + group_w * i as f64 + (group_w - bar_w * 4.0) / 2.0;
        let values = [p.latency.p50_ms, p.latency.p90_ms, p.latency.p99_ms, p.latency.max_ms];
        for (k, ((label, class), v)) in PERCENTILES.iter().zip(values).enumerate() {
            let bh = plot_h * (num(v) / top).clamp(0.0, 1.0);
            let _ = write!(
                h,
                "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\"><title>{} {label} {}</title></rect>",
                gx + bar_w * k as f64,
                y0 + plot_h - bh,
                bar_w - 2.0,
                escape(p.phase.word()),
                escape(&ms(num(v)))
            );
        }
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.0}\" text-anchor=\"middle\">{}</text>",
            x0 + group_w * (i as f64 + 0.5),
            y0 + plot_h + 18.0,
            escape(p.phase.word())
        );
    }
    match target {
        Some(t) if t <= top => {
            let y = y0 + plot_h - plot_h * (t / top).clamp(0.0, 1.0);
            let _ = write!(
                h,
                "<line class=\"target\" x1=\"{x0}\" x2=\"{:.0}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"muted\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">p99 target {}</text>",
                x0 + plot_w,
                x0 + plot_w - 4.0,
                y + 14.0,
                escape(&ms(t))
            );
        }
        Some(t) => {
            let _ = write!(
                h,
                "<text class=\"muted\" x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">p99 target {} ↑ above the scale</text>",
                x0 + plot_w - 4.0,
                y0 + 14.0,
                escape(&ms(t))
            );
        }
        None => {}
    }
    h.push_str("</svg><figcaption>Latency per phase: ");
    legend(h, &PERCENTILES);
    h.push_str("</figcaption></figure>\n");
}

fn legend(h: &mut String, keys: &[(&str, &str)]) {
    h.push_str("<span class=\"legend\">");
    for (label, class) in keys {
        let key = class.replace(['s', 'l'], "k");
        let _ = write!(h, "<span><i class=\"{key}\"></i>{}</span>", escape(label));
    }
    h.push_str("</span>");
}

/// A percentile on the spectrum's x axis: its label, its position (log10(1 / (1 − p))) and its
/// value in a phase.
type Stop = (&'static str, f64, fn(&PhaseRow) -> f64);

/// The percentile spectrum of every phase, as an HDR histogram's percentile plot draws it:
/// the x axis spaced by log10(1 / (1 − p)), so the tail gets the room.
fn spectrum(h: &mut String, n: usize, e: &EndpointRow) {
    let (w, ht) = (480.0, 230.0);
    let (x0, y0, plot_w, plot_h) = (60.0, 10.0, 400.0, 180.0);
    let stops: [Stop; 7] = [
        ("50", 0.301, |p| p.latency.p50_ms),
        ("75", 0.602, |p| p.latency.p75_ms),
        ("90", 1.0, |p| p.latency.p90_ms),
        ("95", 1.301, |p| p.latency.p95_ms),
        ("99", 2.0, |p| p.latency.p99_ms),
        ("99.9", 3.0, |p| p.latency.p999_ms),
        ("max", 3.6, |p| p.latency.max_ms),
    ];
    let x_of = |pos: f64| x0 + plot_w * (pos - 0.301) / (3.6 - 0.301);
    let scale = nice_top(e.phases.iter().map(|p| num(p.latency.max_ms)).fold(0.0, f64::max));
    let top = scale.0;
    let _ = write!(
        h,
        "<figure><svg role=\"img\" aria-labelledby=\"t-spec-{n}\" width=\"{w}\" height=\"{ht}\" viewBox=\"0 0 {w} {ht}\">\
         <title id=\"t-spec-{n}\">Latency by percentile of {} (HDR percentile distribution), one line per phase</title>",
        escape(&e.name)
    );
    y_axis(h, scale, x0, x0 + plot_w, y0, plot_h);
    for (label, pos, _) in &stops {
        let _ = write!(
            h,
            "<text class=\"muted\" x=\"{:.1}\" y=\"{:.0}\" text-anchor=\"middle\">{label}</text>",
            x_of(*pos),
            y0 + plot_h + 18.0
        );
    }
    let mut keys = Vec::new();
    for (i, p) in e.phases.iter().enumerate() {
        let class = ["l1", "l2", "l3", "l4"][i % 4];
        let points: Vec<String> = stops
            .iter()
            .map(|(_, pos, get)| {
                format!("{:.1},{:.1}", x_of(*pos), y0 + plot_h - plot_h * (num(get(p)) / top).clamp(0.0, 1.0))
            })
            .collect();
        let _ = write!(
            h,
            "<polyline class=\"line {class}\" points=\"{}\"><title>{}</title></polyline>",
            points.join(" "),
            escape(p.phase.word())
        );
        keys.push((p.phase.word(), class));
    }
    h.push_str("</svg><figcaption>Latency by percentile: ");
    legend(h, &keys);
    h.push_str("</figcaption></figure>\n");
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("–".to_string(), |v| v.to_string())
}

fn phase_table(h: &mut String, e: &EndpointRow) {
    let _ = write!(
        h,
        "<table>\n<caption class=\"note\" style=\"text-align:left\">Phases of <code>{}</code>: latency, database and cache work</caption>\n\
         <thead><tr><th scope=\"col\">phase</th><th scope=\"col\" class=\"n\">requests</th><th scope=\"col\" class=\"n\">ok/s</th>\
         <th scope=\"col\" class=\"n\">p50</th><th scope=\"col\" class=\"n\">p90</th><th scope=\"col\" class=\"n\">p99</th><th scope=\"col\" class=\"n\">max</th>\
         <th scope=\"col\" class=\"n\">queries/request</th><th scope=\"col\" class=\"n\">seq scans (rows)</th><th scope=\"col\" class=\"n\">new DB connections</th>\
         <th scope=\"col\" class=\"n\">cache hit rate</th></tr></thead>\n<tbody>\n",
        escape(&e.name)
    );
    for p in &e.phases {
        let cache = match (p.cache_hits, p.cache_misses) {
            (Some(hits), Some(misses)) if hits + misses > 0 => {
                format!("{:.0} % ({hits}/{})", 100.0 * hits as f64 / (hits + misses) as f64, hits + misses)
            }
            (Some(_), Some(_)) => "no lookups".to_string(),
            _ => "–".to_string(),
        };
        let scans = match (p.seq_scans, p.seq_rows) {
            (Some(s), Some(r)) => format!("{s} ({r})"),
            (s, _) => opt(s),
        };
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{:.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(p.phase.word()),
            p.requests,
            num(p.achieved_rate),
            ms(num(p.latency.p50_ms)),
            ms(num(p.latency.p90_ms)),
            ms(num(p.latency.p99_ms)),
            ms(num(p.latency.max_ms)),
            p.queries_per_request.map_or("–".to_string(), |q| format!("{:.1}", num(q))),
            escape(&scans),
            opt(p.new_connections),
            escape(&cache)
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

/// Every item, a table per section, findings folded under their item.
fn items(h: &mut String, report: &Report) {
    h.push_str("<section aria-labelledby=\"h-items\">\n<h2 id=\"h-items\">Checklist items</h2>\n");
    for s in &report.sections {
        let list: Vec<&ItemResult> = report.section_items(s.section).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            h,
            "<h3 id=\"{}\">{}. {} <span class=\"note\">{}</span></h3>",
            escape(&anchor("section", &s.number.to_string())),
            s.number,
            escape(&s.title),
            escape(&section_text(s))
        );
        item_table(h, &list);
    }
    if let Some(x) = &report.extended {
        let _ = writeln!(
            h,
            "<h3 id=\"section-extended\">Extended items <span class=\"note\">{}/{} · {}, scored apart from the checklist</span></h3>",
            x.score,
            x.max,
            percent(x.percent)
        );
        let list: Vec<&ItemResult> = x.items.iter().collect();
        item_table(h, &list);
    }
    h.push_str("</section>\n");
}

fn item_table(h: &mut String, list: &[&ItemResult]) {
    h.push_str(
        "<table class=\"items\">\n<thead><tr><th scope=\"col\">status</th><th scope=\"col\">id</th><th scope=\"col\">item</th>\
         <th scope=\"col\">measured</th><th scope=\"col\">threshold</th><th scope=\"col\">evidence</th></tr></thead>\n<tbody>\n",
    );
    for item in list {
        let _ = write!(
            h,
            "<tr id=\"{}\" class=\"{}\" data-item=\"{}\"><td><span class=\"st {}\">{} {}</span></td><td><code>{}</code></td>\
             <td>{} <span class=\"note\">{}</span></td><td>{}</td><td>{}</td><td>{}",
            escape(&anchor("item", &item.id)),
            class(item.status),
            escape(&item.id),
            class(item.status),
            escape(item.status.symbol()),
            escape(item.status.word()),
            escape(&item.id),
            escape(&item.title),
            severity(item.severity),
            escape(item.measured.as_deref().unwrap_or("–")),
            escape(&item.threshold),
            escape(&item.evidence)
        );
        if !item.findings.is_empty() {
            let _ = write!(h, "<details><summary>{} finding(s)</summary><ul>", item.findings.len());
            for f in item.findings.iter().take(MAX_FINDINGS) {
                let _ = write!(h, "<li><code>{}</code></li>", escape(f));
            }
            if item.findings.len() > MAX_FINDINGS {
                let _ = write!(h, "<li>… and {} more in the JSON report</li>", item.findings.len() - MAX_FINDINGS);
            }
            h.push_str("</ul></details>");
        }
        h.push_str("</td></tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

/// Items without a verdict, grouped by what they lack: the reason the report gives is what
/// would enable them.
fn not_assessed(h: &mut String, report: &Report) {
    let all: Vec<&ItemResult> = report
        .items
        .iter()
        .chain(report.extended.iter().flat_map(|x| &x.items))
        .filter(|i| matches!(i.status, Status::NotAssessed | Status::Error))
        .collect();
    if all.is_empty() {
        return;
    }
    h.push_str("<section aria-labelledby=\"h-not-assessed\">\n<h2 id=\"h-not-assessed\">Not assessed, and what would enable each</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">{} item(s) got no verdict and score 0, grouped by the reason the audit gave, which names what would \
         enable them. <code>stethoscope explain ID</code> says what each item needs; a practice nothing here can measure can be \
         vouched for in the config's <code>[attest]</code> table (<code>\"7.6\" = \"blue/green via Argo Rollouts\"</code>) and is \
         shown as attested.</p>",
        all.len()
    );
    let mut groups: Vec<(String, Vec<&ItemResult>)> = Vec::new();
    for item in all {
        let reason =
            if item.status == Status::Error { format!("error: {}", item.evidence) } else { item.evidence.clone() };
        match groups.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, list)) => list.push(item),
            None => groups.push((reason, vec![item])),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    for (reason, list) in groups {
        let _ = write!(h, "<div class=\"group\"><p><b>{}</b></p><ul>", escape(&capitalise(&reason)));
        for item in list {
            let _ = write!(
                h,
                "<li><a href=\"#{}\"><code>{}</code></a> {} <span class=\"note\">(uses {})</span></li>",
                escape(&anchor("item", &item.id)),
                escape(&item.id),
                escape(&item.title),
                escape(&item.sources.join(", "))
            );
        }
        h.push_str("</ul></div>\n");
    }
    h.push_str("</section>\n");
}

/// The run's sources with where each pointed (redacted) or why it was not used, and the
/// requests the probes sent that may have changed data.
fn about(h: &mut String, report: &Report) {
    h.push_str("<section aria-labelledby=\"h-run\">\n<h2 id=\"h-run\">About this run</h2>\n");
    if !report.run.sources.is_empty() {
        h.push_str(
            "<table>\n<thead><tr><th scope=\"col\">evidence source</th><th scope=\"col\">state</th>\
             <th scope=\"col\">where it pointed, or why it was not used</th></tr></thead>\n<tbody>\n",
        );
        for s in &report.run.sources {
            let _ = writeln!(
                h,
                "<tr id=\"{}\"><th scope=\"row\">{}</th><td>{}</td><td><code>{}</code></td></tr>",
                escape(&anchor("source", &s.name)),
                escape(&s.name),
                escape(&s.state.to_string()),
                escape(&s.detail)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if let Some(writes) = report.raw_evidence.as_ref().and_then(|e| e.http.data()).map(|h| &h.writes)
        && !writes.is_empty()
    {
        let lines = crate::probe_writes_lines(writes);
        let _ = writeln!(h, "<h3>{}</h3>\n<ul>", escape(lines[0].trim_end_matches(':')));
        for l in &lines[1..] {
            let _ = writeln!(h, "<li>{}</li>", escape(l.trim()));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample;

    const HOSTILE: &str = "</script><img src=x onerror=alert(1)>\"'&<svg onload=alert(2)>";

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(HOSTILE),
            "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;&lt;svg onload=alert(2)&gt;"
        );
        assert_eq!(escape("a\u{0}b\u{1b}[31m"), "a\u{FFFD}b\u{FFFD}[31m");
        assert_eq!(escape("p99 ≤ 200 ms\n"), "p99 ≤ 200 ms\n");
        assert_eq!(escape(""), "");
    }

    /// Hostile text everywhere the report carries text reaches the page only escaped.
    #[test]
    fn hostile_report_text_is_escaped_everywhere() {
        let mut report = sample();
        report.run.target = Some(HOSTILE.into());
        report.run.config = Some(HOSTILE.into());
        report.total.band_label = HOSTILE.into();
        for s in &mut report.run.sources {
            s.name = HOSTILE.into();
            s.detail = HOSTILE.into();
        }
        for item in &mut report.items {
            item.title = HOSTILE.into();
            item.evidence = HOSTILE.into();
            item.measured = Some(HOSTILE.into());
            item.threshold = HOSTILE.into();
            item.findings.push(HOSTILE.into());
        }
        for a in &mut report.actions {
            a.title = HOSTILE.into();
            a.evidence = HOSTILE.into();
        }
        let load = report.load.as_mut().expect("the sample has load");
        for e in &mut load.endpoints {
            e.name = HOSTILE.into();
            e.cause = Some(HOSTILE.into());
            e.server_timing.insert(HOSTILE.into(), 1.0);
        }
        let page = page(&report);
        assert!(!page.contains("<img"), "an unescaped tag reached the page");
        assert!(!page.contains("<svg onload"));
        assert!(!page.to_lowercase().contains("<script"));
        assert!(!page.contains("onerror=alert(1)>"));
        assert!(page.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn page_is_self_contained() {
        let page = page(&sample());
        let lower = page.to_lowercase();
        assert!(!lower.contains("<script"), "no script");
        assert!(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""), "the CSP forbids fetching");
        assert!(!lower.contains("@import") && !lower.contains("url("), "no style sheet or font fetched");
        for attr in ["src=", "href=", "xlink:href=", "srcset=", "action=", "poster="] {
            for (at, _) in lower.match_indices(attr) {
                let value = &lower[at + attr.len()..];
                assert!(
                    value.starts_with("\"#"),
                    "{attr} must point inside the page, found {}",
                    &page[at..(at + 80).min(page.len())]
                );
            }
        }
    }

    #[test]
    fn every_item_has_a_row_and_every_chart_alt_text() {
        let report = sample();
        let page = page(&report);
        for item in report.items.iter().chain(report.extended.iter().flat_map(|x| &x.items)) {
            assert!(page.contains(&format!("id=\"item-{}\"", item.id)), "item {} missing", item.id);
        }
        let svgs = page.matches("<svg").count();
        assert!(svgs >= 3 + 2 * 2, "score, coverage, sections and two charts per endpoint, got {svgs}");
        assert_eq!(
            page.matches("<svg role=\"img\" aria-labelledby=").count(),
            svgs,
            "every SVG is an image with a title"
        );
        assert!(page.contains("<details>"), "findings are folded");
        assert!(page.contains("Not assessed, and what would enable each"));
        assert!(page.contains("prefers-color-scheme:dark") && page.contains("@media print"));
    }

    #[test]
    fn size_stays_small_with_many_findings() {
        let mut report = sample();
        for item in &mut report.items {
            item.findings = (0..5000).map(|n| format!("public.table_{n}: a finding of some length")).collect();
        }
        let page = page(&report);
        assert!(page.len() < 500 * 1024, "{} bytes", page.len());
        assert!(page.contains("more in the JSON report"));
    }

    #[test]
    fn chart_scales_are_round() {
        assert_eq!(nice_top(39.5), (50.0, 5));
        assert_eq!(nice_top(143.0), (200.0, 4));
        assert_eq!(nice_top(100.0), (100.0, 4));
        assert_eq!(nice_top(0.0), (0.1, 4));
        assert_eq!(nice_top(f64::NAN), (0.1, 4));
    }

    #[test]
    fn broken_numbers_do_not_break_the_svg() {
        let mut report = sample();
        report.total.percent = Some(f64::NAN);
        for e in &mut report.load.as_mut().unwrap().endpoints {
            for p in &mut e.phases {
                p.latency.max_ms = f64::INFINITY;
                p.latency.p50_ms = -1.0;
            }
        }
        let page = page(&report);
        assert!(!page.contains("NaN") && !page.contains("\"inf") && !page.contains(" inf"));
    }
}
