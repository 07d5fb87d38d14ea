//! SQLite: an embedded file (or in-memory) database.
//!
//! A run is one `BEGIN IMMEDIATE` transaction, which is also the lock: a second process waits
//! (busy timeout), then sees what the first applied. Foreign keys are switched off for the run so
//! a table rebuild cannot cascade, and the rows that break a foreign key after the run must be
//! the ones that broke one before it.

mod catalog;
mod file;
pub mod introspect;
pub mod models;
mod view_columns;

use std::any::Any;
use std::collections::BTreeSet;
use std::path::Path;

use file::FileId;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::migration::Result as MigrationResult;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection as _, QueryResult, QueryableByName, RunQueryDsl};

use super::harness::ScriptMigration;
use super::{
    Backend, Driver, Scratch, Session, SetupStatement, TransactionPolicy, TransactionScope,
};
use super::{Connection, DatabaseUrl, DbError, Direction, OpenOptions, PrepareError, RunOptions};
use crate::dialect::{Dialect, Sqlite};
use crate::schema::Schema;

/// The SQLite backend.
pub(crate) struct SqliteDriver;

const BACKEND: Backend = Backend(&SqliteDriver);

/// The file path (or `:memory:`) of an `sqlite:` URL.
fn path_of(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

impl Driver for SqliteDriver {
    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &Sqlite
    }

    fn accepts(&self, url: &str) -> bool {
        url.starts_with("sqlite:")
    }

    fn url_example(&self) -> &'static str {
        "sqlite://PATH, sqlite::memory:"
    }

    fn check_url(&self, url: &str) -> Result<(), String> {
        if path_of(url).is_empty() {
            return Err("the SQLite path is empty; e.g. sqlite://retort.db".into());
        }
        Ok(())
    }

    fn open(&self, url: &DatabaseUrl, options: &OpenOptions) -> Result<Connection, DbError> {
        if let Some(schema) = &options.schema {
            return Err(no_schemas(schema));
        }
        let path = path_of(url.as_str());
        let in_memory = path == ":memory:" || path.starts_with("file:");
        if !in_memory && !options.create && !Path::new(path).exists() {
            return Err(DbError::MissingFile {
                path: crate::shown::line(path).into_owned(),
            });
        }
        let existed = in_memory || Path::new(path).exists();
        if !existed {
            // `sqlite://var/app.db` on a fresh checkout: the first run makes `var/` too.
            if let Some(dir) = Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| DbError::CreateDir {
                    path: crate::shown::path(dir),
                    reason: e.to_string(),
                })?;
            }
        }
        let mut conn = SqliteConnection::establish(path).map_err(|source| DbError::Open {
            url: url.to_string(),
            source,
        })?;
        let file = (!in_memory).then(|| FileId::of(Path::new(path))).flatten();
        // Another process migrating at the same time waits instead of failing.
        conn.batch_execute("PRAGMA busy_timeout = 30000;")
            .map_err(DbError::query("setting the SQLite busy timeout"))?;
        Ok(Connection::new(SqliteSession {
            conn,
            foreign_keys_were_on: false,
            created: if existed { None } else { file.clone() },
            file,
        }))
    }

    fn in_memory_url(&self) -> Option<&'static str> {
        Some("sqlite::memory:")
    }

    fn create_scratch(&self, _like: &DatabaseUrl) -> Result<Scratch, DbError> {
        let url: DatabaseUrl = "sqlite::memory:".parse()?;
        Ok(Scratch {
            conn: self.open(&url, &OpenOptions::default())?,
            cleanup: None,
        })
    }

    fn transactions(&self, _options: &RunOptions) -> TransactionPolicy {
        TransactionPolicy {
            scope: TransactionScope::WholeRun,
            setup: vec![SetupStatement {
                sql: "PRAGMA foreign_keys = OFF".into(),
                why: "Foreign keys must be OFF while migrations rebuild tables, and PRAGMA \
                      foreign_keys\nhas no effect inside a transaction: switch them off before \
                      BEGIN.",
            }],
            begin: "BEGIN IMMEDIATE",
            before_commit: Some(
                "Before committing, PRAGMA foreign_key_check; must return no rows.",
            ),
            ddl_commits: false,
            delimited_bodies: false,
        }
    }

    fn use_schema_sql(&self, schema: &str) -> Result<String, DbError> {
        Err(no_schemas(schema))
    }
}

fn no_schemas(schema: &str) -> DbError {
    DbError::Unsupported(format!(
        "SQLite has no schemas; drop --schema {schema} (or `schema` in Retort.toml)"
    ))
}

/// An open SQLite connection.
pub(crate) struct SqliteSession {
    conn: SqliteConnection,
    /// Whether `PRAGMA foreign_keys` was on before the run switched it off.
    foreign_keys_were_on: bool,
    /// The database file this connection opened (not for in-memory databases).
    file: Option<FileId>,
    /// The file, when opening this connection created it.
    created: Option<FileId>,
}

impl From<SqliteConnection> for Connection {
    /// Wraps a diesel connection the application already has.
    fn from(conn: SqliteConnection) -> Self {
        Connection::new(SqliteSession {
            conn,
            foreign_keys_were_on: false,
            file: None,
            created: None,
        })
    }
}

/// The diesel connection inside a session, if it is an SQLite one.
pub(crate) fn into_diesel(session: Box<dyn Any>) -> Option<SqliteConnection> {
    session.downcast::<SqliteSession>().ok().map(|s| s.conn)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
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

impl Session for SqliteSession {
    fn backend(&self) -> Backend {
        BACKEND
    }

    fn batch_execute(&mut self, sql: &str) -> QueryResult<()> {
        self.conn.batch_execute(sql)
    }

    fn introspect(&mut self, _schemas: &[String]) -> Result<Schema, DbError> {
        introspect::introspect(&mut self.conn).map_err(DbError::query("reading the SQLite schema"))
    }

    /// SQLite keeps the models' spelling; it checks that it parses
    /// ([`models::check`]).
    fn normalize_models(&mut self, target: &mut Schema) -> Result<(), super::ModelsError> {
        Ok(models::check(target)?)
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let found: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = ?",
        )
        .bind::<Text, _>(name)
        .get_result(&mut self.conn)
        .map_err(DbError::query(format!("looking for {name}")))?;
        Ok(found.n > 0)
    }

    fn text_pairs(&mut self, sql: &str) -> QueryResult<Vec<(String, Option<String>)>> {
        super::load_text_pairs(&mut self.conn, sql)
    }

    fn fill_view_columns(&mut self, schema: &mut Schema) -> Vec<String> {
        view_columns::fill(&mut self.conn, schema)
    }

    fn write_triggers(&mut self, table: &str) -> QueryResult<Vec<String>> {
        let sql = format!(
            "SELECT name AS a, CAST(NULL AS TEXT) AS b FROM sqlite_master \
             WHERE type = 'trigger' AND tbl_name = '{}' ORDER BY 1",
            table.replace('\'', "''")
        );
        let rows = super::load_text_pairs(&mut self.conn, &sql)?;
        Ok(rows.into_iter().map(|(name, _)| name).collect())
    }

    /// Views (triggers and indexes belong to their table), each created as SQLite keeps its
    /// `CREATE VIEW` text, after the tables it names and the views it names.
    fn other_objects(&mut self) -> Result<Vec<crate::backend::object::Object>, DbError> {
        let listed = |conn: &mut SqliteConnection, sql: &str| {
            super::load_text_pairs(conn, sql)
                .map_err(DbError::query("listing the objects that are not tables"))
        };
        let views = listed(
            &mut self.conn,
            "SELECT name AS a, sql AS b FROM sqlite_schema WHERE type = 'view' ORDER BY name",
        )?;
        let tables = listed(
            &mut self.conn,
            "SELECT name AS a, CAST(NULL AS TEXT) AS b FROM sqlite_schema \
             WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )?;
        // A view's triggers (`INSTEAD OF`) are created with it.
        let triggers = listed(
            &mut self.conn,
            "SELECT tbl_name AS a, sql AS b FROM sqlite_schema WHERE type = 'trigger' \
             AND sql IS NOT NULL AND tbl_name IN (SELECT name FROM sqlite_schema WHERE type = 'view') \
             ORDER BY name",
        )?;
        let named = |sql: &str, names: &mut dyn Iterator<Item = &String>| -> Vec<String> {
            names
                .filter(|n| crate::sql::mentions(sql, n))
                .cloned()
                .collect()
        };
        Ok(views
            .iter()
            .map(|(name, sql)| {
                let sql = sql.as_deref().unwrap_or_default().trim_end();
                let sql = sql.trim_end_matches(';');
                let mut create = format!("{sql};\n");
                for (_, trigger) in triggers.iter().filter(|(on, _)| on == name) {
                    let trigger = trigger.as_deref().unwrap_or_default().trim_end();
                    create.push_str(&format!("{};\n", trigger.trim_end_matches(';')));
                }
                crate::backend::object::Object {
                    key: name.clone(),
                    kind: "view".to_owned(),
                    name: name.clone(),
                    create: Some(create),
                    drop: Some(format!("DROP VIEW \"{}\";\n", name.replace('"', "\"\""))),
                    needs: named(
                        sql,
                        &mut views.iter().map(|(n, _)| n).filter(|n| *n != name),
                    ),
                    tables: named(sql, &mut tables.iter().map(|(n, _)| n)),
                    ..Default::default()
                }
            })
            .collect())
    }

    fn prepare_run(&mut self, options: &RunOptions) -> Result<(), PrepareError> {
        // Another process's run holds the write lock: wait for it up to the timeout.
        self.conn
            .batch_execute(&format!(
                "PRAGMA busy_timeout = {};",
                options.lock_wait.as_millis().min(i32::MAX as u128)
            ))
            .map_err(DbError::query("setting the SQLite busy timeout"))?;
        let fk_on: Count = diesel::sql_query("SELECT foreign_keys AS n FROM pragma_foreign_keys")
            .get_result(&mut self.conn)
            .map_err(DbError::query("reading PRAGMA foreign_keys"))?;
        self.foreign_keys_were_on = fk_on.n != 0;
        Ok(())
    }

    fn finish_run(&mut self) -> Result<(), DbError> {
        if std::mem::take(&mut self.foreign_keys_were_on) {
            self.conn
                .batch_execute("PRAGMA foreign_keys = ON;")
                .map_err(DbError::query("switching foreign keys back on"))?;
        }
        Ok(())
    }

    fn begin(&mut self, sql: &str) -> QueryResult<()> {
        let begun = AnsiTransactionManager::begin_transaction_sql(&mut self.conn, sql);
        // The file must still be the one opened: a failed first run of another process may
        // have removed it while this one waited (SQLite itself only says "disk I/O error").
        if let Some(Err(why)) = self.file.as_ref().map(FileId::check) {
            if begun.is_ok() {
                let _ = AnsiTransactionManager::rollback_transaction(&mut self.conn);
            }
            return Err(diesel::result::Error::QueryBuilderError(why.into()));
        }
        begun
    }

    fn commit(&mut self) -> QueryResult<()> {
        AnsiTransactionManager::commit_transaction(&mut self.conn)
    }

    fn rollback(&mut self) -> QueryResult<()> {
        let rolled_back = AnsiTransactionManager::rollback_transaction(&mut self.conn);
        // After a full disk SQLite may have ended the transaction itself without finishing
        // its rollback (the pager waits for the next read to replay the journal), and diesel
        // takes the transaction for gone: one read here replays the journal now, so the run
        // does not leave a hot journal behind. Harmless when there is nothing to replay.
        let _ = self
            .conn
            .batch_execute("SELECT count(*) FROM sqlite_master");
        rolled_back
    }

    fn integrity_violations(&mut self) -> Result<BTreeSet<String>, DbError> {
        let rows: Vec<FkViolation> = diesel::sql_query("PRAGMA foreign_key_check")
            .load(&mut self.conn)
            .map_err(DbError::query(
                "checking foreign keys (a foreign key must reference a primary key or unique \
                 columns)",
            ))?;
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

    fn harness_versions(&mut self) -> MigrationResult<Vec<String>> {
        super::versions_with_harness(&mut self.conn)
    }

    fn harness_apply(
        &mut self,
        migration: &ScriptMigration<'_>,
        direction: Direction,
    ) -> MigrationResult<()> {
        super::apply_with_harness(&mut self.conn, migration, direction)
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }

    fn discard_created(self: Box<Self>) -> bool {
        let mut session = *self;
        let Some(created) = session.created.take() else {
            return false;
        };
        // The exclusive lock, without waiting: no other connection is in a transaction.
        let conn = &mut session.conn;
        if conn
            .batch_execute("PRAGMA busy_timeout = 0; BEGIN EXCLUSIVE;")
            .is_err()
        {
            return false;
        }
        let empty = diesel::sql_query("SELECT count(*) AS n FROM sqlite_schema")
            .get_result::<Count>(conn)
            .is_ok_and(|c| c.n == 0);
        let removed = empty && created.is_current() && created.remove().is_ok();
        let _ = conn.batch_execute("ROLLBACK;");
        drop(session);
        // Where an open file cannot be removed (Windows), remove it once closed.
        removed || (empty && created.is_current() && created.remove().is_ok())
    }
}
