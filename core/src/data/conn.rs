//! [`Conn`]: the run's connection, lent to a data step.

use std::marker::PhantomData;

use diesel::connection::{BoxableConnection, SimpleConnection};
use diesel::QueryResult;

use crate::Backend;

/// The run's own connection, lent to a data step: inside the revision's transaction where the
/// backend has one, under the run's lock. Use diesel on the backend's connection
/// ([`Conn::sqlite`], [`Conn::pg`], [`Conn::mysql`]), or plain SQL ([`Conn::batch_execute`]).
/// Do not commit or roll back: the run owns the transaction.
pub struct Conn<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut diesel::SqliteConnection),
    #[cfg(feature = "postgres")]
    Pg(&'a mut diesel::PgConnection),
    #[cfg(feature = "mysql")]
    Mysql(&'a mut diesel::MysqlConnection),
    /// Keeps the lifetime in a build without backends.
    #[allow(dead_code)]
    Never(std::convert::Infallible, PhantomData<&'a mut ()>),
}

/// A data step asked for another backend's connection than the run's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this data step asked for a {wanted} connection, but the run is on {actual}: check `conn.backend()` first, or run it on {wanted}")]
pub struct WrongBackend {
    /// The backend the step asked for.
    pub wanted: &'static str,
    /// The run's backend.
    pub actual: &'static str,
}

impl<'a> Conn<'a> {
    /// The connection diesel's harness hands a migration, when it is one Retort knows.
    pub(crate) fn from_boxable<DB: diesel::backend::Backend + 'static>(
        conn: &'a mut dyn BoxableConnection<DB>,
    ) -> Option<Self> {
        let any = conn.as_any_mut();
        #[cfg(feature = "sqlite")]
        if any.is::<diesel::SqliteConnection>() {
            let conn = any.downcast_mut().expect("checked");
            return Some(Conn {
                inner: Inner::Sqlite(conn),
            });
        }
        #[cfg(feature = "postgres")]
        if any.is::<diesel::PgConnection>() {
            let conn = any.downcast_mut().expect("checked");
            return Some(Conn {
                inner: Inner::Pg(conn),
            });
        }
        #[cfg(feature = "mysql")]
        if any.is::<diesel::MysqlConnection>() {
            let conn = any.downcast_mut().expect("checked");
            return Some(Conn {
                inner: Inner::Mysql(conn),
            });
        }
        let _ = any;
        None
    }

    fn key(&self) -> &'static str {
        match &self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Inner::Pg(_) => "postgresql",
            #[cfg(feature = "mysql")]
            Inner::Mysql(_) => "mysql",
            Inner::Never(never, _) => match *never {},
        }
    }

    /// The backend the run is on.
    pub fn backend(&self) -> Backend {
        let key = self.key();
        Backend::all()
            .find(|b| b.key() == key)
            .expect("a connection of a compiled-in backend")
    }

    fn wrong(&self, wanted: &'static str) -> WrongBackend {
        WrongBackend {
            wanted,
            actual: self.backend().name(),
        }
    }

    /// The SQLite connection, when the run is on SQLite.
    #[cfg(feature = "sqlite")]
    pub fn sqlite(&mut self) -> Result<&mut diesel::SqliteConnection, WrongBackend> {
        let wrong = self.wrong("SQLite");
        #[allow(unreachable_patterns)]
        match &mut self.inner {
            Inner::Sqlite(conn) => Ok(conn),
            _ => Err(wrong),
        }
    }

    /// The PostgreSQL connection, when the run is on PostgreSQL.
    #[cfg(feature = "postgres")]
    pub fn pg(&mut self) -> Result<&mut diesel::PgConnection, WrongBackend> {
        let wrong = self.wrong("PostgreSQL");
        #[allow(unreachable_patterns)]
        match &mut self.inner {
            Inner::Pg(conn) => Ok(conn),
            _ => Err(wrong),
        }
    }

    /// The MariaDB/MySQL connection, when the run is on one.
    #[cfg(feature = "mysql")]
    pub fn mysql(&mut self) -> Result<&mut diesel::MysqlConnection, WrongBackend> {
        let wrong = self.wrong("MariaDB");
        #[allow(unreachable_patterns)]
        match &mut self.inner {
            Inner::Mysql(conn) => Ok(conn),
            _ => Err(wrong),
        }
    }
}

impl SimpleConnection for Conn<'_> {
    /// Runs SQL without results on whichever backend the run is on.
    fn batch_execute(&mut self, query: &str) -> QueryResult<()> {
        match &mut self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(conn) => conn.batch_execute(query),
            #[cfg(feature = "postgres")]
            Inner::Pg(conn) => conn.batch_execute(query),
            #[cfg(feature = "mysql")]
            Inner::Mysql(conn) => conn.batch_execute(query),
            Inner::Never(never, _) => match *never {},
        }
    }
}

impl std::fmt::Debug for Conn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Conn({})", self.backend().name())
    }
}
