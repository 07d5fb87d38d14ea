//! Statement-level progress of revisions that run outside a transaction
//! (`run_in_transaction = false`): each of their statements commits by itself, so a failure
//! or a kill in the middle leaves the first statements applied. Retort records, in
//! `__retort_progress`, how many statements of which file of which revision took effect, and
//! a digest of their text:
//!
//! - the row is written (with 0 statements) before the first statement runs, and rewritten
//!   after each statement, in that statement's own transaction where the statement allows one
//!   (so the record is exact), right after it otherwise (`CREATE INDEX CONCURRENTLY`);
//! - the next run of the same direction resumes after the last recorded statement, once it has
//!   checked that those statements are unchanged (the failed statement and those after it may
//!   be fixed);
//! - a run the other way is refused while a revision is partly applied (or partly reverted):
//!   which of the reverse's statements would undo exactly what took effect is not known;
//! - a row whose revision's record already says it finished (a kill between the last
//!   statement and diesel's version row) is removed at the next run.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{PartlyRun, PartlyRunReason};
use super::{Direction, RunError, RunKind, Step};
use crate::backend::Session;
use crate::db::DbError;
use crate::progress::{digest, CREATE_PROGRESS_TABLE, PROGRESS_TABLE};
use crate::script::{Revision, ScriptDirectory};

/// A revision part of whose file took effect, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    /// The revision's diesel version.
    pub version: String,
    /// Which file was running.
    pub direction: Direction,
    /// How many of its statements took effect.
    pub done: usize,
    /// A SHA-256 of those statements' text.
    pub digest: String,
}

/// Creates the table when missing (before a revision outside a transaction runs).
pub(super) fn create(session: &mut dyn Session) -> Result<(), DbError> {
    session
        .batch_execute(CREATE_PROGRESS_TABLE)
        .map_err(DbError::query("creating __retort_progress"))
}

/// The rows by version, without creating the table (none when it does not exist).
pub(crate) fn read(session: &mut dyn Session) -> Result<BTreeMap<String, Partial>, DbError> {
    if !session.table_exists(PROGRESS_TABLE)? {
        return Ok(BTreeMap::new());
    }
    let rows = session
        .text_pairs(&format!(
            "SELECT version AS a, state AS b FROM {PROGRESS_TABLE}"
        ))
        .map_err(DbError::query("reading __retort_progress"))?;
    // `<direction> <done> <digest>`
    let mut partial = BTreeMap::new();
    for (version, row) in rows {
        let row = row.unwrap_or_default();
        let mut words = row.split(' ');
        let direction = match words.next() {
            Some("downgrade") => Direction::Downgrade,
            _ => Direction::Upgrade,
        };
        let done = words.next().and_then(|d| d.parse().ok()).unwrap_or(0);
        let digest = words.next().unwrap_or_default().to_owned();
        partial.insert(
            version.clone(),
            Partial {
                version,
                direction,
                done,
                digest,
            },
        );
    }
    Ok(partial)
}

/// Removes every row (a stamp says what the database is).
pub(super) fn clear(session: &mut dyn Session) -> Result<(), DbError> {
    if !session.table_exists(PROGRESS_TABLE)? {
        return Ok(());
    }
    session
        .batch_execute(&format!("DELETE FROM {PROGRESS_TABLE}"))
        .map_err(DbError::query("clearing __retort_progress"))
}

/// Removes the row of `version` (its revision finished: a kill came between its last statement
/// and its record).
pub(super) fn remove(session: &mut dyn Session, version: &str) -> Result<(), DbError> {
    session
        .batch_execute(&format!(
            "DELETE FROM {PROGRESS_TABLE} WHERE version = '{}'",
            version.replace('\'', "''")
        ))
        .map_err(DbError::query("clearing __retort_progress"))
}

/// Under the run's lock: the partly run revisions, by revision id, after removing the rows of
/// revisions whose record says they finished. A stamp clears every row (it records where the
/// database is).
pub(super) fn settle(
    session: &mut dyn Session,
    scripts: &ScriptDirectory,
    applied: &BTreeSet<String>,
    kind: RunKind,
) -> Result<BTreeMap<String, Partial>, RunError> {
    let rows = read(session)?;
    if rows.is_empty() {
        return Ok(BTreeMap::new());
    }
    if kind == RunKind::Stamp {
        clear(session)?;
        return Ok(BTreeMap::new());
    }
    let mut partial = BTreeMap::new();
    for (version, row) in rows {
        // A version of no revision here: the run's check of recorded versions speaks of those.
        let Some(rev) = scripts.by_version(&version) else {
            continue;
        };
        let finished = match row.direction {
            Direction::Upgrade => applied.contains(&rev.id),
            Direction::Downgrade => !applied.contains(&rev.id),
        };
        if finished {
            remove(session, &version)?;
        } else {
            partial.insert(rev.id.clone(), row);
        }
    }
    Ok(partial)
}

/// Sets where each planned revision that an earlier run left partly done goes on, refusing a
/// run that cannot go on from there: one going the other way, one whose statements that took
/// effect changed, one whose revision now runs in a transaction. Returns the versions whose
/// record a run going the other way can drop: none of their statements took effect.
pub(super) fn attach(
    steps: &mut [Step],
    scripts: &ScriptDirectory,
    partial: &BTreeMap<String, Partial>,
    kind: RunKind,
) -> Result<Vec<String>, RunError> {
    let mut stale = Vec::new();
    for (id, row) in partial {
        let rev = scripts
            .revision(id)
            .expect("settled rows belong to revisions here");
        let sql = file(rev, row.direction);
        let refuse = |reason| {
            RunError::PartlyRun(Box::new(PartlyRun {
                revision: id.clone(),
                path: crate::shown::path(&rev.path.join(row.direction.file())),
                direction: row.direction,
                done: row.done,
                total: crate::sql::statements(sql).len(),
                reason,
            }))
        };
        if RunKind::from(row.direction) != kind {
            // Nothing of it took effect (its first statement failed): the database is where
            // the records say; the record only stood for a run that could go on.
            if row.done == 0 {
                stale.push(row.version.clone());
                continue;
            }
            return Err(refuse(PartlyRunReason::OtherWay(kind)));
        }
        let Some(step) = steps
            .iter_mut()
            .find(|s| s.id == *id && s.execute && s.direction == row.direction)
        else {
            continue;
        };
        if !step.stepwise {
            return Err(refuse(PartlyRunReason::Transactional));
        }
        if digest(sql, row.done) != row.digest {
            return Err(refuse(PartlyRunReason::Edited));
        }
        step.done = Some(row.done);
    }
    Ok(stale)
}

/// The file `direction` runs of `rev`.
pub(super) fn file(rev: &Revision, direction: Direction) -> &str {
    match direction {
        Direction::Upgrade => &rev.up_sql,
        Direction::Downgrade => &rev.down_sql,
    }
}
