//! Shadow databases: replay every migration into a scratch database and read the schema they
//! produce, without trusting (or touching) the developer's own database.
//!
//! Each backend makes its own scratch database: SQLite an in-memory one; PostgreSQL a temporary
//! database created on the same server and dropped afterwards (the role needs `CREATEDB`), also
//! when SIGINT, SIGTERM or SIGHUP interrupts the process; one left by a killed process is dropped
//! by a later run on the same machine (see `backend::postgres::scratch_database_prefix`).

use crate::backend::Scratch;
use crate::db::{Connection, DatabaseUrl};
use crate::schema::Schema;
use crate::script::ScriptDirectory;
use crate::{runner, Error};

/// A scratch database, dropped when this value is.
pub struct ShadowDatabase {
    /// `None` only while dropping.
    conn: Option<Connection>,
    cleanup: Option<Box<dyn FnOnce() + Send>>,
}

impl std::fmt::Debug for ShadowDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShadowDatabase")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl ShadowDatabase {
    /// Creates an empty scratch database of the same backend as `like`.
    pub fn create(like: &DatabaseUrl) -> Result<ShadowDatabase, Error> {
        let Scratch { conn, cleanup } = like.backend().driver().create_scratch(like)?;
        Ok(ShadowDatabase {
            conn: Some(conn),
            cleanup,
        })
    }

    /// The connection to the scratch database.
    pub fn connection(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("the connection lives until drop")
    }

    /// Applies every revision up to all heads and returns the resulting schema.
    pub fn replay(&mut self, scripts: &ScriptDirectory) -> Result<Schema, Error> {
        self.replay_for(scripts, &Schema::new())
    }

    /// Like [`ShadowDatabase::replay`], also reading the other schemas `target`'s tables live
    /// in (PostgreSQL `#[model(schema = "...")]`, see [`Schema::other_schemas`]).
    pub fn replay_for(
        &mut self,
        scripts: &ScriptDirectory,
        target: &Schema,
    ) -> Result<Schema, Error> {
        let conn = self.connection();
        runner::upgrade(conn, scripts, "heads").map_err(|e| match e {
            e @ crate::runner::RunError::Migration(_) => {
                Error::Replay(crate::error::ReplayFailed {
                    failure: Box::new(Error::Run(e)),
                })
            }
            e => Error::Run(e),
        })?;
        Ok(conn.introspect_schemas(&target.other_schemas())?)
    }
}

impl Drop for ShadowDatabase {
    fn drop(&mut self) {
        // Close our own session first, then remove the database.
        drop(self.conn.take());
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

/// What [`rehearse`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rehearsal {
    /// The revisions to apply ran on a scratch copy of the database's schema without error.
    Passed {
        /// How many.
        revisions: usize,
    },
    /// Nothing to rehearse: nothing to apply, or a revision an earlier run left partly
    /// applied (its statements that took effect are in the copy already).
    Skipped,
}

pub use crate::error::{RehearsalFailed, ReplayFailed};

/// Before an upgrade on a backend whose DDL commits as it goes (MariaDB): copies the live
/// schema of `conn` (tables, indexes, constraints: what a baseline creates) into a scratch
/// database of `like`'s server, records there the versions the database recorded (so the
/// scratch is where the database is, in whatever view of a squash it sees), and runs the
/// upgrade to `target` on it. A revision that fails there fails before anything of it
/// is written to the database (a type, a name, a missing object); failures that depend on the
/// rows (a duplicate under a new unique index) still show on the database itself, where the
/// run records its progress statement by statement.
pub fn rehearse(
    conn: &mut Connection,
    like: &DatabaseUrl,
    scripts: &ScriptDirectory,
    target: &str,
) -> Result<Rehearsal, Error> {
    let applied = runner::applied(conn, scripts)?;
    let graph = scripts.graph_for(&applied);
    let pending = graph.upgrade_plan(&applied, target)?;
    if pending.is_empty() || !runner::partly_run(conn, scripts)?.is_empty() {
        return Ok(Rehearsal::Skipped);
    }
    let recorded = runner::recorded(conn)?;
    let live = conn.introspect()?;
    let copy = crate::baseline::baseline(conn, &live)?;
    let mut shadow = ShadowDatabase::create(like)?;
    let scratch = shadow.connection();
    let failed = |e: Error| {
        Error::Rehearsal(RehearsalFailed {
            failure: Box::new(e),
        })
    };
    scratch
        .batch_execute(&copy.up_sql)
        .map_err(|e| failed(e.into()))?;
    let options = runner::RunOptions {
        allow_edited: true,
        lock_retries: 0,
        ..runner::RunOptions::default()
    };
    // Where the database is: its records, as they are (a database inside a squashed range
    // records revisions a stamp could not name).
    let mut records = diesel::migration::CREATE_MIGRATIONS_TABLE
        .trim_end()
        .to_owned();
    for version in &recorded {
        records.push_str(&format!(
            "\nINSERT INTO __diesel_schema_migrations (version) VALUES ('{}');",
            version.replace('\'', "''")
        ));
    }
    scratch
        .batch_execute(&records)
        .map_err(|e| failed(e.into()))?;
    runner::upgrade_with(scratch, scripts, target, &options).map_err(|e| failed(e.into()))?;
    Ok(Rehearsal::Passed {
        revisions: pending.len(),
    })
}

/// A partly applied revision whose effects [`undo_partly_applied`] undid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    /// The revision.
    pub revision: String,
    /// What was undone, one line per operation (`removed column 'items.c'`).
    pub ops: Vec<String>,
}

/// Undoes what the partly applied revisions of `conn` (a run stopped in the middle of them,
/// outside a transaction) left, exactly: the schema before them is read from a scratch
/// database of `like`'s server where the applied revisions are replayed, compared with the
/// live schema, and the difference is run back ([`runner::undo_partly_applied`]). Rows the
/// revisions' statements wrote into tables that stay are not undone. Returns what it undid.
pub fn undo_partly_applied(
    conn: &mut Connection,
    like: &DatabaseUrl,
    scripts: &ScriptDirectory,
    options: &runner::RunOptions,
) -> Result<Vec<Undone>, Error> {
    let partly: Vec<String> = runner::partly_run(conn, scripts)?
        .into_iter()
        .filter(|(_, row)| row.direction == runner::Direction::Upgrade)
        .map(|(id, _)| id)
        .collect();
    let mut undone = Vec::new();
    if partly.is_empty() {
        return Ok(undone);
    }
    let applied = runner::applied(conn, scripts)?;
    let mut shadow = ShadowDatabase::create(like)?;
    for head in scripts.graph().current_heads(&applied) {
        runner::upgrade(shadow.connection(), scripts, head)?;
    }
    let before = shadow.connection().introspect()?;
    drop(shadow);
    for id in partly {
        let live = conn.introspect()?;
        let plan = crate::autogen::plan_between(conn.dialect(), &live, &before)?;
        runner::undo_partly_applied(conn, scripts, &id, &plan.up_sql, options)?;
        undone.push(Undone {
            revision: id,
            ops: plan.ops.iter().map(ToString::to_string).collect(),
        });
    }
    Ok(undone)
}

/// Replays all migrations into a fresh shadow database of `like`'s backend and returns the
/// schema they produce.
pub fn replay(like: &DatabaseUrl, scripts: &ScriptDirectory) -> Result<Schema, Error> {
    ShadowDatabase::create(like)?.replay(scripts)
}
