//! Applying one revision with its retries: a statement that gave up waiting for a lock is
//! tried again ([`RunOptions::lock_retries`]), and a revision an earlier run left partly done
//! goes on after what its interrupted statement left behind is looked at
//! ([`Session::repair_before`]).

use super::{progress, retry_wait, Direction, LockRetry, RunError, RunEvent, RunOptions, Step};
use crate::backend::harness::ScriptMigration;
use crate::backend::{Repair, Session};
use crate::script::Revision;

/// A failed attempt: the migration (which keeps the statement that failed) and the error.
pub(super) type Failed<'r> = Box<(
    ScriptMigration<'r>,
    Box<dyn std::error::Error + Send + Sync + 'static>,
)>;

/// Applies one revision through the harness, trying it again when its statement gave up
/// waiting for a lock ([`RunOptions::lock_retries`]): a transactional revision from its start
/// (its transaction rolled back), one outside a transaction from the statement that timed out.
/// Before going on with a revision an earlier run left partly done, clears what its
/// interrupted statement left behind ([`Session::repair_before`]).
pub(super) fn apply_retrying<'r>(
    session: &mut dyn Session,
    rev: &'r Revision,
    step: &Step,
    options: &RunOptions,
) -> Result<(), Failed<'r>> {
    let dialect = session.dialect();
    let attempts = options.lock_retries.saturating_add(1);
    let mut done = step.done;
    let mut attempt = 1;
    loop {
        if let Some(at) = done.filter(|_| step.execute) {
            match repair(session, rev, step.direction, at, options) {
                Ok(at) => done = Some(at),
                // Clearing what the interrupted statement left waits for the same locks: a
                // timeout there is retried like the statement's own.
                Err(RepairFailed::Statement { sql, error })
                    if attempt < attempts
                        && error.to_string().contains(dialect.lock_timeout_words()) =>
                {
                    attempt += 1;
                    let wait = retry_wait(attempt);
                    notify(
                        options,
                        RunEvent::LockRetry(LockRetry {
                            revision: rev.id.clone(),
                            statement: sql,
                            attempt,
                            attempts,
                            wait,
                        }),
                    );
                    std::thread::sleep(wait);
                    continue;
                }
                Err(e) => {
                    let migration =
                        ScriptMigration::new(rev, step.execute, crate::data::checksum(rev));
                    return Err(Box::new((migration, Box::new(e.into_run_error(rev)))));
                }
            }
        }
        let migration = ScriptMigration::new(rev, step.execute, crate::data::checksum(rev))
            .resuming(step.stepwise.then(|| done.unwrap_or(0)), dialect);
        let Err(e) = session.harness_apply(&migration, step.direction) else {
            return Ok(());
        };
        let timed_out = migration
            .failure()
            .filter(|f| f.message.contains(dialect.lock_timeout_words()));
        let Some(failed) = timed_out.filter(|_| attempt < attempts) else {
            return Err(Box::new((migration, e)));
        };
        attempt += 1;
        if step.stepwise {
            done = progress::read(session)
                .ok()
                .and_then(|rows| rows.get(&rev.version).map(|p| p.done));
        }
        let wait = retry_wait(attempt);
        notify(
            options,
            RunEvent::LockRetry(LockRetry {
                revision: rev.id.clone(),
                statement: failed.statement,
                attempt,
                attempts,
                wait,
            }),
        );
        std::thread::sleep(wait);
    }
}

/// Before statement `done` of `rev`'s file runs again: asks the backend what the interrupted
/// statement left behind, and clears it (best effort: if that fails, the statement's own
/// error says what is in the way).
fn repair(
    session: &mut dyn Session,
    rev: &Revision,
    direction: Direction,
    mut done: usize,
    options: &RunOptions,
) -> Result<usize, RepairFailed> {
    let file = progress::file(rev, direction);
    let statements = crate::sql::statements(file);
    while let Some(next) = statements.get(done) {
        match session.repair_before(next.text) {
            None => break,
            Some(Repair::Clear { sql, what }) => {
                session
                    .batch_execute(&sql)
                    .map_err(|error| RepairFailed::Statement {
                        sql: sql.clone(),
                        error,
                    })?;
                notify(
                    options,
                    RunEvent::Repaired {
                        revision: rev.id.clone(),
                        what,
                    },
                );
                break;
            }
            Some(Repair::Done { what }) => {
                done += 1;
                session
                    .batch_execute(&crate::progress::record_sql(
                        rev,
                        &direction.to_string(),
                        file,
                        done,
                    ))
                    .map_err(|error| RepairFailed::Record { error })?;
                notify(
                    options,
                    RunEvent::Repaired {
                        revision: rev.id.clone(),
                        what,
                    },
                );
            }
        }
    }
    Ok(done)
}

/// Why what an interrupted statement left could not be cleared.
enum RepairFailed {
    /// The statement that clears it failed (a lock timeout is retried).
    Statement {
        sql: String,
        error: diesel::result::Error,
    },
    /// Recording a statement seen done failed.
    Record { error: diesel::result::Error },
}

impl RepairFailed {
    fn into_run_error(self, rev: &Revision) -> RunError {
        match self {
            RepairFailed::Statement { sql, error } => crate::db::DbError::Query {
                what: format!(
                    "clearing what the interrupted statement of revision {} left (`{sql}`) \
                     before going on; nothing else ran",
                    rev.id
                ),
                source: error,
            }
            .into(),
            RepairFailed::Record { error } => crate::db::DbError::Query {
                what: "recording progress in __retort_progress".into(),
                source: error,
            }
            .into(),
        }
    }
}

pub(super) fn notify(options: &RunOptions, event: RunEvent) {
    if let Some(notify) = options.notify {
        notify(&event);
    }
}
