//! Migrations embedded in the binary at compile time, applied by the application at start-up.
//!
//! ```ignore
//! const MIGRATIONS: retort::embed::EmbeddedMigrations = retort::embed_migrations!("migrations");
//!
//! fn main() -> Result<(), retort::Error> {
//!     let url: retort::db::DatabaseUrl = "sqlite://app.db".parse()?;
//!     let mut conn = retort::db::Connection::open(&url, true)?;
//!     let applied = MIGRATIONS.upgrade_to_head(&mut conn)?;
//!     println!("applied {} revision(s)", applied.len());
//!     Ok(())
//! }
//! ```
//!
//! The same revision graph, recording (diesel's `__diesel_schema_migrations`) and locking as the
//! CLI apply: two instances starting at once apply each revision once.

use crate::db::Connection;
use crate::script::{RevisionSource, ScriptDirectory};
use crate::{runner, Error};

pub use retort_macros::embed_migrations;

/// One revision's files, as `embed_migrations!` includes them.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedRevision {
    /// Directory name, `<YYYY-MM-DD-HHMMSS>-<revision>_<slug>`.
    pub dir_name: &'static str,
    /// Contents of the revision's `metadata.toml`.
    pub metadata: &'static str,
    /// Contents of `up.sql`.
    pub up_sql: &'static str,
    /// Contents of `down.sql`.
    pub down_sql: &'static str,
}

/// A migrations directory compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMigrations {
    origin: &'static str,
    revisions: &'static [EmbeddedRevision],
}

impl EmbeddedMigrations {
    #[doc(hidden)]
    pub const fn __new(origin: &'static str, revisions: &'static [EmbeddedRevision]) -> Self {
        EmbeddedMigrations { origin, revisions }
    }

    /// The embedded revisions, validated as a graph (names, metadata, parents, cycles).
    pub fn scripts(&self) -> Result<ScriptDirectory, Error> {
        let sources = self
            .revisions
            .iter()
            .map(|r| RevisionSource {
                dir_name: r.dir_name.to_owned(),
                metadata: r.metadata.to_owned(),
                up_sql: r.up_sql.to_owned(),
                down_sql: r.down_sql.to_owned(),
            })
            .collect();
        Ok(ScriptDirectory::from_sources(self.origin, sources)?)
    }

    /// Number of embedded revisions.
    pub fn len(&self) -> usize {
        self.revisions.len()
    }

    /// True when no revision is embedded.
    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }

    /// Brings the database to head; returns the ids of the revisions it applied (none when it
    /// was already there). Several heads are an error: merge them first.
    pub fn upgrade_to_head(&self, conn: &mut Connection) -> Result<Vec<String>, Error> {
        let scripts = self.scripts()?;
        Ok(runner::upgrade(conn, &scripts, "head")?)
    }
}
