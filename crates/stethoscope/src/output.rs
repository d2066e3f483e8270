//! Where output goes: stdout, or a file written atomically (temp file + rename).

use crate::exit::Failure;
use std::io::{IsTerminal, Write};
use std::path::Path;
use steth_report::{Format, Style};

/// Whether to colour: only on a terminal, never with NO_COLOR set.
pub fn colour_on_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The terminal style for stdout or a file.
pub fn style(to_file: bool) -> Style {
    if !to_file && std::io::stdout().is_terminal() {
        Style { color: colour_on_stdout(), width: None }
    } else {
        Style { color: false, width: Some(140) }
    }
}

/// Writes with `write` to the file (atomically) or to stdout.
pub fn emit(out: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Failure> {
    match out {
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write(&mut lock)?;
            lock.flush()?;
            Ok(())
        }
        Some(path) => {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let mut tmp = tempfile::NamedTempFile::new_in(dir)
                .map_err(|e| Failure::could_not_run(format!("cannot write {}: {e}", path.display())))?;
            write(tmp.as_file_mut())
                .map_err(|e| Failure::could_not_run(format!("cannot write {}: {e}", path.display())))?;
            tmp.persist(path)
                .map_err(|e| Failure::could_not_run(format!("cannot write {}: {}", path.display(), e.error)))?;
            Ok(())
        }
    }
}

/// Parses a `--format` value.
pub fn format(name: &str) -> Result<Format, Failure> {
    Format::parse(name)
        .ok_or_else(|| Failure::usage(format!("unknown format `{name}`; expected terminal, json, markdown or sarif")))
}
