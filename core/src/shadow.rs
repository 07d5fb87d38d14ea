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
        runner::upgrade(conn, scripts, "heads")?;
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

/// Replays all migrations into a fresh shadow database of `like`'s backend and returns the
/// schema they produce.
pub fn replay(like: &DatabaseUrl, scripts: &ScriptDirectory) -> Result<Schema, Error> {
    ShadowDatabase::create(like)?.replay(scripts)
}
