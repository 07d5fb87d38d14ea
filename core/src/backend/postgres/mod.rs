//! PostgreSQL: a server reached by URL.
//!
//! A session advisory lock serialises runs (`pg_try_advisory_lock` retried until a timeout), and
//! each revision runs in its own transaction (DDL is transactional), so a failure leaves the
//! database at the last fully applied revision. The models' types and defaults are spelled by
//! the server itself ([`normalize`]).

mod casts;
mod catalog;
mod declared;
mod index_catalog;
mod indexes;
pub mod introspect;
mod lock;
mod namespaces;
pub mod normalize;
mod objects;
mod parallel;
mod pooled;
mod repair;
mod routines;
mod scratch;
mod sequences;
mod standby;
mod statistics;
mod views;
mod watch;

pub use pooled::TTL_VARIABLE as POOLER_LOCK_TTL_VARIABLE;
pub use scratch::database_prefix as scratch_database_prefix;

use std::any::Any;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::migration::Result as MigrationResult;
use diesel::pg::PgConnection;
use diesel::sql_types::{Bool, Text};
use diesel::{Connection as _, QueryResult, QueryableByName, RunQueryDsl};

use super::harness::ScriptMigration;
use super::{Backend, Driver, Scratch, Session, TransactionPolicy, TransactionScope};
use super::{Connection, DatabaseUrl, DbError, Direction, OpenOptions, PrepareError, RunOptions};
use crate::dialect::{Dialect, Postgres};
use crate::schema::Schema;

/// The database-wide advisory lock key of Retort on PostgreSQL: "retort" in ASCII. Retort
/// before per-schema run locks took it exclusively for every run; a run now takes it shared
/// (so runs on different schemas go on together) besides its schema's lock
/// ([`run_lock_keys`]), which still excludes a run of such an older binary.
pub const ADVISORY_LOCK_KEY: i64 = 0x7265_746f_7274;

/// The first key of a run's per-schema advisory lock ([`run_lock_keys`]): "reto" in ASCII.
pub const RUN_LOCK_CLASS: i32 = 0x7265_746f;

/// The two keys of the advisory lock a run on `schema` takes (`pg_advisory_lock(k1, k2)`):
/// [`RUN_LOCK_CLASS`] and a 32-bit FNV-1a hash of the schema's name. PostgreSQL keeps advisory
/// locks per database, so the lock belongs to the database and the schema migrated: runs on
/// two schemas of one database go on at once, two runs on one schema exclude each other. (Two
/// schemas whose names hash alike merely take turns.)
pub fn run_lock_keys(schema: &str) -> (i32, i32) {
    let hash = schema.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (RUN_LOCK_CLASS, i32::from_ne_bytes(hash.to_ne_bytes()))
}

/// The PostgreSQL backend.
pub(crate) struct PgDriver;

const BACKEND: Backend = Backend(&PgDriver);

impl Driver for PgDriver {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &Postgres
    }

    fn accepts(&self, url: &str) -> bool {
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }

    fn url_example(&self) -> &'static str {
        "postgres://USER@HOST/DB"
    }

    fn check_url(&self, url: &str) -> Result<(), String> {
        // libpq would take part of the password for a host or a port, and print it.
        crate::redact::ambiguous_user_info(url).map_or(Ok(()), |reason| Err(reason.to_owned()))
    }

    fn open(&self, url: &DatabaseUrl, options: &OpenOptions) -> Result<Connection, DbError> {
        let mut conn = PgConnection::establish(url.as_str())
            .map_err(|source| DbError::connect(url, source))?;
        let pooled = options.pooler || pooled::port_differs(&mut conn, url.as_str())?;
        if pooled {
            // Each query prepared and run in one exchange: a prepared statement kept for later
            // may be missing on the server connection the pooler hands out next.
            conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
        } else {
            conn.batch_execute("SET client_min_messages TO warning;")
                .map_err(DbError::query("configuring the session"))?;
        }
        // So that an operator can tell Retort's sessions (an orphaned one holding the lock).
        if let Some(sql) = lock::set_application_name_sql(url.as_str()) {
            conn.batch_execute(&sql)
                .map_err(DbError::query("setting application_name"))?;
        }
        // The documented default, set explicitly: a role's or database's own `search_path`
        // (`other, public`) would otherwise choose where tables and bookkeeping land.
        let schema = options
            .schema
            .as_deref()
            .or(self.default_schema())
            .unwrap_or("public");
        if pooled {
            pooled::check_schema(&mut conn, schema)?;
        } else {
            enter_schema(&mut conn, schema, options.schema.is_some(), url)?;
        }
        Ok(Connection::new(PgSession {
            conn,
            locked: false,
            url: Some(url.as_str().to_owned()),
            scratch_url: options.scratch_url.clone(),
            end_on_signal: None,
            schema: schema.to_owned(),
            pooled,
            row_lock: None,
            lock_timeout: None,
        }))
    }

    fn create_scratch(&self, like: &DatabaseUrl) -> Result<Scratch, DbError> {
        scratch::create(self, like)
    }

    fn transactions(&self, _options: &RunOptions) -> TransactionPolicy {
        TransactionPolicy {
            scope: TransactionScope::PerRevision,
            setup: Vec::new(),
            begin: "BEGIN",
            before_commit: None,
            ddl_commits: false,
            delimited_bodies: false,
        }
    }

    fn default_schema(&self) -> Option<&'static str> {
        Some("public")
    }

    fn use_schema_sql(&self, schema: &str) -> Result<String, DbError> {
        Ok(format!("SET search_path TO {};", Postgres.quote(schema)))
    }
}

/// Checks that `schema` exists and makes it the session's `search_path`. `given`: named by
/// `--schema` (not the default `public`), for the hint.
fn enter_schema(
    conn: &mut PgConnection,
    schema: &str,
    given: bool,
    url: &DatabaseUrl,
) -> Result<(), DbError> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let found: Found =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found")
            .bind::<Text, _>(schema)
            .get_result(conn)
            .map_err(DbError::query("looking up the schema"))?;
    if !found.found {
        // The hint's SQL quotes the name exactly as generated SQL does.
        let quoted = Postgres.quote(schema);
        let fix = if given {
            "fix --schema"
        } else {
            "name an existing schema with --schema"
        };
        return Err(DbError::Unsupported(format!(
            "schema {quoted} does not exist in {url}; create it (CREATE SCHEMA {quoted};) or {fix}"
        )));
    }
    conn.batch_execute(&PgDriver.use_schema_sql(schema)?)
        .map_err(DbError::query("setting search_path"))?;
    Ok(())
}

/// `url` with its database name replaced by `db`.
pub fn replace_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{db}{query}", &base[..host_end])
}

/// An open PostgreSQL connection.
pub(crate) struct PgSession {
    conn: PgConnection,
    /// Whether this session holds the run's lock (advisory, or a pooled run's row).
    locked: bool,
    /// The URL it was opened with (`None`: a connection the application made).
    url: Option<String>,
    /// A writable server for what this one refuses as a read-only standby
    /// ([`OpenOptions::scratch_url`]).
    scratch_url: Option<String>,
    /// During a run: ends this session on the server when SIGINT, SIGTERM or SIGHUP ends the
    /// process, so no statement of the run stays queued behind a lock after Retort exits.
    end_on_signal: Option<EndOnSignal>,
    /// The schema migrated (where a pooled run's lock row lives).
    schema: String,
    /// Whether the connection goes through a pooler in transaction mode ([`pooled`]).
    pooled: bool,
    /// A pooled run's lock, while it runs.
    row_lock: Option<pooled::RowLock>,
    /// A pooled run's `SET LOCAL lock_timeout` for each transaction, and the timeout (the
    /// watch's, for a statement that runs alone: [`watch`]).
    lock_timeout: Option<(String, std::time::Duration)>,
}

/// A registered [`crate::interrupt`] cleanup that ends a session on the server; dropping it
/// unregisters it without running it.
struct EndOnSignal(Option<crate::interrupt::Guard>);

impl Drop for EndOnSignal {
    fn drop(&mut self) {
        if let Some(guard) = self.0.take() {
            guard.dismiss();
        }
    }
}

impl PgSession {
    /// Registers the ending of this session for when a signal ends the process: from another
    /// connection (this one is busy with the statement), `pg_terminate_backend` of its pid,
    /// which also rolls its transaction back and frees its locks.
    fn end_on_signal(&mut self) -> Result<(), DbError> {
        let Some(url) = self.url.clone() else {
            return Ok(());
        };
        #[derive(QueryableByName)]
        struct Pid {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            pid: i32,
        }
        let Pid { pid } = diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result(&mut self.conn)
            .map_err(DbError::query("reading the session's pid"))?;
        let guard = crate::interrupt::register(Box::new(move || {
            if let Ok(mut other) = PgConnection::establish(&url) {
                let _ = other.batch_execute(&format!("SELECT pg_terminate_backend({pid})"));
            }
        }));
        self.end_on_signal = Some(EndOnSignal(Some(guard)));
        Ok(())
    }
}

impl From<PgConnection> for Connection {
    /// Wraps a diesel connection the application already has.
    fn from(conn: PgConnection) -> Self {
        Connection::new(PgSession {
            conn,
            locked: false,
            url: None,
            scratch_url: None,
            end_on_signal: None,
            schema: "public".to_owned(),
            pooled: false,
            row_lock: None,
            lock_timeout: None,
        })
    }
}

/// A connection made from `conn`, opened to `url`: like `Connection::from(conn)`, but
/// introspection may read on a second connection to `url` at once, as a connection Retort
/// opens does (for the benchmark, which counts `conn`'s statements).
pub fn with_url(conn: PgConnection, url: &str) -> Connection {
    Connection::new(PgSession {
        conn,
        locked: false,
        url: Some(url.to_owned()),
        scratch_url: None,
        end_on_signal: None,
        schema: "public".to_owned(),
        pooled: false,
        row_lock: None,
        lock_timeout: None,
    })
}

/// The diesel connection inside a session, if it is a PostgreSQL one.
pub(crate) fn into_diesel(session: Box<dyn Any>) -> Option<PgConnection> {
    session.downcast::<PgSession>().ok().map(|s| s.conn)
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

impl Session for PgSession {
    fn backend(&self) -> Backend {
        BACKEND
    }

    fn batch_execute(&mut self, sql: &str) -> QueryResult<()> {
        self.conn.batch_execute(sql)
    }

    fn introspect(&mut self, schemas: &[String]) -> Result<Schema, DbError> {
        // Outside a transaction, on two connections at once when a second one can be opened.
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        let outside = AnsiTransactionManager::transaction_manager_status_mut(&mut self.conn)
            .transaction_depth()
            .is_ok_and(|depth| depth.is_none());
        if let Some(url) = self.url.clone().filter(|_| outside) {
            if let Some(schema) = parallel::introspect(&mut self.conn, &url, schemas)
                .map_err(DbError::query("reading the PostgreSQL catalog"))?
            {
                return Ok(schema);
            }
        }
        // In a transaction of its own (a savepoint inside a run's), rolled back: its
        // `SET LOCAL jit = off` ends with it. The catalog queries of a large schema cost enough
        // for PostgreSQL to compile them with LLVM first, which takes longer than running them
        // (about a second of the four at 10,000 tables).
        normalize::rolled_back(&mut self.conn, |c| {
            c.batch_execute(parallel::CATALOG_SETTINGS)?;
            introspect::introspect(c, schemas)
        })
        .map_err(DbError::query("reading the PostgreSQL catalog"))
    }

    fn normalize_models(&mut self, target: &mut Schema) -> Result<(), super::ModelsError> {
        namespaces::unqualify_current(&mut self.conn, target)
            .map_err(DbError::query("reading the current schema"))?;
        target
            .tables
            .values_mut()
            .for_each(crate::dialect::postgres::column_checks_to_table);
        match normalize::normalize_target(&mut self.conn, target) {
            // Whichever model's statement met it first: the session cannot write.
            Err(e) if standby::refuses_writes_text(&e.to_string()) => {
                let mut writable = standby::writable(&mut self.conn, self.scratch_url.as_deref())?;
                Ok(normalize::normalize_target(&mut writable, target)?)
            }
            result => Ok(result?),
        }
    }

    fn converts_implicitly(
        &mut self,
        pairs: &[(crate::schema::Column, crate::schema::Column)],
    ) -> Result<Vec<bool>, DbError> {
        match casts::converts_implicitly(&mut self.conn, pairs) {
            Err(e) if standby::refuses_writes(&e) => {
                let mut writable = standby::writable(&mut self.conn, self.scratch_url.as_deref())?;
                casts::converts_implicitly(&mut writable, pairs)
            }
            result => result,
        }
        .map_err(DbError::query("asking which type changes need --using"))
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let found: Flag = diesel::sql_query("SELECT to_regclass($1) IS NOT NULL AS flag")
            .bind::<Text, _>(name)
            .get_result(&mut self.conn)
            .map_err(DbError::query(format!("looking for {name}")))?;
        Ok(found.flag)
    }

    fn text_pairs(&mut self, sql: &str) -> QueryResult<Vec<(String, Option<String>)>> {
        super::load_text_pairs(&mut self.conn, sql)
    }

    fn schemas(&mut self) -> Result<Vec<String>, DbError> {
        let rows = super::load_text_pairs(
            &mut self.conn,
            "SELECT nspname::text AS a, CAST(NULL AS TEXT) AS b FROM pg_namespace \
             WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1",
        )
        .map_err(DbError::query("listing the schemas"))?;
        Ok(rows.into_iter().map(|(name, _)| name).collect())
    }

    fn write_triggers(&mut self, table: &str) -> QueryResult<Vec<String>> {
        let sql = format!(
            "SELECT t.tgname::text AS a, CAST(NULL AS TEXT) AS b FROM pg_trigger t \
             WHERE t.tgrelid = to_regclass('{}') \
             AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY 1",
            table.replace('\'', "''")
        );
        let rows = super::load_text_pairs(&mut self.conn, &sql)?;
        Ok(rows.into_iter().map(|(name, _)| name).collect())
    }

    fn other_objects(&mut self) -> Result<Vec<crate::backend::object::Object>, DbError> {
        objects::objects(&mut self.conn)
            .map_err(DbError::query("listing the objects that are not tables"))
    }

    fn prepare_run(&mut self, options: &RunOptions) -> Result<(), PrepareError> {
        standby::refuse_run(&mut self.conn)?;
        // A statement blocked by another session's lock fails after this, instead of waiting
        // (and making every later query on its table wait behind it) without end.
        let sql = format!(
            "SET lock_timeout = '{}ms'",
            options.lock_timeout.as_millis().min(i32::MAX as u128)
        );
        if self.pooled {
            let lock = pooled::take(
                &mut self.conn,
                &self.schema,
                self.url.as_deref(),
                options.lock_wait,
            )?;
            self.row_lock = Some(lock);
            self.locked = true;
            self.lock_timeout = Some((sql.replace("SET ", "SET LOCAL "), options.lock_timeout));
            return Ok(());
        }
        lock::take(&mut self.conn, options.lock_wait, &self.schema)?;
        self.locked = true;
        if options.end_on_signal {
            self.end_on_signal()?;
        }
        self.conn
            .batch_execute(&sql)
            .map_err(DbError::query("setting the statement lock timeout"))?;
        Ok(())
    }

    fn lock_blockers(&mut self, statement: &str) -> Option<String> {
        // Best effort: a failure to read the catalog must not hide the timeout.
        lock::blockers(&mut self.conn, statement).ok().flatten()
    }

    fn repair_before(&mut self, statement: &str) -> Option<super::Repair> {
        repair::before(&mut self.conn, statement)
    }

    fn finish_run(&mut self) -> Result<(), DbError> {
        self.end_on_signal = None;
        if !std::mem::take(&mut self.locked) {
            return Ok(());
        }
        self.lock_timeout = None;
        if let Some(lock) = self.row_lock.take() {
            return lock.release(&mut self.conn);
        }
        let reset = self
            .conn
            .batch_execute("RESET lock_timeout")
            .map_err(DbError::query("resetting the statement lock timeout"));
        lock::release(&mut self.conn, &self.schema).and(reset)
    }

    fn begin(&mut self, sql: &str) -> QueryResult<()> {
        AnsiTransactionManager::begin_transaction_sql(&mut self.conn, sql)?;
        match &self.lock_timeout {
            Some((set_local, _)) => self.conn.batch_execute(set_local),
            None => Ok(()),
        }
    }

    fn commit(&mut self) -> QueryResult<()> {
        AnsiTransactionManager::commit_transaction(&mut self.conn)
    }

    fn rollback(&mut self) -> QueryResult<()> {
        AnsiTransactionManager::rollback_transaction(&mut self.conn)
    }

    fn harness_versions(&mut self) -> MigrationResult<Vec<String>> {
        super::versions_with_harness(&mut self.conn)
    }

    fn harness_apply(
        &mut self,
        migration: &ScriptMigration<'_>,
        direction: Direction,
    ) -> MigrationResult<()> {
        // Through a pooler, a revision outside a transaction gets the lock timeout in each
        // statement's own transaction, and from a watch for a statement that runs alone.
        if let Some((set_local, timeout)) = &self.lock_timeout {
            migration.outside(super::harness::Outside {
                begin: Some(set_local.clone()),
                alone: self
                    .url
                    .clone()
                    .filter(|_| !timeout.is_zero())
                    .map(|url| watch::maker(url, *timeout)),
            });
        }
        super::apply_with_harness(&mut self.conn, migration, direction)
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_lock_depends_on_the_schema() {
        assert_eq!(run_lock_keys("public"), run_lock_keys("public"));
        assert_ne!(run_lock_keys("tenant_001"), run_lock_keys("tenant_002"));
        assert_eq!(run_lock_keys("a").0, RUN_LOCK_CLASS);
        // FNV-1a of "a": fixed, as runs of different builds must agree.
        assert_eq!(run_lock_keys("a").1 as u32, 0xe40c_292c);
    }

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            replace_database("postgres://u:p@h:5432/app?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h", "x"), "postgres://h/x");
    }
}
