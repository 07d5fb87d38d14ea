//! Database URLs and connections: the backend-independent face of the backends' sessions,
//! published as [`crate::db`].

use std::fmt;
use std::str::FromStr;

use super::{Backend, Session};
use crate::dialect::Dialect;
use crate::schema::Schema;

/// A problem reaching or querying the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The URL names no backend, or is malformed.
    #[error("invalid database URL `{url}`: {reason}")]
    BadUrl {
        /// The URL as given, passwords hidden.
        url: String,
        /// What is wrong with it and what would be accepted.
        reason: String,
    },
    /// The backend cannot do what was asked.
    #[error("{0}")]
    Unsupported(
        /// What the backend cannot do, and what to do instead.
        String,
    ),
    /// A read-only command on a database file that does not exist.
    #[error(
        "database file {path} does not exist; check --database-url, or run `{}` to create it",
        crate::invocation::command("upgrade head")
    )]
    MissingFile {
        /// The file path of the SQLite URL.
        path: String,
    },
    /// The directory of a new SQLite database file could not be created.
    #[error("cannot create the directory {path} for the database file: {reason}")]
    CreateDir {
        /// The directory.
        path: String,
        /// The operating system's error.
        reason: String,
    },
    /// A database file could not be opened.
    #[error("cannot open {url}; check that its directory exists and is writable")]
    Open {
        /// The URL, password hidden.
        url: String,
        /// diesel's error.
        #[source]
        source: diesel::ConnectionError,
    },
    /// A database server could not be reached.
    #[error("cannot connect to {url}")]
    Connect {
        /// The URL, password hidden.
        url: String,
        /// diesel's (libpq's) error.
        #[source]
        source: diesel::ConnectionError,
    },
    /// diesel's migration harness failed outside any revision's SQL.
    #[error("diesel_migrations failed while {what}")]
    Harness {
        /// What the harness was doing.
        what: String,
        /// The harness's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A statement failed.
    #[error("{what} failed")]
    Query {
        /// What the statement was for.
        what: String,
        /// diesel's error.
        #[source]
        source: diesel::result::Error,
    },
}

impl DbError {
    pub(crate) fn query(what: impl Into<String>) -> impl FnOnce(diesel::result::Error) -> DbError {
        let what = what.into();
        move |source| DbError::Query { what, source }
    }
}

/// Where the database is: `sqlite://PATH` (relative or, with a third slash, absolute),
/// `sqlite::memory:`, or `postgres://...`/`postgresql://...`, as far as the backends compiled
/// into this build accept.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    url: String,
}

/// The embedded default: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://retort.db";

impl DatabaseUrl {
    /// The backend the URL names.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL exactly as given (with its password: never print it; `Display` hides it).
    pub fn as_str(&self) -> &str {
        &self.url
    }
}

impl DbError {
    /// A failed connection to `url`: libpq's message loses the URL's passwords (a server may
    /// quote a database or user name that holds one).
    pub(crate) fn connect(url: &DatabaseUrl, source: diesel::ConnectionError) -> DbError {
        let message = source.to_string();
        let scrubbed = crate::redact::scrub(&message, url.as_str());
        DbError::Connect {
            url: url.to_string(),
            source: if scrubbed == message {
                source
            } else {
                diesel::ConnectionError::BadConnection(scrubbed)
            },
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = DbError;

    fn from_str(url: &str) -> Result<Self, DbError> {
        let bad = |reason: String| DbError::BadUrl {
            url: crate::redact::url(url),
            reason,
        };
        let backend = Backend::for_url(url).map_err(bad)?;
        backend.driver().check_url(url).map_err(bad)?;
        Ok(DatabaseUrl {
            backend,
            url: url.to_owned(),
        })
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.backend.driver().display_url(&self.url))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// How to open a connection.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Create a missing SQLite file. Read-only commands leave it `false` so they never leave an
    /// empty database behind.
    pub create: bool,
    /// PostgreSQL schema to read and migrate instead of `public` (sets `search_path`).
    pub schema: Option<String>,
    /// A writable PostgreSQL server (same major version) for what a read-only standby cannot
    /// do: spelling the models as the server does (TEMP tables in a rolled-back transaction).
    /// Only used when the database refuses writes.
    pub scratch_url: Option<String>,
    /// PostgreSQL: the URL reaches the server through a connection pooler in transaction mode
    /// (pgbouncer) even when its port is the server's (`pooler = true` in Retort.toml): the
    /// run takes a lock that holds without a session of its own. A pooler on another port than
    /// the server's is detected without it.
    pub pooler: bool,
}

/// An open connection to one of the supported backends.
pub struct Connection {
    session: Box<dyn Session>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Connection({})", self.backend())
    }
}

impl Connection {
    pub(crate) fn new(session: impl Session + 'static) -> Connection {
        Connection {
            session: Box::new(session),
        }
    }

    pub(crate) fn session(&mut self) -> &mut dyn Session {
        &mut *self.session
    }

    /// Connects. With `create = false` a missing SQLite file is an error instead of being
    /// created (read-only commands must not leave an empty database behind).
    pub fn open(url: &DatabaseUrl, create: bool) -> Result<Connection, DbError> {
        Connection::open_with(
            url,
            &OpenOptions {
                create,
                ..OpenOptions::default()
            },
        )
    }

    /// Connects with explicit options.
    pub fn open_with(url: &DatabaseUrl, options: &OpenOptions) -> Result<Connection, DbError> {
        url.backend().driver().open(url, options)
    }

    /// The backend of this connection.
    pub fn backend(&self) -> Backend {
        self.session.backend()
    }

    /// The dialect that renders SQL for this connection: its backend's, for the server it
    /// talks to (`Session::dialect`).
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.session.dialect()
    }

    /// Runs SQL statements separated by `;`, outside any transaction Retort opens.
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.session
            .batch_execute(sql)
            .map_err(DbError::query("executing SQL"))
    }

    /// Fills the columns of `schema`'s views where introspection could not (SQLite keeps no
    /// column list for a view), for `inspect`; a view whose columns cannot be read is removed,
    /// with a line saying why in the result.
    pub fn fill_view_columns(&mut self, schema: &mut Schema) -> Vec<String> {
        self.session.fill_view_columns(schema)
    }

    /// The rows of `sql`, a query selecting one column of text (a list of database URLs, say),
    /// in the order the query returns them; a NULL is an empty string. A trailing `;` is
    /// allowed.
    pub fn query_texts(&mut self, sql: &str) -> Result<Vec<String>, DbError> {
        let query = sql.trim().trim_end_matches(';').trim_end();
        let wrapped = format!(
            "WITH retort_listed(v) AS ({query}\n) SELECT COALESCE(v, '') AS a, v AS b FROM retort_listed"
        );
        let rows = self
            .session
            .text_pairs(&wrapped)
            .map_err(DbError::query("running the listing query"))?;
        Ok(rows.into_iter().map(|(a, _)| a).collect())
    }

    /// The schemas of the database other than the system's own (PostgreSQL: not `pg_*` nor
    /// `information_schema`), sorted by name; an error on a backend without schemas.
    pub fn schemas(&mut self) -> Result<Vec<String>, DbError> {
        self.session.schemas()
    }

    /// Reads the live schema (without the migration bookkeeping tables), normalised by the
    /// connection's dialect.
    pub fn introspect(&mut self) -> Result<Schema, DbError> {
        self.introspect_schemas(&[])
    }

    /// Like [`Connection::introspect`], also reading the tables of `schemas`, schemas other
    /// than the default one (PostgreSQL `#[model(schema = "...")]`, see
    /// [`Schema::other_schemas`]); their tables are keyed `schema.table`. The number of catalog
    /// queries does not depend on how many schemas there are.
    pub fn introspect_schemas(&mut self, schemas: &[String]) -> Result<Schema, DbError> {
        let mut schema = self.session.introspect(schemas)?;
        self.dialect().normalize(&mut schema);
        Ok(schema)
    }

    /// `target` with its column types and defaults spelled the way this server spells them
    /// (PostgreSQL asks the server, in a transaction that is rolled back; SQLite keeps the
    /// models' spelling).
    pub fn server_spelling(&mut self, target: &Schema) -> Result<Schema, super::ModelsError> {
        let mut target = target.clone();
        self.spell_as_server(&mut target)?;
        Ok(target)
    }

    /// [`Connection::server_spelling`], respelling `target` itself.
    pub fn spell_as_server(&mut self, target: &mut Schema) -> Result<(), super::ModelsError> {
        self.session.normalize_models(target)
    }

    /// For each `(from, to)`, whether the server converts a column of `from`'s type to `to`'s
    /// without a `--using` expression (see [`crate::convert::needs_using`]).
    pub fn converts_implicitly(
        &mut self,
        pairs: &[(crate::schema::Column, crate::schema::Column)],
    ) -> Result<Vec<bool>, DbError> {
        self.session.converts_implicitly(pairs)
    }

    /// Closes the connection after a failed run. When opening it created its database file
    /// (an SQLite file opened with `create`), that file is still the same one, and it holds no
    /// table (a failed SQLite run leaves nothing applied), the file is removed, so a failed
    /// first run leaves nothing behind. A file that existed before is never removed. Returns
    /// whether a file was removed.
    pub fn close_after_failure(self) -> bool {
        self.session.discard_created()
    }

    /// The diesel SQLite connection inside, if this is one.
    #[cfg(feature = "sqlite")]
    pub fn into_sqlite(self) -> Option<diesel::sqlite::SqliteConnection> {
        super::sqlite::into_diesel(self.session.into_any())
    }

    /// The diesel MySQL / MariaDB connection inside, if this is one.
    #[cfg(feature = "mysql")]
    pub fn into_mysql(self) -> Option<diesel::mysql::MysqlConnection> {
        super::mysql::into_diesel(self.session.into_any())
    }

    /// The diesel PostgreSQL connection inside, if this is one.
    #[cfg(feature = "postgres")]
    pub fn into_pg(self) -> Option<diesel::pg::PgConnection> {
        super::postgres::into_diesel(self.session.into_any())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<DatabaseUrl, String> {
        url.parse::<DatabaseUrl>().map_err(|e| e.to_string())
    }

    #[test]
    fn urls_name_their_backend_or_the_feature_that_compiles_it() {
        #[cfg(feature = "sqlite")]
        {
            assert_eq!(parse("sqlite://x.db").unwrap().backend().key(), "sqlite");
            assert_eq!(parse("sqlite::memory:").unwrap().backend().name(), "SQLite");
            assert!(parse("sqlite://")
                .unwrap_err()
                .contains("the SQLite path is empty"));
        }
        #[cfg(feature = "postgres")]
        {
            let url = parse("postgresql://me:secret@db.example/app").unwrap();
            assert_eq!(url.backend().key(), "postgresql");
            assert_eq!(url.to_string(), "postgresql://me:***@db.example/app");
            assert_eq!(url.as_str(), "postgresql://me:secret@db.example/app");
        }
        #[cfg(not(feature = "postgres"))]
        {
            let err = parse("postgres://me@db.example/app").unwrap_err();
            assert!(
                err.contains("PostgreSQL support is not compiled into this binary; enable the `postgres` feature"),
                "{err}"
            );
        }
        #[cfg(not(feature = "sqlite"))]
        {
            let err = parse("sqlite://x.db").unwrap_err();
            assert!(err.contains("enable the `sqlite` feature"), "{err}");
        }
        #[cfg(not(feature = "mysql"))]
        {
            let err = parse("mysql://localhost/app").unwrap_err();
            assert!(
                err.contains(
                    "MariaDB support is not compiled into this binary; enable the `mysql` feature"
                ),
                "{err}"
            );
        }
        #[cfg(feature = "mysql")]
        {
            assert_eq!(
                parse("mariadb://me@db/app").unwrap().backend().key(),
                "mysql"
            );
            let err = parse("mysql://me@db").unwrap_err();
            assert!(err.contains("name the database in the URL"), "{err}");
        }
        let err = parse("oracle://localhost/app").unwrap_err();
        assert!(
            err.starts_with("invalid database URL `oracle://localhost/app`: expected "),
            "{err}"
        );
    }
}
