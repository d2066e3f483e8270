//! Progress on stderr: one line when a collector starts and one when it ends; nothing with
//! `--quiet`.

use std::time::Duration;
use steth_collect::Progress;
use steth_core::evidence::SlotState;

/// Prints collector progress to stderr.
pub struct Lines {
    /// Print nothing.
    pub quiet: bool,
}

impl Progress for Lines {
    fn started(&self, source: &str, detail: &str) {
        if !self.quiet {
            eprintln!("  … {source:<6} {detail}");
        }
    }
    fn finished(&self, source: &str, state: SlotState, took: Duration) {
        if !self.quiet {
            eprintln!(
                "  {} {source:<6} {state} in {:.1} s",
                if state == SlotState::Collected { "✓" } else { "!" },
                took.as_secs_f64()
            );
        }
    }
}

/// The live line of a load phase: a spinner on a terminal, a plain line every 5 s otherwise,
/// nothing with `--quiet`.
pub struct LoadBar {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

impl LoadBar {
    /// A bar for stderr.
    pub fn new(quiet: bool) -> LoadBar {
        use std::io::IsTerminal;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg}").expect("the template is valid"));
            bar
        });
        LoadBar { bar, quiet }
    }

    /// The callback the engine calls about once a second.
    pub fn callback(&self) -> Option<steth_load::ProgressFn> {
        if self.quiet {
            return None;
        }
        let bar = self.bar.clone();
        Some(std::sync::Arc::new(move |s: &steth_load::Snapshot| {
            let line = format!(
                "{} {:>5.1} s{} {:>8.1} req/s  p99 {:>8.2} ms  {} requests  {} errors",
                s.phase,
                s.elapsed.as_secs_f64(),
                if s.warming_up { " (warm-up)" } else { "" },
                s.rate,
                s.p99.as_secs_f64() * 1000.0,
                s.completed,
                s.errors
            );
            match &bar {
                Some(b) => {
                    b.set_message(line);
                    b.tick();
                }
                None if s.elapsed.as_secs().is_multiple_of(5) => eprintln!("  {line}"),
                None => {}
            }
        }))
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
