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
//!
//! Every run records the checksum of each revision it applies in `__retort_checksums` (see
//! [`crate::checksum`]), in the same transaction, and refuses to run when an applied revision's
//! files changed since (unless [`RunOptions::allow_edited`]).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use diesel::backend::Backend;
use diesel::connection::{BoxableConnection, SimpleConnection};
use diesel::migration::{self, Migration, MigrationMetadata, MigrationName, MigrationVersion};
use diesel::pg::{Pg, PgConnection};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::{QueryableByName, RunQueryDsl};
use diesel_migrations::MigrationHarness;

use crate::checksum::{self, Edited};
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
    #[error("revision {revision} sets run_in_transaction = false ({path}), but on SQLite a whole run is one transaction; remove the setting (and any COMMIT/VACUUM from its SQL) or run that SQL by hand")]
    NotTransactional { revision: String, path: String },
    #[error("revision {revision} was generated for {written_for} (`dialect` in {path}), but this database is {backend}; point --database-url at the database these migrations are for")]
    WrongDialect {
        revision: String,
        path: String,
        written_for: String,
        backend: &'static str,
    },
    #[error("another migration run holds the lock on this database (advisory lock {key}); gave up after {waited:?}. Wait for it to finish, or raise --lock-timeout")]
    LockTimeout { key: i64, waited: Duration },
    #[error("{direction} would leave rows that break foreign keys ({}); nothing was changed", violations.join("; "))]
    ForeignKeys {
        direction: &'static str,
        violations: Vec<String>,
    },
    #[error("applied migrations were edited: {}; applied history is immutable: restore the files as they were applied and write a new revision for the change (or pass --allow-edited to run anyway); nothing was changed", edited.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Edited { edited: Vec<Edited> },
    /// A script to run holds `COMMIT`, `BEGIN`... (see [`crate::sql`]); found before anything ran.
    #[error(transparent)]
    TransactionControl(#[from] crate::script::TransactionControlError),
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
    /// `false` when stamping: only the bookkeeping is written.
    execute: bool,
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
    fn new(rev: &'a Revision, execute: bool) -> Self {
        ScriptMigration {
            rev,
            name: VersionName {
                dir_name: rev.dir_name.clone(),
                version: rev.version.clone(),
            },
            execute,
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
    // PostgreSQL rejects a script without statements ("empty query"): merge revisions and fresh
    // `revision` placeholders hold only comments.
    if !has_statements(sql) {
        return Ok(());
    }
    conn.batch_execute(sql).map_err(|e| {
        let (line, mut message) = match &e {
            diesel::result::Error::DatabaseError(_, info) => {
                let line = info
                    .statement_position()
                    .and_then(|p| usize::try_from(p).ok())
                    .map(|p| line_of(sql, p));
                // PostgreSQL's detail names the offending key (`Key (code)=(x) is duplicated`).
                let mut message = info.message().to_owned();
                for extra in [info.details(), info.hint()].into_iter().flatten() {
                    message.push_str(" (");
                    message.push_str(extra.trim_end_matches('.'));
                    message.push(')');
                }
                (line, message)
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

/// Whether `sql` holds anything but whitespace, `--` comment lines and `;`.
fn has_statements(sql: &str) -> bool {
    crate::sql::has_statements(sql)
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
        if self.execute {
            execute_script(conn, &self.rev.up_sql)?;
        }
        // In the same transaction as the migration and diesel's version row.
        conn.batch_execute(&checksum::record_sql(self.rev))?;
        Ok(())
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        if self.execute {
            execute_script(conn, &self.rev.down_sql)?;
        }
        conn.batch_execute(&checksum::forget_sql(self.rev))?;
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
    /// Run even when applied revisions were edited since they were applied (their checksums
    /// differ). Off by default: such a run fails with [`RunError::Edited`].
    pub allow_edited: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            lock_timeout: Duration::from_secs(60),
            allow_edited: false,
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
    migrate(conn, scripts, target, options, Direction::Upgrade)
}

/// Like [`downgrade`], with explicit options.
pub fn downgrade_with(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
) -> Result<Vec<String>, RunError> {
    migrate(conn, scripts, target, options, Direction::Downgrade)
}

fn migrate(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
    direction: Direction,
) -> Result<Vec<String>, RunError> {
    let plan = |applied: &BTreeSet<String>| {
        let graph = scripts.graph();
        let ids = match direction {
            Direction::Upgrade => graph.upgrade_plan(applied, target)?,
            Direction::Downgrade => graph.downgrade_plan(applied, target)?,
        };
        Ok(steps(ids, direction, true))
    };
    let steps = run(conn, scripts, direction.name(), options, plan)?;
    Ok(steps.into_iter().map(|s| s.id).collect())
}

/// What [`stamp`] changed in the bookkeeping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamped {
    /// Revisions now recorded as applied, in topological order.
    pub recorded: Vec<String>,
    /// Revisions no longer recorded, children first.
    pub removed: Vec<String>,
}

/// Records the database as being at `target` without running any SQL (to adopt a database whose
/// schema is already there): afterwards exactly `target` and its ancestors are recorded as
/// applied, with their checksums; `base` clears every record. Takes the same lock as a run.
pub fn stamp(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    target: &str,
    options: &RunOptions,
) -> Result<Stamped, RunError> {
    // Stamping rewrites the records, so edited files are no reason to refuse.
    let options = RunOptions {
        allow_edited: true,
        ..options.clone()
    };
    let done = run(conn, scripts, "stamp", &options, |applied| {
        let graph = scripts.graph();
        let wanted = graph.applied_at(applied, target)?;
        let mut plan: Vec<Step> = graph
            .topological()
            .iter()
            .rev()
            .filter(|id| applied.contains(*id) && !wanted.contains(*id))
            .map(|id| Step::new(id, Direction::Downgrade, false))
            .collect();
        plan.extend(
            graph
                .topological()
                .iter()
                .filter(|id| wanted.contains(*id) && !applied.contains(*id))
                .map(|id| Step::new(id, Direction::Upgrade, false)),
        );
        Ok(plan)
    })?;
    let mut stamped = Stamped::default();
    for step in done {
        match step.direction {
            Direction::Upgrade => stamped.recorded.push(step.id),
            Direction::Downgrade => stamped.removed.push(step.id),
        }
    }
    Ok(stamped)
}

/// Applied revisions whose files changed since they were applied, read without creating any
/// table (for `check`). Revisions applied without a checksum (plain diesel) are not reported.
pub fn edited(conn: &mut Connection, scripts: &ScriptDirectory) -> Result<Vec<Edited>, RunError> {
    let applied = applied(conn, scripts)?;
    let exists = match conn {
        Connection::Sqlite(c) => {
            let found: Count = diesel::sql_query(
                "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = '__retort_checksums'",
            )
            .get_result(c)
            .map_err(DbError::query("looking for __retort_checksums"))?;
            found.n > 0
        }
        Connection::Pg(c) => {
            let found: Locked =
                diesel::sql_query("SELECT to_regclass('__retort_checksums') IS NOT NULL AS locked")
                    .get_result(c)
                    .map_err(DbError::query("looking for __retort_checksums"))?;
            found.locked
        }
    };
    if !exists {
        return Ok(Vec::new());
    }
    let recorded = match conn {
        Connection::Sqlite(c) => recorded_checksums(c)?,
        Connection::Pg(c) => recorded_checksums(c)?,
    };
    Ok(checksum::compare(scripts, &applied, &recorded))
}

#[derive(QueryableByName)]
struct ChecksumRow {
    #[diesel(sql_type = Text)]
    version: String,
    #[diesel(sql_type = Text)]
    checksum: String,
}

fn recorded_checksums<C>(c: &mut C) -> Result<BTreeMap<String, String>, DbError>
where
    C: diesel::Connection,
    ChecksumRow: QueryableByName<C::Backend>,
    for<'a> diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'a, C, ChecksumRow>,
{
    let rows: Vec<ChecksumRow> =
        diesel::sql_query("SELECT version, checksum FROM __retort_checksums")
            .load(c)
            .map_err(DbError::query("reading __retort_checksums"))?;
    Ok(rows.into_iter().map(|r| (r.version, r.checksum)).collect())
}

/// Under the run's lock: creates the checksum table and, unless edits are allowed, fails when an
/// applied revision's files changed.
fn verify_checksums<C>(
    c: &mut C,
    scripts: &ScriptDirectory,
    applied: &BTreeSet<String>,
    options: &RunOptions,
) -> Result<(), RunError>
where
    C: diesel::Connection,
    ChecksumRow: QueryableByName<C::Backend>,
    for<'a> diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'a, C, ChecksumRow>,
{
    c.batch_execute(checksum::CREATE_CHECKSUM_TABLE)
        .map_err(DbError::query("creating __retort_checksums"))?;
    if options.allow_edited {
        return Ok(());
    }
    let edited = checksum::compare(scripts, applied, &recorded_checksums(c)?);
    if edited.is_empty() {
        Ok(())
    } else {
        Err(RunError::Edited { edited })
    }
}

/// One revision to apply, revert, or (stamp) only record or forget.
#[derive(Debug, Clone)]
struct Step {
    id: String,
    direction: Direction,
    execute: bool,
}

impl Step {
    fn new(id: &str, direction: Direction, execute: bool) -> Step {
        Step {
            id: id.to_owned(),
            direction,
            execute,
        }
    }
}

fn steps(ids: Vec<String>, direction: Direction, execute: bool) -> Vec<Step> {
    ids.iter()
        .map(|id| Step::new(id, direction, execute))
        .collect()
}

fn run(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    what: &'static str,
    options: &RunOptions,
    plan: impl FnOnce(&BTreeSet<String>) -> Result<Vec<Step>, GraphError>,
) -> Result<Vec<Step>, RunError> {
    // Autogenerated SQL is written for one backend: refuse to run it on another.
    let backend = conn.dialect().key();
    if let Some(rev) = scripts
        .revisions()
        .find(|r| r.dialect.as_deref().is_some_and(|d| d != backend))
    {
        return Err(RunError::WrongDialect {
            revision: rev.id.clone(),
            path: rev.path.join("metadata.toml").display().to_string(),
            written_for: rev.dialect.clone().unwrap_or_default(),
            backend: conn.dialect().name(),
        });
    }
    match conn {
        Connection::Sqlite(c) => {
            // Another process's run holds the write lock: wait for it up to the timeout.
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = {};",
                options.lock_timeout.as_millis().min(i32::MAX as u128)
            ))
            .map_err(DbError::query("setting the SQLite busy timeout"))?;
            run_sqlite(c, scripts, what, options, plan)
        }
        Connection::Pg(c) => run_pg(c, scripts, what, options, plan),
    }
}

/// Applies or reverts `ids` in order through the harness. On failure, says which revision
/// failed and which completed before it.
fn apply_all<DB: Backend, C: MigrationHarness<DB>>(
    conn: &mut C,
    scripts: &ScriptDirectory,
    steps: &[Step],
    completed_survive: bool,
) -> Result<(), RunError> {
    // Transaction control in a script would end the run's transaction behind its back: refuse
    // before any revision runs.
    for step in steps.iter().filter(|s| s.execute) {
        let rev = scripts
            .revision(&step.id)
            .expect("planned revisions come from the graph");
        crate::script::check_revision(rev, step.direction == Direction::Upgrade)?;
    }
    for (i, step) in steps.iter().enumerate() {
        let direction = step.direction;
        let rev = scripts
            .revision(&step.id)
            .expect("planned revisions come from the graph");
        let migration = ScriptMigration::new(rev, step.execute);
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
                    steps[..i].iter().map(|s| s.id.clone()).collect()
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
    _what: &'static str,
    options: &RunOptions,
    plan: impl FnOnce(&BTreeSet<String>) -> Result<Vec<Step>, GraphError>,
) -> Result<Vec<Step>, RunError> {
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
        verify_checksums(conn, scripts, &applied, options)?;
        let steps = plan(&applied)?;
        apply_all::<Pg, _>(conn, scripts, &steps, true)?;
        Ok(steps)
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
    what: &'static str,
    options: &RunOptions,
    plan: impl FnOnce(&BTreeSet<String>) -> Result<Vec<Step>, GraphError>,
) -> Result<Vec<Step>, RunError> {
    let fk_on: Count = diesel::sql_query("SELECT foreign_keys AS n FROM pragma_foreign_keys")
        .get_result(conn)
        .map_err(DbError::query("reading PRAGMA foreign_keys"))?;
    conn.batch_execute("PRAGMA foreign_keys = OFF;")
        .map_err(DbError::query(
            "switching foreign keys off for the migration",
        ))?;
    let result = conn.immediate_transaction(|c| -> Result<Vec<Step>, RunError> {
        // Read what is applied under the lock, so a concurrent run's work is seen.
        let applied = revisions_of(harness_versions::<Sqlite, _>(c)?, scripts)?;
        verify_checksums(c, scripts, &applied, options)?;
        let steps = plan(&applied)?;
        // The whole SQLite run is one transaction: a revision that must run outside one cannot.
        if let Some(rev) = steps
            .iter()
            .filter(|s| s.execute)
            .filter_map(|s| scripts.revision(&s.id))
            .find(|r| !r.run_in_transaction)
        {
            return Err(RunError::NotTransactional {
                revision: rev.id.clone(),
                path: rev.path.join("metadata.toml").display().to_string(),
            });
        }
        if !steps.iter().any(|s| s.execute) {
            apply_all::<Sqlite, _>(c, scripts, &steps, false)?;
            return Ok(steps);
        }
        // Rows that already broke a foreign key before the run are the application's business;
        // the run must only not add any.
        let before = foreign_key_violations(c)?;
        apply_all::<Sqlite, _>(c, scripts, &steps, false)?;
        let added: Vec<String> = foreign_key_violations(c)?
            .into_iter()
            .filter(|v| !before.contains(v))
            .collect();
        if !added.is_empty() {
            return Err(RunError::ForeignKeys {
                direction: what,
                violations: added.into_iter().take(10).collect(),
            });
        }
        Ok(steps)
    });
    if fk_on.n != 0 {
        let _ = conn.batch_execute("PRAGMA foreign_keys = ON;");
    }
    result
}

/// `PRAGMA foreign_key_check`, one line per violating row.
fn foreign_key_violations(c: &mut SqliteConnection) -> Result<BTreeSet<String>, RunError> {
    let rows: Vec<FkViolation> = diesel::sql_query("PRAGMA foreign_key_check")
        .load(c)
        .map_err(|source| DbError::Query {
            what: "checking foreign keys (a foreign key must reference a primary key or unique \
                   columns)"
                .into(),
            source,
        })?;
    Ok(rows
        .iter()
        .map(|v| {
            format!(
                "{} row {} references a missing {} row",
                v.table,
                v.rowid.map_or("?".to_owned(), |r| r.to_string()),
                v.parent
            )
        })
        .collect())
}

impl From<diesel::result::Error> for RunError {
    fn from(source: diesel::result::Error) -> Self {
        RunError::Db(DbError::Query {
            what: "the migration transaction".into(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn comment_only_scripts_have_no_statements() {
        assert!(!super::has_statements(
            "-- Merge revision: no SQL.\n\n  -- more\n;\n"
        ));
        assert!(super::has_statements("-- header\nSELECT 1;\n"));
        assert!(super::has_statements("SELECT 1 -- trailing\n"));
    }
}
