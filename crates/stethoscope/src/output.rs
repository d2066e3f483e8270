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
                .map_err(|e| Failure::could_not_run(format!("cannot write {}: {}", path.display(), plain(&e))))?;
            write(tmp.as_file_mut())
                .map_err(|e| Failure::could_not_run(format!("cannot write {}: {}", path.display(), plain(&e))))?;
            tmp.persist(path)
                .map_err(|e| Failure::could_not_run(format!("cannot write {}: {}", path.display(), plain(&e.error))))?;
            Ok(())
        }
    }
}

/// Checks, before any work, that `--out FILE` can be written: its directory exists.
pub fn check_writable(path: &Path) -> Result<(), Failure> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "--out {}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    if path.is_dir() {
        return Err(Failure::usage(format!("--out {} is a directory", path.display())));
    }
    Ok(())
}

/// An I/O error without the temp file's name that tempfile adds to it.
fn plain(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => e.kind().to_string(),
    }
}

/// Parses a `--format` value.
pub fn format(name: &str) -> Result<Format, Failure> {
    Format::parse(name).ok_or_else(|| {
        Failure::usage(format!("unknown format `{name}`; expected terminal, json, markdown, sarif, html or junit"))
    })
}
