//! Undoing what a partly applied revision left: the caller computes the reverse of what took
//! effect (the live schema against the schema before the revision, see
//! [`crate::shadow::undo_partly_applied`]); this runs it under the run's lock, statement by
//! statement, and forgets the revision's progress record, so the database is back at the
//! revisions before it.

use super::{progress, Direction, RunError, RunOptions};
use crate::db::{Connection, DbError};
use crate::script::ScriptDirectory;

/// Runs `sql`, the reverse of what took effect of the partly applied revision `id`, under the
/// run's lock, each statement in a transaction of its own (or by itself when it must), then
/// removes the revision's progress record. Refused when `id` is no longer partly applied
/// (another run finished or undid it meanwhile).
pub fn undo_partly_applied(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    id: &str,
    sql: &str,
    options: &RunOptions,
) -> Result<(), RunError> {
    let rev = scripts
        .revision(id)
        .ok_or_else(|| DbError::Unsupported(format!("no revision {id} here")))?;
    let session = conn.session();
    session.prepare_run(options)?;
    let result = (|| {
        let partly = progress::read(session)?
            .get(&rev.version)
            .is_some_and(|row| row.direction == Direction::Upgrade);
        if !partly {
            return Err(DbError::Unsupported(format!(
                "revision {id} is no longer partly applied (another run finished or undid it); \
                 nothing was changed"
            ))
            .into());
        }
        let dialect = session.dialect();
        for statement in crate::sql::statements(sql) {
            let failed = |e: diesel::result::Error| DbError::Query {
                what: format!(
                    "undoing what revision {id} left (`{}`)",
                    statement.summary(crate::backend::harness::STATEMENT_SUMMARY)
                ),
                source: e,
            };
            if dialect.runs_alone(statement.text) {
                session.batch_execute(statement.text).map_err(failed)?;
            } else {
                let ran = session
                    .batch_execute("BEGIN")
                    .and_then(|()| session.batch_execute(statement.text))
                    .and_then(|()| session.batch_execute("COMMIT"));
                if let Err(e) = ran {
                    let _ = session.batch_execute("ROLLBACK");
                    return Err(failed(e).into());
                }
            }
        }
        progress::remove(session, &rev.version)?;
        Ok(())
    })();
    let finished = session.finish_run();
    match (result, finished) {
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) => Err(e.into()),
        (Ok(()), Ok(())) => Ok(()),
    }
}
