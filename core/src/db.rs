//! Database URLs and connections, dispatched by backend.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection as _;

use crate::dialect::{Dialect, Postgres, Sqlite};
use crate::schema::Schema;

/// A problem reaching or querying the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    #[error("invalid database URL `{url}`: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("database file {path} does not exist; check --database-url, or run `retort upgrade head` to create it")]
    MissingFile { path: String },
    #[error("cannot open {url}: {source}; check that its directory exists and is writable")]
    SqliteOpen {
        url: String,
        source: diesel::ConnectionError,
    },
    #[error("cannot connect to {url}: {source}")]
    Connect {
        url: String,
        source: diesel::ConnectionError,
    },
    #[error("diesel_migrations: {0}")]
    Harness(String),
    #[error("{what} failed: {source}")]
    Query {
        what: String,
        source: diesel::result::Error,
    },
}

impl DbError {
    pub(crate) fn query(what: impl Into<String>) -> impl FnOnce(diesel::result::Error) -> DbError {
        let what = what.into();
        move |source| DbError::Query { what, source }
    }
}

/// Where the database is. `sqlite://PATH` (relative or, with a third slash, absolute),
/// `sqlite::memory:`, or `postgres://...`/`postgresql://...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite { path: String },
    Postgres(String),
}

/// The embedded default: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://retort.db";

impl FromStr for DatabaseUrl {
    type Err = DbError;

    fn from_str(url: &str) -> Result<Self, DbError> {
        let bad = |reason: &str| DbError::BadUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = if let Some(rest) = url.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            rest
        } else {
            return Err(bad(
                "expected sqlite://PATH, sqlite::memory: or postgres://USER@HOST/DB",
            ));
        };
        if path.is_empty() {
            return Err(bad("the SQLite path is empty; e.g. sqlite://retort.db"));
        }
        Ok(DatabaseUrl::Sqlite {
            path: path.to_owned(),
        })
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite { path } => write!(f, "sqlite://{path}"),
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// Hides the password of a URL for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// An open connection to one of the supported backends.
#[non_exhaustive]
pub enum Connection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Connection::Sqlite(_) => f.write_str("Connection::Sqlite"),
            Connection::Pg(_) => f.write_str("Connection::Pg"),
        }
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
}

impl From<SqliteConnection> for Connection {
    /// Wraps a diesel connection the application already has.
    fn from(conn: SqliteConnection) -> Self {
        Connection::Sqlite(conn)
    }
}

impl From<PgConnection> for Connection {
    /// Wraps a diesel connection the application already has.
    fn from(conn: PgConnection) -> Self {
        Connection::Pg(conn)
    }
}

impl Connection {
    /// The diesel SQLite connection inside, if this is one.
    pub fn into_sqlite(self) -> Option<SqliteConnection> {
        match self {
            Connection::Sqlite(c) => Some(c),
            Connection::Pg(_) => None,
        }
    }

    /// The diesel PostgreSQL connection inside, if this is one.
    pub fn into_pg(self) -> Option<PgConnection> {
        match self {
            Connection::Pg(c) => Some(c),
            Connection::Sqlite(_) => None,
        }
    }

    /// Connects. With `create = false` a missing SQLite file is an error instead of being
    /// created (read-only commands must not leave an empty database behind).
    pub fn open(url: &DatabaseUrl, create: bool) -> Result<Connection, DbError> {
        Connection::open_with(
            url,
            &OpenOptions {
                create,
                schema: None,
            },
        )
    }

    /// Connects with explicit options.
    pub fn open_with(url: &DatabaseUrl, options: &OpenOptions) -> Result<Connection, DbError> {
        let create = options.create;
        if let (DatabaseUrl::Sqlite { .. }, Some(schema)) = (url, &options.schema) {
            return Err(DbError::Unsupported(format!(
                "SQLite has no schemas; drop --schema {schema} (or `schema` in Retort.toml) for {url}"
            )));
        }
        match url {
            DatabaseUrl::Sqlite { path } => {
                let in_memory = path == ":memory:" || path.starts_with("file:");
                if !in_memory && !create && !Path::new(path).exists() {
                    return Err(DbError::MissingFile { path: path.clone() });
                }
                let mut conn =
                    SqliteConnection::establish(path).map_err(|source| DbError::SqliteOpen {
                        url: url.to_string(),
                        source,
                    })?;
                // Another process migrating at the same time waits instead of failing.
                conn.batch_execute("PRAGMA busy_timeout = 30000;")
                    .map_err(DbError::query("setting the SQLite busy timeout"))?;
                Ok(Connection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(raw) => {
                let mut conn = PgConnection::establish(raw).map_err(|source| DbError::Connect {
                    url: url.to_string(),
                    source,
                })?;
                conn.batch_execute("SET client_min_messages TO warning;")
                    .map_err(DbError::query("configuring the session"))?;
                if let Some(schema) = &options.schema {
                    use diesel::RunQueryDsl;
                    #[derive(diesel::QueryableByName)]
                    struct Found {
                        #[diesel(sql_type = diesel::sql_types::Bool)]
                        found: bool,
                    }
                    let found: Found = diesel::sql_query(
                        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found",
                    )
                    .bind::<diesel::sql_types::Text, _>(schema)
                    .get_result(&mut conn)
                    .map_err(DbError::query("looking up the schema"))?;
                    if !found.found {
                        return Err(DbError::Unsupported(format!(
                            "schema `{schema}` does not exist in {url}; create it (CREATE SCHEMA \"{schema}\") or fix --schema"
                        )));
                    }
                    let quoted = schema.replace('"', "\"\"");
                    conn.batch_execute(&format!("SET search_path TO \"{quoted}\";"))
                        .map_err(DbError::query("setting search_path"))?;
                }
                Ok(Connection::Pg(conn))
            }
        }
    }

    /// The dialect that renders SQL for this connection.
    pub fn dialect(&self) -> &'static dyn Dialect {
        match self {
            Connection::Sqlite(_) => &Sqlite,
            Connection::Pg(_) => &Postgres,
        }
    }

    /// Reads the live schema (without the migration bookkeeping tables), normalised by the
    /// connection's dialect.
    pub fn introspect(&mut self) -> Result<Schema, DbError> {
        let mut schema = match self {
            Connection::Sqlite(c) => crate::introspect::sqlite::introspect(c)
                .map_err(DbError::query("reading the SQLite schema"))?,
            Connection::Pg(c) => crate::introspect::postgres::introspect(c)
                .map_err(DbError::query("reading the PostgreSQL catalog"))?,
        };
        self.dialect().normalize(&mut schema);
        Ok(schema)
    }
}
