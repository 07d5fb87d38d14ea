//! Cleaning up when a signal ends the process.
//!
//! Work that leaves something behind outside the process (a scratch PostgreSQL database)
//! registers what removes it with [`register`]. The first registration installs handlers for
//! SIGINT, SIGTERM and SIGHUP (on Unix, through `signal-hook`): when one arrives, a watcher
//! thread runs every pending cleanup, then the process ends as that signal would have ended it.
//! A cleanup runs exactly once: when its [`Guard`] is dropped, or on the signal, whichever
//! comes first (the other waits for it to finish).
//!
//! A process that never makes a scratch database that needs removing (SQLite's are in memory)
//! never installs these handlers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

type Cleanup = Box<dyn FnOnce() + Send>;

/// Pending cleanups by registration number.
static PENDING: Mutex<BTreeMap<u64, Cleanup>> = Mutex::new(BTreeMap::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

fn pending() -> MutexGuard<'static, BTreeMap<u64, Cleanup>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A registered cleanup; dropping it runs the cleanup (unless a signal already did).
pub(crate) struct Guard(u64);

/// Registers `cleanup` to run when the returned guard is dropped, or when SIGINT, SIGTERM or
/// SIGHUP ends the process first.
pub(crate) fn register(cleanup: Cleanup) -> Guard {
    install();
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    pending().insert(id, cleanup);
    Guard(id)
}

impl Guard {
    /// Unregisters the cleanup without running it: what it undoes is over.
    pub(crate) fn dismiss(self) {
        pending().remove(&self.0);
        std::mem::forget(self);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Run under the lock: a signal arriving meanwhile waits for this cleanup to finish
        // instead of ending the process in its middle.
        let mut pending = pending();
        if let Some(cleanup) = pending.remove(&self.0) {
            cleanup();
        }
    }
}

#[cfg(unix)]
fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Without handlers (an error here), an interrupted run leaves its scratch database to
        // the next run's sweep of dead processes' databases.
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("retort-cleanup-on-signal".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Keep the lock until the process ends: a thread that meanwhile finishes
                    // its work (its connection to a dropped database failed) waits in
                    // `Guard::drop` instead of reporting that failure.
                    let mut pending = pending();
                    while let Some((_, cleanup)) = pending.pop_first() {
                        cleanup();
                    }
                    // End as the signal would have (default action), so the exit status says
                    // which signal it was.
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                    std::process::exit(128 + signal);
                }
            });
    });
}

#[cfg(not(unix))]
fn install() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[test]
    fn a_cleanup_runs_once_when_its_guard_drops() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&runs);
        let guard = register(Box::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
        }));
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        drop(guard);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_dismissed_cleanup_never_runs() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&runs);
        let guard = register(Box::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
        }));
        let id = guard.0;
        guard.dismiss();
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        assert!(!pending().contains_key(&id));
    }
}
