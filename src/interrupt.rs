//! Ctrl-C, SIGTERM and SIGHUP: stop at once, except inside a write.
//!
//! Outside a critical section (reading, parsing, fixing, printing) a signal
//! ends the process at once with exit code 130: nothing is half-written
//! then, since temp files exist only inside a write. Inside one (a file's
//! temp-file-and-rename, the patch file's rename, the fix branch's commits
//! and ref) the signal only raises a flag; the write completes, and the
//! run stops at the next file. So an interrupted `--write` leaves every
//! file either as it was or fully fixed, and no temp file behind. Only
//! SIGKILL, which no program can catch, bypasses this.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
/// True outside critical sections: a signal may end the process there.
static IDLE: AtomicBool = AtomicBool::new(true);

/// Exit status after a signal (128 + SIGINT, as shells report Ctrl-C).
pub const EXIT_CODE: i32 = 130;

/// Install the handlers for SIGINT, SIGTERM and SIGHUP.
pub fn install() -> std::io::Result<()> {
    #[cfg(unix)]
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        // Run in this order: exit if idle, else remember the request.
        signal_hook::flag::register_conditional_shutdown(signal, EXIT_CODE, &IDLE)?;
        signal_hook::flag::register(signal, &REQUESTED)?;
    }
    Ok(())
}

/// Whether a stop was asked for during a critical section.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Run `write` so that a signal cannot cut it short.
pub fn critical<T>(write: impl FnOnce() -> T) -> T {
    IDLE.store(false, Ordering::SeqCst);
    let result = write();
    IDLE.store(true, Ordering::SeqCst);
    result
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_signal_inside_a_critical_section_is_deferred() {
        install().unwrap();
        assert!(!requested());
        let finished = critical(|| {
            signal_hook::low_level::raise(signal_hook::consts::SIGTERM).unwrap();
            // Still running: the handler only raised the flag.
            true
        });
        assert!(finished);
        assert!(requested());
    }
}
