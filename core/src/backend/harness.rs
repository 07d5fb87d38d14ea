//! The diesel adapter: a revision as a `diesel::migration::Migration`, so diesel's
//! `MigrationHarness` applies it and records its version in `__diesel_schema_migrations`, and
//! Retort's checksum row is written in the same transaction.

use diesel::backend::Backend as DieselBackend;
use diesel::connection::BoxableConnection;
use diesel::migration::{self, Migration, MigrationMetadata, MigrationName, MigrationVersion};

use crate::checksum;
use crate::script::Revision;

/// A revision as diesel sees it.
pub(crate) struct ScriptMigration<'a> {
    rev: &'a Revision,
    name: VersionName,
    /// `false` when stamping: only the bookkeeping is written.
    execute: bool,
    /// The checksum recorded when it is applied (`crate::data::checksum`: its files and
    /// the hashes of its Rust data steps).
    checksum: String,
    /// Outside a transaction: how many statements of the file took effect in an earlier run
    /// (skipped now), and the dialect that says which statements run alone. `None` inside a
    /// transaction: no progress is recorded.
    progress: Option<(usize, &'static dyn crate::dialect::Dialect)>,
    /// The statement that failed, kept here too: when the database has already rolled the
    /// transaction back itself (SQLite on a full disk), diesel's rollback of the savepoint
    /// fails and diesel returns that error instead.
    failed: std::sync::Mutex<Option<StatementError>>,
    /// How the session wants the statements of a revision outside a transaction run
    /// ([`Outside`]; none: as they are).
    outside: std::sync::Mutex<Option<Outside>>,
}

/// How a session runs the statements of a revision outside a transaction, where its session
/// settings do not hold (a PostgreSQL run through a connection pooler in transaction mode).
#[derive(Default)]
pub(crate) struct Outside {
    /// Run after the `BEGIN` of each statement's own transaction (`SET LOCAL lock_timeout`).
    pub(crate) begin: Option<String>,
    /// Watches each statement that must run alone, outside any transaction block.
    pub(crate) alone: Option<Box<dyn Fn() -> Box<dyn AloneWatch> + Send>>,
}

/// A watch over one statement that runs alone ([`Outside::alone`]).
pub(crate) trait AloneWatch {
    /// A comment appended to the statement, by which the watch finds it on the server.
    fn marker(&self) -> &str;
    /// Stops watching; the statement's result, made a lock timeout when the watch cancelled it.
    fn finish(self: Box<Self>, result: diesel::QueryResult<()>) -> diesel::QueryResult<()>;
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
    pub(crate) fn new(rev: &'a Revision, execute: bool, checksum: String) -> Self {
        ScriptMigration {
            rev,
            name: VersionName {
                dir_name: rev.dir_name.clone(),
                version: rev.version.clone(),
            },
            execute,
            checksum,
            progress: None,
            failed: std::sync::Mutex::new(None),
            outside: std::sync::Mutex::new(None),
        }
    }

    /// Runs its statements outside a transaction as `outside` says (a session whose settings
    /// do not hold between transactions).
    pub(crate) fn outside(&self, outside: Outside) {
        if let Ok(mut slot) = self.outside.lock() {
            *slot = Some(outside);
        }
    }

    /// For a revision that runs statement by statement (`Some(done)`: outside a transaction, or
    /// on a backend whose DDL commits as it goes): records its progress after each statement
    /// ([`crate::runner`]'s `progress`), after skipping the `done` statements an earlier run
    /// applied. `None`: the revision runs in its transaction.
    pub(crate) fn resuming(
        mut self,
        done: Option<usize>,
        dialect: &'static dyn crate::dialect::Dialect,
    ) -> Self {
        if self.execute {
            self.progress = done.map(|done| (done, dialect));
        }
        self
    }

    /// The statement that failed, if one did, leaving it in place.
    pub(crate) fn failure(&self) -> Option<StatementError> {
        self.failed.lock().ok()?.clone()
    }

    /// The statement that failed, if one did.
    pub(crate) fn take_failure(&self) -> Option<StatementError> {
        self.failed.lock().ok()?.take()
    }

    /// Runs `sql`, keeping a failing statement's error.
    fn execute<DB: DieselBackend + 'static>(
        &self,
        conn: &mut dyn BoxableConnection<DB>,
        sql: &str,
        direction: super::Direction,
    ) -> migration::Result<()> {
        let result = match self.progress {
            Some((done, dialect)) => {
                let outside = self.outside.lock().ok();
                let outside = outside.as_ref().and_then(|o| o.as_ref());
                execute_with_progress(conn, self.rev, sql, direction, (done, dialect), outside)
            }
            None => execute_script(conn, self.rev, sql),
        };
        result.map_err(|e| {
            if let Ok(mut failed) = self.failed.lock() {
                *failed = Some(e.clone());
            }
            Box::new(e) as Box<dyn std::error::Error + Send + Sync>
        })
    }
}

/// A failed statement of a script: which one, where, and the database's message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub(crate) struct StatementError {
    /// 0-based index of the statement among the script's statements ([`crate::sql::statements`]).
    pub(crate) index: usize,
    /// 1-based line: the database's error position when it gives one, else the statement's
    /// first line.
    pub(crate) line: usize,
    /// The statement, on one line and shortened.
    pub(crate) statement: String,
    /// The database's message, with its detail and hint.
    pub(crate) message: String,
}

/// How long a statement may be in messages before it is shortened.
pub(crate) const STATEMENT_SUMMARY: usize = 160;

/// Runs a script one statement at a time, so a failure names its statement and line on every
/// backend, and a revision outside a transaction runs each statement in its own implicit
/// transaction (PostgreSQL runs a multi-statement message as one), as `psql` runs the offline
/// script.
fn execute_script<DB: DieselBackend + 'static>(
    conn: &mut dyn BoxableConnection<DB>,
    rev: &Revision,
    sql: &str,
) -> Result<(), StatementError> {
    for (index, statement) in crate::sql::statements(sql).iter().enumerate() {
        execute_unit(conn, rev, index, statement)?;
    }
    Ok(())
}

/// Runs one unit of a script: a statement, or the Rust data step its marker names
/// ([`crate::data`]).
fn execute_unit<DB: DieselBackend + 'static>(
    conn: &mut dyn BoxableConnection<DB>,
    rev: &Revision,
    index: usize,
    statement: &crate::sql::Statement<'_>,
) -> Result<(), StatementError> {
    let Some(name) = statement.step() else {
        return conn
            .batch_execute(statement.text)
            .map_err(|e| statement_error(index, statement, e));
    };
    let failed = |message: String| StatementError {
        index,
        line: statement.line,
        statement: statement.summary(STATEMENT_SUMMARY),
        message,
    };
    // Runs refuse a revision whose steps are missing before anything runs; this is the
    // last word for a caller that did not ask.
    let step = super::step::find(&rev.id, name).ok_or_else(|| {
        failed(format!(
            "the Rust data step `{name}` is not compiled into this binary"
        ))
    })?;
    let mut lent = super::step::Conn::from_boxable(conn)
        .ok_or_else(|| failed("a data step needs one of Retort's own connections".into()))?;
    step.run(&mut lent).map_err(|e| {
        failed(format!(
            "the Rust data step `{name}` ({}:{}) failed: {e}",
            step.file, step.line
        ))
    })
}

/// Runs a script outside a transaction one statement at a time from statement `done`, each
/// in a transaction of its own with its progress record (a statement that must run alone,
/// then its record), so the record says exactly what took effect. `outside`: as the session
/// wants them run.
fn execute_with_progress<DB: DieselBackend + 'static>(
    conn: &mut dyn BoxableConnection<DB>,
    rev: &Revision,
    sql: &str,
    direction: super::Direction,
    (done, dialect): (usize, &'static dyn crate::dialect::Dialect),
    outside: Option<&Outside>,
) -> Result<(), StatementError> {
    use crate::progress;
    let statements = crate::sql::statements(sql);
    let record = |conn: &mut dyn BoxableConnection<DB>, done: usize, at: usize| {
        conn.batch_execute(&progress::record_sql(
            rev,
            &direction.to_string(),
            sql,
            done,
        ))
        .map_err(|e| StatementError {
            index: at,
            line: statements.get(at).map_or(1, |s| s.line),
            statement: format!("(recording progress in {})", progress::PROGRESS_TABLE),
            message: e.to_string(),
        })
    };
    if done == 0 {
        record(conn, 0, 0)?;
    }
    for (index, statement) in statements.iter().enumerate().skip(done) {
        if statement.step().is_none() && dialect.runs_alone(statement.text) {
            match outside.and_then(|o| o.alone.as_ref()) {
                Some(watch) => {
                    let watch = watch();
                    // On a line of its own: the statement may end in a `--` comment.
                    let text = format!("{}\n{}", statement.text, watch.marker());
                    watch
                        .finish(conn.batch_execute(&text))
                        .map_err(|e| statement_error(index, statement, e))?;
                }
                None => execute_unit(conn, rev, index, statement)?,
            }
            record(conn, index + 1, index)?;
            continue;
        }
        let setup = outside.and_then(|o| o.begin.as_deref());
        let begun = conn
            .batch_execute("BEGIN")
            .and_then(|()| setup.map_or(Ok(()), |sql| conn.batch_execute(sql)));
        if let Err(e) = begun {
            let _ = conn.batch_execute("ROLLBACK");
            return Err(statement_error(index, statement, e));
        }
        if let Err(e) = execute_unit(conn, rev, index, statement) {
            let _ = conn.batch_execute("ROLLBACK");
            return Err(e);
        }
        if let Err(e) = record(conn, index + 1, index) {
            let _ = conn.batch_execute("ROLLBACK");
            return Err(e);
        }
        conn.batch_execute("COMMIT")
            .map_err(|e| statement_error(index, statement, e))?;
    }
    Ok(())
}

/// The error of statement `index` of a script.
fn statement_error(
    index: usize,
    statement: &crate::sql::Statement<'_>,
    e: diesel::result::Error,
) -> StatementError {
    let (line, message) = match &e {
        diesel::result::Error::DatabaseError(_, info) => {
            let line = info
                .statement_position()
                .and_then(|p| usize::try_from(p).ok())
                .map_or(statement.line, |p| statement.line_of(p));
            // PostgreSQL's detail names the offending key (`Key (code)=(x) is
            // duplicated`).
            let mut message = info.message().to_owned();
            for extra in [info.details(), info.hint()].into_iter().flatten() {
                message.push_str(" (");
                message.push_str(extra.trim_end_matches('.'));
                message.push(')');
            }
            (line, message)
        }
        other => (statement.line, other.to_string()),
    };
    StatementError {
        index,
        line,
        statement: statement.summary(STATEMENT_SUMMARY),
        message,
    }
}

impl<DB: DieselBackend + 'static> Migration<DB> for ScriptMigration<'_> {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        if self.execute {
            self.execute(conn, &self.rev.up_sql, super::Direction::Upgrade)?;
        }
        // In the same transaction as the migration and diesel's version row. (Outside one, the
        // progress row stays until the next run sees the version recorded: a kill between
        // here and diesel's row must not lose the record of what took effect.)
        conn.batch_execute(&checksum::record_sql(self.rev, &self.checksum))?;
        Ok(())
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        if self.execute {
            self.execute(conn, &self.rev.down_sql, super::Direction::Downgrade)?;
        }
        conn.batch_execute(&checksum::forget_sql(self.rev))?;
        Ok(())
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        // Inside a whole-run transaction this is a savepoint.
        if self.rev.run_in_transaction && self.progress.is_none() {
            &Meta(true)
        } else {
            &Meta(false)
        }
    }

    fn name(&self) -> &dyn MigrationName {
        &self.name
    }
}
