//! Ctrl-C: the first one stops every request at once and lets the command report what was
//! measured (exit 130); a second one exits immediately.

use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether Ctrl-C was pressed during this process.
pub fn happened() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Starts listening for Ctrl-C (inside a runtime); the receiver turns true at the first one.
/// The listener lives until the process ends, so a second Ctrl-C always exits.
pub fn listen(quiet: bool) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handler: keep the sender so the stop never fires by itself.
            std::future::pending::<()>().await;
        }
        INTERRUPTED.store(true, Ordering::SeqCst);
        if !quiet {
            eprintln!(
                "stethoscope: interrupted; stopped sending, reporting what was measured (Ctrl-C again to exit now)"
            );
        }
        let _ = tx.send(true);
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stethoscope: interrupted again; exiting");
            std::process::exit(crate::exit::Exit::Interrupted as i32);
        }
        std::future::pending::<()>().await;
    });
    rx
}
