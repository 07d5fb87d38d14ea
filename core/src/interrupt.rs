//! Cleaning up when a signal ends the process.
//!
//! Work that leaves something behind outside the process (a scratch PostgreSQL database)
//! registers what removes it with [`register`]. The first registration installs handlers for
//! SIGINT, SIGTERM and SIGHUP (on Unix, through `signal-hook`): when one arrives, a watcher
//! thread runs every pending cleanup, then the process ends as that signal would have ended it.
//! A cleanup runs exactly once: when its [`Guard`] is dropped, or on the signal, whichever
//! comes first (the other waits for it to finish).
//!
//! Work whose outcome must be reported before the process ends (a revision a run has committed,
//! and its `Applied`/`Reverted` line) marks itself with [`in_flight`]: a signal arriving
//! meanwhile still runs the cleanups at once (which ends the run's session, so its statement
//! stops), then waits for that work to report what happened (up to [`SETTLE_WAIT`]) before the
//! process ends; the thread that did the work then stops instead of starting more.
//!
//! A process that never makes a scratch database that needs removing (SQLite's are in memory)
//! and never marks work in flight never installs these handlers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

type Cleanup = Box<dyn FnOnce() + Send>;

/// Pending cleanups by registration number.
static PENDING: Mutex<BTreeMap<u64, Cleanup>> = Mutex::new(BTreeMap::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

fn pending() -> MutexGuard<'static, BTreeMap<u64, Cleanup>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// How many threads have work in flight ([`in_flight`]), and the signal that they finished.
static IN_FLIGHT: Mutex<usize> = Mutex::new(0);
static SETTLED: Condvar = Condvar::new();
/// Set once a signal is ending the process (by the signal handler itself).
fn signalled() -> &'static Arc<AtomicBool> {
    static SIGNALLED: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    SIGNALLED.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// How long a signal waits for work in flight to report its outcome before the process ends
/// anyway (a terminal that no longer reads its output must not keep the process alive).
pub(crate) const SETTLE_WAIT: Duration = Duration::from_secs(10);

fn in_flight_count() -> MutexGuard<'static, usize> {
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// Work whose outcome is reported before a signal ends the process; see [`in_flight`].
pub(crate) struct InFlight(());

/// Marks the calling thread's work until the returned guard drops as work whose outcome must be
/// reported before a signal ends the process. Installs the signal handlers. When a signal has
/// arrived, the thread stops here (or, for work already in flight, when the guard drops) and the
/// handler ends the process.
pub(crate) fn in_flight() -> InFlight {
    install();
    let mut count = in_flight_count();
    if signalled().load(Ordering::SeqCst) {
        drop(count);
        stop();
    }
    *count += 1;
    InFlight(())
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut count = in_flight_count();
        *count -= 1;
        SETTLED.notify_all();
        drop(count);
        if signalled().load(Ordering::SeqCst) {
            stop();
        }
    }
}

/// Waits for the signal handler to end the process.
fn stop() -> ! {
    loop {
        std::thread::park();
    }
}

/// After a signal: waits until no work is in flight, up to [`SETTLE_WAIT`].
fn settle() {
    let count = in_flight_count();
    let _ = SETTLED.wait_timeout_while(count, SETTLE_WAIT, |n| *n > 0);
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
        let watcher = std::thread::Builder::new()
            .name("retort-cleanup-on-signal".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    signalled().store(true, Ordering::SeqCst);
                    // Keep the lock until the process ends: a thread that meanwhile finishes
                    // its work (its connection to a dropped database failed) waits in
                    // `Guard::drop` instead of reporting that failure.
                    let mut pending = pending();
                    while let Some((_, cleanup)) = pending.pop_first() {
                        cleanup();
                    }
                    // Work in flight (a revision whose commit may have landed) reports its
                    // outcome first, so the output says what stays.
                    let running = *in_flight_count() > 0;
                    settle();
                    // Say what the operator needs next, when a revision was running (only
                    // command-line tools install this).
                    if running {
                        eprintln!(
                            "interrupted: a revision in a transaction rolled back; one running \
                         statement by statement stays partly applied, and `{}` goes on from \
                         there; `{}` shows where the database is",
                            crate::invocation::command("upgrade"),
                            crate::invocation::command("current")
                        );
                    }
                    // End as the signal would have (default action), so the exit status says
                    // which signal it was.
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                    std::process::exit(128 + signal);
                }
            });
        if watcher.is_ok() {
            for signal in [SIGINT, SIGTERM, SIGHUP] {
                // In the handler itself, before the watcher thread wakes: work in flight that
                // ends meanwhile sees it and stops instead of going on.
                let _ = signal_hook::flag::register(signal, Arc::clone(signalled()));
            }
        }
    });
}

#[cfg(not(unix))]
fn install() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

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
