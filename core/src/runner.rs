//! Applying and reverting revisions through `diesel_migrations`' `MigrationHarness`, which
//! records applied versions in `__diesel_schema_migrations`.
//!
//! SQLite: the whole run is one `BEGIN IMMEDIATE` transaction, which is also the lock: a second
//! process waits (busy timeout), then sees what the first applied. Foreign keys are switched off
//! for the run so a table rebuild cannot cascade, and `PRAGMA foreign_key_check` must come back
//! empty before the transaction commits. Any failure rolls everything back.

use std::collections::BTreeSet;

use diesel::backend::Backend;
use diesel::connection::{BoxableConnection, SimpleConnection};
use diesel::migration::{self, Migration, MigrationMetadata, MigrationName, MigrationVersion};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::{QueryableByName, RunQueryDsl};
use diesel_migrations::MigrationHarness;

use crate::db::{Connection, DbError};
use crate::script::{GraphError, Revision, ScriptDirectory};

/// Why a run did not complete. Nothing of the run is left applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("the database records revisions that are not in {dir}: versions {}; restore their migration directories (or fix the database's __diesel_schema_migrations table) before running anything", versions.join(", "))]
    UnknownApplied { dir: String, versions: Vec<String> },
    #[error("{direction} of revision {revision} ({path}) failed, nothing was changed: {message}")]
    Migration {
        direction: &'static str,
        revision: String,
        path: String,
        message: String,
    },
    #[error("{direction} would leave rows that break foreign keys ({}); nothing was changed", violations.join("; "))]
    ForeignKeys {
        direction: &'static str,
        violations: Vec<String>,
    },
}

/// Which way a run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

impl Direction {
    fn name(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

/// A revision as diesel sees it.
struct ScriptMigration<'a> {
    rev: &'a Revision,
    name: VersionName,
}

struct VersionName {
    dir_name: String,
    version: String,
}

impl std::fmt::Display for VersionName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.dir_name)
    }
}

impl MigrationName for VersionName {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.version.as_str())
    }
}

struct Meta(bool);

impl MigrationMetadata for Meta {
    fn run_in_transaction(&self) -> bool {
        self.0
    }
}

impl<'a> ScriptMigration<'a> {
    fn new(rev: &'a Revision) -> Self {
        ScriptMigration {
            rev,
            name: VersionName {
                dir_name: rev.dir_name.clone(),
                version: rev.version.clone(),
            },
        }
    }
}

impl<DB: Backend> Migration<DB> for ScriptMigration<'_> {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        conn.batch_execute(&self.rev.up_sql)?;
        Ok(())
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        conn.batch_execute(&self.rev.down_sql)?;
        Ok(())
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        // The surrounding run is already one transaction; this is a savepoint inside it.
        const IN_TRANSACTION: &Meta = &Meta(true);
        if self.rev.run_in_transaction {
            IN_TRANSACTION
        } else {
            &Meta(false)
        }
    }

    fn name(&self) -> &dyn MigrationName {
        &self.name
    }
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Text)]
    version: String,
}

#[derive(QueryableByName)]
struct FkViolation {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    rowid: Option<i64>,
    #[diesel(sql_type = Text)]
    parent: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The diesel versions recorded in the database, without creating the bookkeeping table.
fn recorded_versions(conn: &mut Connection) -> Result<BTreeSet<String>, DbError> {
    match conn {
        Connection::Sqlite(c) => sqlite_versions(c),
    }
}

fn sqlite_versions(c: &mut SqliteConnection) -> Result<BTreeSet<String>, DbError> {
    {
        {
            let exists: Count = diesel::sql_query(
                "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = '__diesel_schema_migrations'",
            )
            .get_result(c)
            .map_err(DbError::query("looking for __diesel_schema_migrations"))?;
            if exists.n == 0 {
                return Ok(BTreeSet::new());
            }
            let rows: Vec<VersionRow> =
                diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
                    .load(c)
                    .map_err(DbError::query("reading __diesel_schema_migrations"))?;
            Ok(rows.into_iter().map(|r| r.version).collect())
        }
    }
}

/// The revisions recorded as applied. A recorded version without a directory is an error.
pub fn applied(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
) -> Result<BTreeSet<String>, RunError> {
    revisions_of(recorded_versions(conn)?, scripts)
}

fn revisions_of(
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
            None => unknown.push(v),
        }
    }
    if !unknown.is_empty() {
        return Err(RunError::UnknownApplied {
            dir: scripts.path().display().to_string(),
            versions: unknown,
        });
    }
    Ok(applied)
}

/// Applies what `target` needs; returns the applied revision ids in order.
pub fn upgrade(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
) -> Result<Vec<String>, RunError> {
    run(conn, scripts, Direction::Upgrade, |applied| {
        scripts.graph().upgrade_plan(applied, target)
    })
}

/// Reverts what `target` excludes; returns the reverted revision ids in order.
pub fn downgrade(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
) -> Result<Vec<String>, RunError> {
    run(conn, scripts, Direction::Downgrade, |applied| {
        scripts.graph().downgrade_plan(applied, target)
    })
}

fn run(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    direction: Direction,
    plan: impl FnOnce(&BTreeSet<String>) -> Result<Vec<String>, GraphError>,
) -> Result<Vec<String>, RunError> {
    match conn {
        Connection::Sqlite(c) => run_sqlite(c, scripts, direction, plan),
    }
}

fn run_sqlite(
    conn: &mut SqliteConnection,
    scripts: &ScriptDirectory,
    direction: Direction,
    plan: impl FnOnce(&BTreeSet<String>) -> Result<Vec<String>, GraphError>,
) -> Result<Vec<String>, RunError> {
    let fk_on: Count = diesel::sql_query("SELECT foreign_keys AS n FROM pragma_foreign_keys")
        .get_result(conn)
        .map_err(DbError::query("reading PRAGMA foreign_keys"))?;
    conn.batch_execute("PRAGMA foreign_keys = OFF;")
        .map_err(DbError::query(
            "switching foreign keys off for the migration",
        ))?;
    let result = conn.immediate_transaction(|c| -> Result<Vec<String>, RunError> {
        // Read what is applied under the lock, so a concurrent run's work is seen.
        // The harness creates its bookkeeping table if needed (inside this transaction).
        let versions = MigrationHarness::<Sqlite>::applied_migrations(c).map_err(|e| {
            RunError::Db(DbError::Harness(format!("reading applied migrations: {e}")))
        })?;
        let versions = versions.into_iter().map(|v| v.to_string()).collect();
        let applied = revisions_of(versions, scripts)?;
        let ids = plan(&applied)?;
        for id in &ids {
            let rev = scripts
                .revision(id)
                .expect("planned revisions come from the graph");
            let migration = ScriptMigration::new(rev);
            let outcome = match direction {
                Direction::Upgrade => MigrationHarness::<Sqlite>::run_migration(c, &migration),
                Direction::Downgrade => MigrationHarness::<Sqlite>::revert_migration(c, &migration),
            };
            outcome.map_err(|e| RunError::Migration {
                direction: direction.name(),
                revision: rev.id.clone(),
                path: rev
                    .path
                    .join(match direction {
                        Direction::Upgrade => "up.sql",
                        Direction::Downgrade => "down.sql",
                    })
                    .display()
                    .to_string(),
                message: e.to_string(),
            })?;
        }
        let violations: Vec<FkViolation> = diesel::sql_query("PRAGMA foreign_key_check")
            .load(c)
            .map_err(DbError::query("checking foreign keys"))?;
        if !violations.is_empty() {
            return Err(RunError::ForeignKeys {
                direction: direction.name(),
                violations: violations
                    .iter()
                    .take(10)
                    .map(|v| {
                        format!(
                            "{} row {} references a missing {} row",
                            v.table,
                            v.rowid.map_or("?".to_owned(), |r| r.to_string()),
                            v.parent
                        )
                    })
                    .collect(),
            });
        }
        Ok(ids)
    });
    if fk_on.n != 0 {
        let _ = conn.batch_execute("PRAGMA foreign_keys = ON;");
    }
    result
}

impl From<diesel::result::Error> for RunError {
    fn from(source: diesel::result::Error) -> Self {
        RunError::Db(DbError::Query {
            what: "the migration transaction".into(),
            source,
        })
    }
}
