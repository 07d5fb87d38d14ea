//! Rust data steps as the runner meets them: the registry `#[retort::data_migration]` fills
//! ([`DataStep`], through `inventory`) and [`Conn`], the run's connection lent to a step (which
//! names each backend's diesel connection, so it lives with the backends). The markers in a
//! revision's SQL, the checks before a run and the checksum are [`crate::data`]'s.

use std::marker::PhantomData;

use diesel::connection::{BoxableConnection, SimpleConnection};
use diesel::QueryResult;

use crate::Backend;

/// What a data step returns: any error converts (`?` on diesel's, Retort's or your own).
pub type Result<T = (), E = Box<dyn std::error::Error + Send + Sync + 'static>> =
    std::result::Result<T, E>;

/// The function a registration calls: the step, its error boxed.
pub type StepFn = fn(&mut Conn<'_>) -> Result<()>;

/// A Rust data step compiled into this binary, as `#[retort::data_migration]` registers it.
#[derive(Debug)]
pub struct DataStep {
    /// The revision's id (12 hexadecimal digits).
    pub revision: &'static str,
    /// The function's name, which the marker line names.
    pub name: &'static str,
    /// A hash of the function's tokens (16 hexadecimal digits): a changed body changes it.
    pub hash: &'static str,
    /// Where the function is (`file!()`), for messages.
    pub file: &'static str,
    /// Its line.
    pub line: u32,
    run: StepFn,
}

impl DataStep {
    #[doc(hidden)]
    pub const fn __new(
        revision: &'static str,
        name: &'static str,
        hash: &'static str,
        file: &'static str,
        line: u32,
        run: StepFn,
    ) -> Self {
        DataStep {
            revision,
            name,
            hash,
            file,
            line,
            run,
        }
    }

    /// Runs the step on `conn`; a panic in it is an error naming the step, not the end of
    /// the run's process.
    pub fn run(&self, conn: &mut Conn<'_>) -> Result<()> {
        let run = self.run;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(conn))) {
            Ok(result) => result,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".to_owned());
                Err(format!("panicked: {message}").into())
            }
        }
    }
}

inventory::collect!(DataStep);

/// Every data step compiled into this binary.
pub fn registered() -> impl Iterator<Item = &'static DataStep> {
    inventory::iter::<DataStep>.into_iter()
}

/// The step `name` of revision `revision`, when compiled in. (Two registrations of one name
/// are refused before a run starts: `crate::data::missing`.)
pub fn find(revision: &str, name: &str) -> Option<&'static DataStep> {
    registered().find(|s| s.revision == revision && s.name == name)
}

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
