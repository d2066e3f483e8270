//! `stethoscope checks`: the catalog and what can be measured.

use crate::cli::ChecksArgs;
use crate::exit::{Exit, Failure};
use crate::output;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use steth_core::catalog::{self, Item, Severity};
use steth_core::section::Section;

#[derive(Serialize)]
struct Entry {
    id: &'static str,
    slug: &'static str,
    section: Section,
    title: &'static str,
    threshold: String,
    sources: Vec<&'static str>,
    severity: Severity,
    implemented: bool,
}

#[derive(Serialize)]
struct Listing {
    schema_version: u32,
    count: usize,
    implemented: usize,
    items: Vec<Entry>,
    /// Beyond the 71, scored apart.
    extended: Vec<Entry>,
}

fn entry(item: &'static Item) -> Entry {
    Entry {
        id: item.id,
        slug: item.slug,
        section: item.section,
        title: item.title,
        threshold: item.default_threshold.to_string(),
        sources: item.sources.iter().map(|s| s.name()).collect(),
        severity: item.severity,
        implemented: item.is_implemented(),
    }
}

/// Runs `stethoscope checks`.
pub fn run(args: ChecksArgs) -> Result<Exit, Failure> {
    let items: Vec<Entry> = catalog::items().map(entry).collect();
    let extended: Vec<Entry> = catalog::extended_items().map(entry).collect();
    let implemented = items.iter().filter(|e| e.implemented).count();
    match args.format.as_str() {
        "json" => {
            let listing = Listing { schema_version: 1, count: items.len(), implemented, items, extended };
            output::emit(None, |w| {
                serde_json::to_writer_pretty(&mut *w, &listing)?;
                writeln!(w)
            })?;
        }
        "terminal" | "text" => {
            let mut t = Table::new();
            t.load_style(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
            if !output::colour_on_stdout() {
                t.force_no_tty();
            }
            t.set_header(vec!["id", "item", "threshold", "sources", "measured by stethoscope"]);
            for e in items.iter().chain(&extended) {
                t.add_row(vec![
                    e.id.to_string(),
                    e.title.to_string(),
                    e.threshold.clone(),
                    e.sources.join(", "),
                    if e.implemented { "yes".to_string() } else { "not yet (reported as not assessed)".to_string() },
                ]);
            }
            output::emit(None, |w| {
                writeln!(w, "{t}")?;
                writeln!(
                    w,
                    "{} items, {implemented} measured by this build. `stethoscope explain ID` tells more.",
                    items.len()
                )
            })?;
        }
        other => return Err(Failure::usage(format!("unknown format `{other}`; expected terminal or json"))),
    }
    Ok(Exit::Done)
}
