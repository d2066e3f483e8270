//! `stethoscope explain ID`: an item's documentation.

use crate::cli::ExplainArgs;
use crate::exit::{Exit, Failure};
use crate::output;
use steth_core::catalog::{self, Item};

/// The explanation of an item as printed.
pub fn text(item: &Item) -> String {
    let sources: Vec<&str> = item.sources.iter().map(|s| s.name()).collect();
    let measured = if item.is_implemented() { "yes" } else { "not yet: reported as not assessed (no collector yet)" };
    format!(
        "{} {} — {}\nsection: {}. {} · threshold: {} · sources: {} · severity: {:?} · measured: {}\n\n{}\n",
        item.id,
        item.slug,
        item.title,
        item.section.number(),
        item.section.title(),
        item.default_threshold,
        sources.join(", "),
        item.severity,
        measured,
        item.explanation()
    )
    .replace("severity: Low", "severity: low")
    .replace("severity: Medium", "severity: medium")
    .replace("severity: High", "severity: high")
    .replace("severity: Critical", "severity: critical")
}

/// Runs `stethoscope explain`.
pub fn run(args: ExplainArgs) -> Result<Exit, Failure> {
    let item = catalog::find(&args.id)
        .ok_or_else(|| Failure::usage(format!("unknown item `{}`; `stethoscope checks` lists the 71 ids", args.id)))?;
    output::emit(None, |w| w.write_all(text(item).as_bytes()))?;
    Ok(Exit::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_snapshot() {
        insta::assert_snapshot!(text(catalog::find("2.2").unwrap()));
    }
}
