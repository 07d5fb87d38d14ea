//! How a revision's failure is reported: its statement, line and file, what of it took effect,
//! and, when its statement gave up waiting for a lock, who held that lock.

use super::{Direction, MigrationFailure, RunError, Step};
use crate::backend::harness::{self, StatementError};
use crate::backend::Session;
use crate::script::Revision;

/// When the failing statement gave up waiting for a lock (PostgreSQL's `lock_timeout`), adds to
/// the message who held it: the revision's transaction has rolled back by now, so the catalog
/// can be read on the same session.
pub(super) fn blocked_by(
    session: &mut dyn Session,
    rev: &Revision,
    step: &Step,
    error: &(dyn std::error::Error + Send + Sync + 'static),
    failed: &mut RunError,
) {
    let (Some(statement), RunError::Migration(failure)) =
        (error.downcast_ref::<StatementError>(), failed)
    else {
        return;
    };
    if !failure
        .message
        .contains(session.dialect().lock_timeout_words())
    {
        return;
    }
    let sql = match step.direction {
        Direction::Upgrade => &rev.up_sql,
        Direction::Downgrade => &rev.down_sql,
    };
    let statements = crate::sql::statements(sql);
    let Some(text) = statements.get(statement.index).map(|s| s.text) else {
        return;
    };
    if let Some(blockers) = session.lock_blockers(text) {
        failure.message.push_str("; ");
        failure.message.push_str(&blockers);
    }
}

/// The failure of one revision: its statement and line when a statement failed, and what of it
/// took effect when it ran outside a transaction.
pub(super) fn failure(
    rev: &Revision,
    step: &Step,
    error: &(dyn std::error::Error + Send + Sync + 'static),
    completed: Vec<String>,
) -> RunError {
    let direction = step.direction;
    let sql = match direction {
        Direction::Upgrade => &rev.up_sql,
        Direction::Downgrade => &rev.down_sql,
    };
    let statements = crate::sql::statements(sql);
    let failed = error.downcast_ref::<StatementError>();
    // Without a failing statement, the harness failed after the script ran (bookkeeping).
    let ran = failed.map_or(statements.len(), |s| s.index);
    let outside_transaction = step.stepwise.then(|| {
        statements[..ran.min(statements.len())]
            .iter()
            .map(|s| {
                format!(
                    "line {}: `{}`",
                    s.line,
                    s.summary(harness::STATEMENT_SUMMARY)
                )
            })
            .collect()
    });
    RunError::Migration(Box::new(MigrationFailure {
        direction,
        revision: rev.id.clone(),
        path: crate::shown::path(&rev.path.join(direction.file())),
        line: failed.map(|s| s.line),
        statement: failed.map(|s| s.statement.clone()),
        message: failed.map_or_else(|| error.to_string(), |s| s.message.clone()),
        outside_transaction,
        completed,
    }))
}
