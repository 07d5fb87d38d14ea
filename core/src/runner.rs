//! Applying and reverting revisions through `diesel_migrations`' `MigrationHarness`, which
//! records applied versions in `__diesel_schema_migrations`.
//!
//! SQLite: the whole run is one `BEGIN IMMEDIATE` transaction, which is also the lock: a second
//! process waits (busy timeout), then sees what the first applied. Foreign keys are switched off
//! for the run so a table rebuild cannot cascade, and `PRAGMA foreign_key_check` must come back
//! empty before the transaction commits. Any failure rolls everything back.
//!
//! PostgreSQL: a session advisory lock serialises runs (`pg_try_advisory_lock` retried until a
//! timeout), and each revision runs in its own transaction (DDL is transactional), so a failure
//! leaves the database at the last fully applied revision.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use diesel::backend::Backend;
use diesel::connection::{BoxableConnection, SimpleConnection};
use diesel::migration::{self, Migration, MigrationMetadata, MigrationName, MigrationVersion};
use diesel::pg::{Pg, PgConnection};
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
    #[error(transparent)]
    Migration(Box<MigrationFailure>),
    #[error("another migration run holds the lock on this database (advisory lock {key}); gave up after {waited:?}. Wait for it to finish, or raise --lock-timeout")]
    LockTimeout { key: i64, waited: Duration },
    #[error("{direction} would leave rows that break foreign keys ({}); nothing was changed", violations.join("; "))]
    ForeignKeys {
        direction: &'static str,
        violations: Vec<String>,
    },
}

/// A revision whose SQL failed.
#[derive(Debug, thiserror::Error)]
#[error("{direction} of revision {revision} failed at {path}{}: {message}; {}", line.map(|l| format!(" line {l}")).unwrap_or_default(), self.outcome())]
pub struct MigrationFailure {
    pub direction: &'static str,
    pub revision: String,
    pub path: String,
    /// 1-based line of the failing statement, when the database reports a position.
    pub line: Option<usize>,
    pub message: String,
    /// Revisions of this run that completed before the failure (and remain so).
    pub completed: Vec<String>,
}

impl MigrationFailure {
    fn outcome(&self) -> String {
        if self.completed.is_empty() {
            "nothing was changed".to_owned()
        } else {
            let verb = if self.direction == "upgrade" {
                "applied"
            } else {
                "reverted"
            };
            format!(
                "revisions {} were {verb} before it and stay so",
                self.completed.join(", ")
            )
        }
    }
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

/// A failed statement of a script, located by the database's error position when it gives one.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct StatementError {
    line: Option<usize>,
    message: String,
}

fn execute_script<DB: Backend>(
    conn: &mut dyn BoxableConnection<DB>,
    sql: &str,
) -> migration::Result<()> {
    conn.batch_execute(sql).map_err(|e| {
        let (line, mut message) = match &e {
            diesel::result::Error::DatabaseError(_, info) => {
                let line = info
                    .statement_position()
                    .and_then(|p| usize::try_from(p).ok())
                    .map(|p| line_of(sql, p));
                (line, info.message().to_owned())
            }
            other => (None, other.to_string()),
        };
        if let Some(l) = line {
            if let Some(text) = sql.lines().nth(l - 1) {
                message = format!("{message} (in `{}`)", text.trim());
            }
        }
        Box::new(StatementError { line, message }) as Box<dyn std::error::Error + Send + Sync>
    })
}

/// The 1-based line of the 1-based character position `pos`.
fn line_of(sql: &str, pos: usize) -> usize {
    sql.chars()
        .take(pos.saturating_sub(1))
        .filter(|c| *c == '\n')
        .count()
        + 1
}

impl<DB: Backend> Migration<DB> for ScriptMigration<'_> {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        execute_script(conn, &self.rev.up_sql)
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        execute_script(conn, &self.rev.down_sql)
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
        Connection::Pg(c) => pg_versions(c),
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

fn pg_versions(c: &mut PgConnection) -> Result<BTreeSet<String>, DbError> {
    let exists: Locked =
        diesel::sql_query("SELECT to_regclass('__diesel_schema_migrations') IS NOT NULL AS locked")
            .get_result(c)
            .map_err(DbError::query("looking for __diesel_schema_migrations"))?;
    if !exists.locked {
        return Ok(BTreeSet::new());
    }
    let rows: Vec<VersionRow> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load(c)
        .map_err(DbError::query("reading __diesel_schema_migrations"))?;
    Ok(rows.into_iter().map(|r| r.version).collect())
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
    upgrade_with(conn, scripts, target, &RunOptions::default())
}

/// Reverts what `target` excludes; returns the reverted revision ids in order.
pub fn downgrade(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
) -> Result<Vec<String>, RunError> {
    downgrade_with(conn, scripts, target, &RunOptions::default())
}

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// How long to wait for another run's lock (PostgreSQL advisory lock, SQLite write lock).
    pub lock_timeout: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            lock_timeout: Duration::from_secs(60),
        }
    }
}

/// The advisory lock key Retort takes on PostgreSQL: "retort" in ASCII.
pub const ADVISORY_LOCK_KEY: i64 = 0x7265_746f_7274;

/// Like [`upgrade`], with explicit options.
pub fn upgrade_with(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
) -> Result<Vec<String>, RunError> {
    run(conn, scripts, Direction::Upgrade, options, |applied| {
        scripts.graph().upgrade_plan(applied, target)
    })
}

/// Like [`downgrade`], with explicit options.
pub fn downgrade_with(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
) -> Result<Vec<String>, RunError> {
    run(conn, scripts, Direction::Downgrade, options, |applied| {
        scripts.graph().downgrade_plan(applied, target)
    })
}

fn run(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    direction: Direction,
    options: &RunOptions,
    plan: impl FnOnce(&BTreeSet<String>) -> Result<Vec<String>, GraphError>,
) -> Result<Vec<String>, RunError> {
    match conn {
        Connection::Sqlite(c) => {
            // Another process's run holds the write lock: wait for it up to the timeout.
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = {};",
                options.lock_timeout.as_millis().min(i32::MAX as u128)
            ))
            .map_err(DbError::query("setting the SQLite busy timeout"))?;
            run_sqlite(c, scripts, direction, plan)
        }
        Connection::Pg(c) => run_pg(c, scripts, direction, options, plan),
    }
}

/// Applies or reverts `ids` in order through the harness. On failure, says which revision
/// failed and which completed before it.
fn apply_all<DB: Backend, C: MigrationHarness<DB>>(
    conn: &mut C,
    scripts: &ScriptDirectory,
    ids: &[String],
    direction: Direction,
    completed_survive: bool,
) -> Result<(), RunError> {
    for (i, id) in ids.iter().enumerate() {
        let rev = scripts
            .revision(id)
            .expect("planned revisions come from the graph");
        let migration = ScriptMigration::new(rev);
        let outcome = match direction {
            Direction::Upgrade => conn.run_migration(&migration),
            Direction::Downgrade => conn.revert_migration(&migration),
        };
        if let Err(e) = outcome {
            let (line, message) = match e.downcast_ref::<StatementError>() {
                Some(s) => (s.line, s.message.clone()),
                None => (None, e.to_string()),
            };
            return Err(RunError::Migration(Box::new(MigrationFailure {
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
                line,
                message,
                completed: if completed_survive {
                    ids[..i].to_vec()
                } else {
                    Vec::new()
                },
            })));
        }
    }
    Ok(())
}

fn harness_versions<DB: Backend, C: MigrationHarness<DB>>(
    conn: &mut C,
) -> Result<BTreeSet<String>, RunError> {
    // The harness creates its bookkeeping table if needed.
    let versions = conn
        .applied_migrations()
        .map_err(|e| RunError::Db(DbError::Harness(format!("reading applied migrations: {e}"))))?;
    Ok(versions.into_iter().map(|v| v.to_string()).collect())
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

fn run_pg(
    conn: &mut PgConnection,
    scripts: &ScriptDirectory,
    direction: Direction,
    options: &RunOptions,
    plan: impl FnOnce(&BTreeSet<String>) -> Result<Vec<String>, GraphError>,
) -> Result<Vec<String>, RunError> {
    let start = Instant::now();
    loop {
        let got: Locked = diesel::sql_query(format!(
            "SELECT pg_try_advisory_lock({ADVISORY_LOCK_KEY}) AS locked"
        ))
        .get_result(conn)
        .map_err(DbError::query("taking the migration lock"))?;
        if got.locked {
            break;
        }
        if start.elapsed() >= options.lock_timeout {
            return Err(RunError::LockTimeout {
                key: ADVISORY_LOCK_KEY,
                waited: start.elapsed(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let result = (|| {
        let applied = revisions_of(harness_versions::<Pg, _>(conn)?, scripts)?;
        let ids = plan(&applied)?;
        apply_all::<Pg, _>(conn, scripts, &ids, direction, true)?;
        Ok(ids)
    })();
    let unlock = diesel::sql_query(format!(
        "SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY}) AS locked"
    ))
    .get_result::<Locked>(conn);
    match (result, unlock) {
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(DbError::Query {
            what: "releasing the migration lock".into(),
            source: e,
        }
        .into()),
        (Ok(ids), Ok(_)) => Ok(ids),
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
        let applied = revisions_of(harness_versions::<Sqlite, _>(c)?, scripts)?;
        let ids = plan(&applied)?;
        apply_all::<Sqlite, _>(c, scripts, &ids, direction, false)?;
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
