//! Ctrl-C, SIGTERM and SIGHUP end a run between files, never inside one.
//!
//! The handler only raises a flag. The pipeline stops handing out work
//! once it is set; a file being written is finished (temp file, rename)
//! before the run ends, so an interrupted `--write` leaves every file
//! either as it was or fully fixed, and no temp file behind. Only SIGKILL,
//! which no program can catch, bypasses this.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Route SIGINT, SIGTERM and SIGHUP to the flag.
pub fn install() -> std::io::Result<()> {
    #[cfg(unix)]
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, &REQUESTED)?;
    }
    Ok(())
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
