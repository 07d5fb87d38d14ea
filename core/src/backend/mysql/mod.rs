//! MySQL and MariaDB: a server reached by URL (`mysql://` or `mariadb://`), through diesel's
//! `mysql` backend (the system's libmariadb or libmysqlclient).
//!
//! A named lock of the server (`GET_LOCK`, one per database) serialises runs; on a Galera
//! cluster, where `GET_LOCK` is local to one node, a replicated row does ([`galera`]). Each
//! revision runs
//! in its own transaction, but MariaDB commits every DDL statement as it goes (an implicit
//! commit), so a revision that fails at its third statement leaves the first two applied; the
//! failure names the statement, and diesel's version row is not written, so the revision counts
//! as not applied (see README's "MariaDB and MySQL").

pub mod declared;
pub mod galera;
mod introspect;
mod managed;
pub mod models;
mod objects;
/// The server's flavour and version ([`crate::dialect::mysql_server`]).
pub mod server {
    pub use crate::dialect::mysql_server::*;
}

use std::any::Any;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::migration::Result as MigrationResult;
use diesel::mysql::MysqlConnection;
use diesel::sql_types::{Nullable, Text};
use diesel::{Connection as _, QueryResult, QueryableByName, RunQueryDsl};

use super::harness::ScriptMigration;
use super::{
    Backend, Driver, Scratch, Session, SetupStatement, TransactionPolicy, TransactionScope,
};
use super::{Connection, DatabaseUrl, DbError, Direction, OpenOptions, PrepareError, RunOptions};
use crate::dialect::{Dialect, MySql};
use crate::schema::Schema;
use server::Server;

/// The MySQL / MariaDB backend.
pub(crate) struct MySqlDriver;

const BACKEND: Backend = Backend(&MySqlDriver);

/// What every session of Retort's runs with: `"a b"` is an identifier, as in standard SQL (the
/// models' expressions are written so), not a string; and strict (MariaDB's default, made sure
/// of): a value a column cannot hold is refused, never cut or replaced.
const SESSION_MODE: &str =
    "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES,STRICT_TRANS_TABLES')";

/// The URL schemes this backend takes.
const SCHEMES: [&str; 2] = ["mysql://", "mariadb://"];

/// `url` as diesel (libmariadb) takes it: `mariadb://` is `mysql://`.
fn diesel_url(url: &str) -> String {
    match url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => url.to_owned(),
    }
}

/// The database a URL names (its path), if any.
fn database_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let path = rest.split_once('/')?.1;
    let db = path.split(['?', '#']).next().unwrap_or_default();
    (!db.is_empty()).then_some(db)
}

/// `url` with its database replaced by `db`.
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

/// A URL that names a server but no database (`mysql://root@127.0.0.1:3306/`, as
/// `TEST_MYSQL_URL` does) made into one Retort accepts: it connects to `information_schema`,
/// which every user may, to create scratch databases next to it. `None` for any other URL.
pub fn server_url(url: &str) -> Option<String> {
    (SCHEMES.iter().any(|s| url.starts_with(s)) && database_of(url).is_none())
        .then(|| replace_database(url, "information_schema"))
}

impl Driver for MySqlDriver {
    fn name(&self) -> &'static str {
        "MariaDB"
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &MySql
    }

    fn accepts(&self, url: &str) -> bool {
        SCHEMES.iter().any(|s| url.starts_with(s))
    }

    fn url_example(&self) -> &'static str {
        "mysql://USER@HOST/DB"
    }

    fn check_url(&self, url: &str) -> Result<(), String> {
        if database_of(url).is_none() {
            return Err(
                "name the database in the URL (mysql://USER@HOST:PORT/DB): Retort migrates one \
                 database"
                    .to_owned(),
            );
        }
        crate::redact::ambiguous_user_info(url).map_or(Ok(()), |reason| Err(reason.to_owned()))
    }

    fn open(&self, url: &DatabaseUrl, options: &OpenOptions) -> Result<Connection, DbError> {
        if let Some(schema) = &options.schema {
            return Err(DbError::Unsupported(format!(
                "MariaDB has no schemas inside a database (--schema {schema}): name the database \
                 in the URL instead"
            )));
        }
        let mut conn = MysqlConnection::establish(&diesel_url(url.as_str()))
            .map_err(|source| DbError::connect(url, source))?;
        conn.batch_execute(SESSION_MODE)
            .map_err(DbError::query("setting sql_mode"))?;
        // A Galera node applies other nodes' writes a moment after they commit there: reads
        // wait for what the cluster committed before them (a `check` right after an upgrade on
        // another node sees it).
        if galera::is_galera(&mut conn)
            .map_err(DbError::query("asking whether the server is a Galera node"))?
        {
            conn.batch_execute(galera::CAUSAL_READS)
                .map_err(DbError::query("setting wsrep_sync_wait"))?;
        }
        let server = read_server(&mut conn)?;
        Ok(Connection::new(MySqlSession {
            conn,
            server: Some(server),
            locked: false,
            cluster_lock: None,
            url: Some(url.as_str().to_owned()),
            end_on_signal: None,
            mode_before: None,
        }))
    }

    fn server_url(&self, url: &str) -> Option<String> {
        server_url(url)
    }

    fn create_scratch(&self, like: &DatabaseUrl) -> Result<Scratch, DbError> {
        let mut admin = MysqlConnection::establish(&diesel_url(like.as_str()))
            .map_err(|source| DbError::connect(like, source))?;
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
        let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("retort_shadow_{}_{random}", std::process::id());
        let drop_sql = format!("DROP DATABASE IF EXISTS `{name}`");
        let guard = crate::interrupt::register(Box::new({
            let (server, drop_sql) = (diesel_url(like.as_str()), drop_sql.clone());
            move || {
                if let Ok(mut admin) = MysqlConnection::establish(&server) {
                    let _ = admin.batch_execute(&drop_sql);
                }
            }
        }));
        admin
            .batch_execute(&format!("CREATE DATABASE `{name}`"))
            .map_err(DbError::query(format!(
                "creating the shadow database {name} (the user needs the CREATE privilege)"
            )))?;
        let url: DatabaseUrl = replace_database(like.as_str(), &name).parse()?;
        let conn = self.open(&url, &OpenOptions::default())?;
        Ok(Scratch {
            conn,
            cleanup: Some(Box::new(move || {
                let _ = admin.batch_execute(&drop_sql);
                drop(guard);
            })),
        })
    }

    /// A transaction per revision, as on PostgreSQL; but MariaDB commits each DDL statement
    /// implicitly, so the transaction holds only the revision's data changes and diesel's
    /// version row.
    fn transactions(&self, _options: &RunOptions) -> TransactionPolicy {
        TransactionPolicy {
            scope: TransactionScope::PerRevision,
            setup: vec![SetupStatement {
                sql: SESSION_MODE.to_owned(),
                why: "Retort's SQL quotes identifiers in double quotes too (CHECK and DEFAULT\n\
                      expressions written as standard SQL); strings take single quotes. Strict:\n\
                      a value a column cannot hold fails the statement instead of being cut.",
            }],
            begin: "BEGIN",
            before_commit: None,
            ddl_commits: true,
            delimited_bodies: true,
        }
    }

    fn use_schema_sql(&self, schema: &str) -> Result<String, DbError> {
        Ok(format!("USE {};", MySql.quote(schema)))
    }
}

/// An open MySQL / MariaDB connection.
pub(crate) struct MySqlSession {
    conn: MysqlConnection,
    /// MariaDB or MySQL, and its version ([`read_server`]); `None` until read.
    server: Option<Server>,
    /// Whether this session holds the run's lock.
    locked: bool,
    /// On a Galera cluster: the cluster-wide lock this session holds instead of `GET_LOCK`.
    cluster_lock: Option<galera::ClusterLock>,
    /// The URL it was opened with (`None`: a connection the application made).
    url: Option<String>,
    /// During a run: kills this session on the server when a signal ends the process.
    end_on_signal: Option<crate::interrupt::Guard>,
    /// During a run: the session's `sql_mode` before it (the run sets [`SESSION_MODE`]), put
    /// back afterwards, so a connection the application lends to a run (`embed_migrations!`)
    /// comes back as it was.
    mode_before: Option<String>,
}

impl From<MysqlConnection> for Connection {
    /// Wraps a diesel connection the application already has.
    fn from(mut conn: MysqlConnection) -> Self {
        // Read now, once; a failure is tried again when the version is first needed.
        let server = read_server(&mut conn).ok();
        Connection::new(MySqlSession {
            conn,
            server,
            locked: false,
            cluster_lock: None,
            url: None,
            end_on_signal: None,
            mode_before: None,
        })
    }
}

/// The diesel connection inside a session, if it is a MySQL one.
pub(crate) fn into_diesel(session: Box<dyn Any>) -> Option<MysqlConnection> {
    session.downcast::<MySqlSession>().ok().map(|s| s.conn)
}

#[derive(QueryableByName)]
struct Answer {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// The one value of a query selecting a column `v`, as text.
/// The session's `sql_mode`: that of the objects a run creates.
fn session_mode(conn: &mut MysqlConnection) -> Result<String, DbError> {
    Ok(value(conn, "SELECT @@SESSION.sql_mode AS v")
        .map_err(DbError::query("reading sql_mode"))?
        .unwrap_or_default())
}

fn value(conn: &mut MysqlConnection, sql: &str) -> QueryResult<Option<String>> {
    Ok(diesel::sql_query(sql).get_result::<Answer>(conn)?.v)
}

/// The server's flavour and version (`SELECT VERSION()`), read once per session.
fn read_server(conn: &mut MysqlConnection) -> Result<Server, DbError> {
    let version = value(conn, "SELECT VERSION() AS v")
        .map_err(DbError::query("reading the server's version"))?
        .unwrap_or_default();
    Server::parse(&version).ok_or_else(|| {
        DbError::Unsupported(format!(
            "the server's version `{version}` is neither MariaDB's nor MySQL's (`SELECT VERSION()` \
             should begin with major.minor)"
        ))
    })
}

/// The name of the run's lock: one per database (`GET_LOCK` names are server-wide).
const LOCK_NAME: &str = "CONCAT('retort:', LEFT(DATABASE(), 56))";

impl MySqlSession {
    /// The run's lock on one server: `GET_LOCK`, one per database.
    fn take_server_lock(&mut self, options: &RunOptions) -> Result<(), PrepareError> {
        let started = Instant::now();
        let wait = options.lock_wait.as_secs_f64();
        let got = value(
            &mut self.conn,
            &format!("SELECT CAST(GET_LOCK({LOCK_NAME}, {wait:.3}) AS CHAR) AS v"),
        )
        .map_err(DbError::query("taking the run's lock (GET_LOCK)"))?;
        if got.as_deref() != Some("1") {
            let holder = value(
                &mut self.conn,
                &format!("SELECT CAST(IS_USED_LOCK({LOCK_NAME}) AS CHAR) AS v"),
            )
            .ok()
            .flatten()
            .map(|id| format!("connection {id} (`KILL {id};` ends it)"));
            let lock = value(&mut self.conn, &format!("SELECT {LOCK_NAME} AS v"))
                .ok()
                .flatten()
                .unwrap_or_else(|| "retort".to_owned());
            return Err(PrepareError::LockTimeout {
                lock: format!("GET_LOCK('{lock}')"),
                waited: started.elapsed().max(Duration::from_millis(1)),
                holder,
            });
        }
        Ok(())
    }
}

impl MySqlSession {
    /// The server's flavour and version: read when the session opened, or at the first use of
    /// a connection the application lent.
    fn server(&mut self) -> Result<Server, DbError> {
        if self.server.is_none() {
            self.server = Some(read_server(&mut self.conn)?);
        }
        Ok(self.server.unwrap_or(Server::MARIADB_10_11))
    }
}

impl Session for MySqlSession {
    fn backend(&self) -> Backend {
        BACKEND
    }

    /// The dialect of the server it talks to: MariaDB's or MySQL's SQL where they differ.
    fn dialect(&self) -> &'static dyn Dialect {
        crate::dialect::MySqlDialect::for_server(self.server.unwrap_or(Server::MARIADB_10_11))
    }

    fn batch_execute(&mut self, sql: &str) -> QueryResult<()> {
        self.conn.batch_execute(sql)
    }

    fn introspect(&mut self, schemas: &[String]) -> Result<Schema, DbError> {
        if let Some(schema) = schemas.first() {
            return Err(DbError::Unsupported(format!(
                "MariaDB has no schemas inside a database (`{schema}`): remove `schema = ...` \
                 from the models"
            )));
        }
        let server = self.server()?;
        let mut schema = introspect::introspect(&mut self.conn, &server)
            .map_err(DbError::query("reading information_schema"))?;
        let catalog = objects::read(&mut self.conn, &server)
            .map_err(DbError::query("reading the views, triggers and routines"))?;
        let mode = session_mode(&mut self.conn)?;
        managed::apply(&catalog, &mode, &mut schema);
        Ok(schema)
    }

    /// The models keep their spelling (the dialect's normalisation brings both sides to one);
    /// MariaDB checks their SQL first ([`models::check`]).
    fn normalize_models(&mut self, target: &mut Schema) -> Result<(), super::ModelsError> {
        let server = self.server()?;
        for table in target.tables.values() {
            for column in &table.columns {
                if let Some(reason) = server.refusal(&column.ty) {
                    return Err(DbError::Unsupported(format!(
                        "model column `{}.{}`: {reason}",
                        table.name, column.name
                    ))
                    .into());
                }
            }
        }
        models::check(&mut self.conn, target)?;
        let mode = session_mode(&mut self.conn)?;
        let url = self.url.clone();
        declared::normalize(&mut self.conn, &server, &mode, url.as_deref(), target)
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let sql = format!(
            "SELECT CAST(COUNT(*) AS CHAR) AS v FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {}",
            crate::dialect::mysql::sql_string(name)
        );
        let found =
            value(&mut self.conn, &sql).map_err(DbError::query(format!("looking for {name}")))?;
        Ok(found.as_deref() != Some("0"))
    }

    fn text_pairs(&mut self, sql: &str) -> QueryResult<Vec<(String, Option<String>)>> {
        super::load_text_pairs(&mut self.conn, sql)
    }

    /// The views' columns, for `inspect` ([`introspect::fill_view_columns`]).
    fn fill_view_columns(&mut self, schema: &mut Schema) -> Vec<String> {
        introspect::fill_view_columns(&mut self.conn, schema)
            .unwrap_or_else(|err| vec![format!("the views' columns cannot be read: {err}")])
    }

    fn write_triggers(&mut self, table: &str) -> QueryResult<Vec<String>> {
        let sql = format!(
            "SELECT TRIGGER_NAME AS a, CAST(NULL AS CHAR) AS b FROM information_schema.TRIGGERS \
             WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = {} ORDER BY 1",
            crate::dialect::mysql::sql_string(table)
        );
        let rows = super::load_text_pairs(&mut self.conn, &sql)?;
        Ok(rows.into_iter().map(|(name, _)| name).collect())
    }

    /// Views, triggers, functions and procedures, and sequences (listed only):
    /// [`objects`].
    fn other_objects(&mut self) -> Result<Vec<super::object::Object>, DbError> {
        let server = self.server()?;
        objects::objects(&mut self.conn, &server)
            .map_err(DbError::query("reading the views, triggers and routines"))
    }

    fn prepare_run(&mut self, options: &RunOptions) -> Result<(), PrepareError> {
        let galera = galera::is_galera(&mut self.conn)
            .map_err(DbError::query("asking whether the server is a Galera node"))?;
        if galera {
            self.cluster_lock = Some(galera::take(
                &mut self.conn,
                self.url.as_deref(),
                options.lock_wait,
            )?);
        } else {
            self.take_server_lock(options)?;
        }
        self.locked = true;
        self.mode_before = value(&mut self.conn, "SELECT @@SESSION.sql_mode AS v")
            .map_err(DbError::query("reading the session's sql_mode"))?;
        if options.end_on_signal {
            if let Some(url) = self.url.clone() {
                let id = value(&mut self.conn, "SELECT CAST(CONNECTION_ID() AS CHAR) AS v")
                    .map_err(DbError::query("reading the session's id"))?;
                if let Some(id) = id {
                    let release = self.cluster_lock.as_ref().map(|l| l.release_sql());
                    self.end_on_signal = Some(crate::interrupt::register(Box::new(move || {
                        if let Ok(mut other) = MysqlConnection::establish(&diesel_url(&url)) {
                            let _ = other.batch_execute(&format!("KILL CONNECTION {id}"));
                            if let Some(release) = release {
                                let _ = other.batch_execute(&release);
                            }
                        }
                    })));
                }
            }
        }
        // A statement blocked by another session's lock fails after this, in whole seconds
        // rounded up; zero is no limit (MariaDB's largest, a year).
        let timeout = options.lock_timeout;
        let secs = match timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0) {
            0 => 31_536_000,
            secs => secs.min(31_536_000),
        };
        self.conn
            .batch_execute(&format!(
                "SET SESSION lock_wait_timeout = {secs}, innodb_lock_wait_timeout = {}",
                secs.min(1_073_741_824)
            ))
            .map_err(DbError::query("setting the statement lock timeout"))?;
        Ok(())
    }

    fn finish_run(&mut self) -> Result<(), DbError> {
        if let Some(guard) = self.end_on_signal.take() {
            guard.dismiss();
        }
        if !std::mem::take(&mut self.locked) {
            return Ok(());
        }
        let mode = match self.mode_before.take() {
            Some(mode) => format!(", sql_mode = {}", crate::dialect::mysql::sql_string(&mode)),
            None => String::new(),
        };
        let reset = self
            .conn
            .batch_execute(&format!(
                "SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT{mode}"
            ))
            .map_err(DbError::query(
                "resetting the statement lock timeout and sql_mode",
            ));
        let release = match self.cluster_lock.take() {
            Some(lock) => lock.release(&mut self.conn),
            None => value(
                &mut self.conn,
                &format!("SELECT CAST(RELEASE_LOCK({LOCK_NAME}) AS CHAR) AS v"),
            )
            .map(drop)
            .map_err(DbError::query("releasing the run's lock (RELEASE_LOCK)")),
        };
        release.and(reset)
    }

    fn begin(&mut self, sql: &str) -> QueryResult<()> {
        AnsiTransactionManager::begin_transaction_sql(&mut self.conn, sql)
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
    fn urls_name_their_database() {
        assert_eq!(database_of("mysql://u@h:3306/app?x=1"), Some("app"));
        assert_eq!(database_of("mysql://u@h:3306/"), None);
        assert_eq!(database_of("mariadb://h"), None);
        assert_eq!(diesel_url("mariadb://u@h/app"), "mysql://u@h/app");
        assert_eq!(
            replace_database("mysql://u:p@h:3306/app?x=1", "s"),
            "mysql://u:p@h:3306/s?x=1"
        );
        assert_eq!(replace_database("mysql://h:1/", "s"), "mysql://h:1/s");
        assert_eq!(
            server_url("mysql://root@h:1/").as_deref(),
            Some("mysql://root@h:1/information_schema")
        );
        assert_eq!(
            server_url("mariadb://h").as_deref(),
            Some("mariadb://h/information_schema")
        );
        assert_eq!(server_url("mysql://h/app"), None);
        assert_eq!(server_url("postgres://h/"), None);
    }
}
