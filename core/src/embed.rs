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
//! `embed_migrations!` only captures the raw files; they are validated when the migrations are
//! loaded, by the same rules as a directory on disk. The same revision graph, recording (diesel's
//! `__diesel_schema_migrations`) and locking as the CLI apply: two instances starting at once
//! apply each revision once.

use std::path::Path;

use crate::db::Connection;
use crate::script::{validate, RevisionSource, ScriptDirectory, SourceFile, Violation};
use crate::{runner, Error};

pub use retort_macros::embed_migrations;

/// One revision directory's files, as `embed_migrations!` includes them (`None`: the file does
/// not exist). Not yet validated.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedRevision {
    /// The directory name.
    pub dir_name: &'static str,
    /// `metadata.toml`.
    pub metadata: Option<&'static [u8]>,
    /// `up.sql`.
    pub up_sql: Option<&'static [u8]>,
    /// `down.sql`.
    pub down_sql: Option<&'static [u8]>,
}

impl EmbeddedRevision {
    /// The revision's source, for the loading pipeline.
    pub fn source(&self) -> RevisionSource {
        RevisionSource {
            dir_name: self.dir_name.to_owned(),
            metadata: SourceFile::from_bytes(self.metadata),
            up_sql: SourceFile::from_bytes(self.up_sql),
            down_sql: SourceFile::from_bytes(self.down_sql),
            not_a_directory: None,
            bad_name: None,
        }
    }
}

/// A migrations directory compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMigrations {
    origin: &'static str,
    revisions: &'static [EmbeddedRevision],
    /// Entries of the directory that are not directories: (name, what it is).
    strays: &'static [(&'static str, &'static str)],
}

impl EmbeddedMigrations {
    #[doc(hidden)]
    pub const fn __new(origin: &'static str, revisions: &'static [EmbeddedRevision]) -> Self {
        EmbeddedMigrations {
            origin,
            revisions,
            strays: &[],
        }
    }

    #[doc(hidden)]
    pub const fn __new_with_strays(
        origin: &'static str,
        revisions: &'static [EmbeddedRevision],
        strays: &'static [(&'static str, &'static str)],
    ) -> Self {
        EmbeddedMigrations {
            origin,
            revisions,
            strays,
        }
    }

    fn sources(&self) -> Vec<RevisionSource> {
        let mut sources: Vec<RevisionSource> = self
            .revisions
            .iter()
            .map(EmbeddedRevision::source)
            .collect();
        // Judged by their names, as in a directory: one named like a revision is refused.
        sources.extend(self.strays.iter().map(|(name, what)| RevisionSource {
            dir_name: (*name).to_owned(),
            metadata: SourceFile::Missing,
            up_sql: SourceFile::Missing,
            down_sql: SourceFile::Missing,
            not_a_directory: Some((*what).to_owned()),
            bad_name: None,
        }));
        sources.sort_by(|a, b| a.dir_name.cmp(&b.dir_name));
        sources
    }

    /// The embedded revisions, validated like a migrations directory (names, files, metadata,
    /// parents, cycles, timestamp order) and built into a graph.
    pub fn scripts(&self) -> Result<ScriptDirectory, Error> {
        Ok(ScriptDirectory::from_sources(self.origin, self.sources())?)
    }

    /// Every problem of the embedded revisions, as `retort check` reports them for a directory.
    pub fn validate(&self) -> Vec<Violation> {
        validate::check(Path::new(self.origin), &self.sources())
    }

    /// Number of embedded revision directories.
    pub fn len(&self) -> usize {
        self.revisions.len()
    }

    /// Whether no revision is embedded.
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
