//! What the database records: diesel's applied versions (`__diesel_schema_migrations`) and
//! Retort's checksums (`__retort_checksums`), read the same way on every backend.

use std::collections::{BTreeMap, BTreeSet};

use crate::backend::Session;
use crate::checksum::{self, Edited};
use crate::db::{Connection, DbError};
use crate::script::ScriptDirectory;

use super::{RunError, RunOptions};

/// The diesel versions recorded in the database, without creating the bookkeeping table.
pub(super) fn recorded_versions(session: &mut dyn Session) -> Result<BTreeSet<String>, DbError> {
    if !session.table_exists("__diesel_schema_migrations")? {
        return Ok(BTreeSet::new());
    }
    let rows = session
        .text_pairs("SELECT version AS a, version AS b FROM __diesel_schema_migrations")
        .map_err(DbError::query("reading __diesel_schema_migrations"))?;
    Ok(rows.into_iter().map(|(v, _)| v).collect())
}

/// Every version recorded in `__diesel_schema_migrations` (none when it does not exist),
/// whether a revision here has it or not; creates nothing.
pub fn recorded(conn: &mut Connection) -> Result<BTreeSet<String>, RunError> {
    Ok(recorded_versions(conn.session())?)
}

/// The versions diesel's harness records, creating its table when missing (inside a run).
pub(super) fn harness_versions(session: &mut dyn Session) -> Result<BTreeSet<String>, RunError> {
    let versions = session
        .harness_versions()
        .map_err(|source| DbError::Harness {
            what: "reading applied migrations".into(),
            source,
        })?;
    Ok(versions.into_iter().collect())
}

/// The revisions recorded as applied. A recorded version without a directory is an error.
pub fn applied(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
) -> Result<BTreeSet<String>, RunError> {
    revisions_of(recorded_versions(conn.session())?, scripts)
}

/// Clears every record: diesel's versions and Retort's checksums (both tables exist).
pub(super) fn purge(session: &mut dyn Session) -> Result<(), DbError> {
    session
        .batch_execute(&format!(
            "DELETE FROM __diesel_schema_migrations; DELETE FROM {};",
            checksum::CHECKSUM_TABLE
        ))
        .map_err(DbError::query("clearing the migration records"))
}

/// Revision ids of recorded versions; every version must belong to a revision of `scripts`,
/// be listed as adopted history by one (see [`ScriptDirectory::is_adopted`]), or be a replaced
/// revision of a squash (which then counts as applied when all it replaces is, see
/// [`ScriptDirectory::settle_applied`]).
pub(super) fn revisions_of(
    versions: BTreeSet<String>,
    scripts: &ScriptDirectory,
) -> Result<BTreeSet<String>, RunError> {
    let mut applied = BTreeSet::new();
    let mut unknown = Vec::new();
    for v in versions {
        match scripts.by_version(&v) {
            Some(rev) => {
                applied.insert(rev.id.clone());
            }
            None if scripts.is_adopted(&v) => {}
            None => match scripts.finalized_replaced(&v) {
                Some(id) => {
                    applied.insert(id.to_owned());
                }
                None => unknown.push(v),
            },
        }
    }
    if !unknown.is_empty() {
        return Err(RunError::UnknownApplied {
            dir: crate::shown::path(scripts.path()),
            versions: unknown,
        });
    }
    // A squash counts as applied once all it replaces is (see `ScriptDirectory::graph_for`).
    scripts
        .settle_applied(applied)
        .map_err(|(squash, missing)| RunError::SquashFinalizedEarly { squash, missing })
}

fn recorded_checksums(session: &mut dyn Session) -> Result<BTreeMap<String, String>, DbError> {
    let rows = session
        .text_pairs("SELECT version AS a, checksum AS b FROM __retort_checksums")
        .map_err(DbError::query("reading __retort_checksums"))?;
    Ok(rows
        .into_iter()
        .map(|(version, sum)| (version, sum.unwrap_or_default()))
        .collect())
}

/// Under the run's lock: creates the checksum table and, unless edits are allowed, fails when an
/// applied revision's files changed.
pub(super) fn verify_checksums(
    session: &mut dyn Session,
    scripts: &ScriptDirectory,
    applied: &BTreeSet<String>,
    options: &RunOptions,
) -> Result<(), RunError> {
    session
        .batch_execute(checksum::CREATE_CHECKSUM_TABLE)
        .map_err(DbError::query("creating __retort_checksums"))?;
    if options.allow_edited {
        return Ok(());
    }
    let edited = checksum::compare(
        scripts,
        applied,
        &recorded_checksums(session)?,
        &crate::data::checksum_now,
    );
    if edited.is_empty() {
        Ok(())
    } else {
        Err(RunError::Edited { edited })
    }
}

/// Applied revisions whose files changed since they were applied, read without creating any
/// table (for `check`). Revisions applied without a checksum (plain diesel) are not reported.
pub fn edited(conn: &mut Connection, scripts: &ScriptDirectory) -> Result<Vec<Edited>, RunError> {
    let applied = applied(conn, scripts)?;
    let session = conn.session();
    if !session.table_exists(checksum::CHECKSUM_TABLE)? {
        return Ok(Vec::new());
    }
    let recorded = recorded_checksums(session)?;
    Ok(checksum::compare(
        scripts,
        &applied,
        &recorded,
        &crate::data::checksum_now,
    ))
}

/// The triggers on `__diesel_schema_migrations` that can refuse a write to it
/// ([`Session::write_triggers`]), by name; none when the table or the catalog cannot be read.
pub(super) fn write_triggers(session: &mut dyn Session) -> Vec<String> {
    session
        .write_triggers(super::error::BOOKKEEPING_TABLE)
        .unwrap_or_default()
}
