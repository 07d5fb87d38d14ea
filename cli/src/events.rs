//! What a run tells the operator besides the revisions it commits ([`retort::runner::RunEvent`]):
//! one `note:` line on stderr each.

use retort::runner;

/// Tells the operator, on stderr, what a run does besides committing revisions: lock retries,
/// revisions resumed where an earlier run stopped, and what was cleared first.
pub(crate) fn notify(event: &runner::RunEvent) {
    let line = match event {
        runner::RunEvent::LockRetry(retry) => format!(
            "note: revision {}: `{}` gave up waiting for a lock; trying again in {} s (attempt \
             {} of {})",
            retry.revision,
            retry.statement,
            retry.wait.as_secs(),
            retry.attempt,
            retry.attempts
        ),
        runner::RunEvent::Resumed {
            revision,
            direction,
            done,
            total,
        } => format!(
            "note: revision {revision}: going on with {} at statement {} of {total} ({done} \
             took effect in an earlier run)",
            direction.file(),
            done + 1
        ),
        runner::RunEvent::Repaired { revision, what } => {
            format!("note: revision {revision}: {what}")
        }
        _ => return,
    };
    eprintln!("{line}");
}
