//! The contract of a run between the runner and the backends: which way it goes and its
//! settings ([`crate::runner`] re-exports both), and what a backend reports when it cannot
//! prepare one.

use std::fmt;
use std::time::Duration;

use super::DbError;

/// Which way a revision goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Apply `up.sql`.
    Upgrade,
    /// Apply `down.sql`.
    Downgrade,
}

impl Direction {
    /// The file this direction runs.
    pub fn file(self) -> &'static str {
        match self {
            Direction::Upgrade => "up.sql",
            Direction::Downgrade => "down.sql",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        })
    }
}

/// The default of [`RunOptions::lock_timeout`].
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// How long to wait for another run's lock (PostgreSQL advisory lock, SQLite write lock).
    pub lock_wait: Duration,
    /// PostgreSQL's `lock_timeout` for every statement of the run: a statement blocked longer
    /// by another session's lock fails (its revision's transaction rolls back) and the error
    /// names the blocking sessions. Zero: no limit. SQLite takes its write lock for the whole
    /// run up front ([`RunOptions::lock_wait`]), so no statement waits after that.
    pub lock_timeout: Duration,
    /// PostgreSQL: when SIGINT, SIGTERM or SIGHUP ends the process during the run, end the
    /// run's session on the server first (`pg_terminate_backend` from another connection), so
    /// its statement does not stay queued behind a lock, and its transaction rolls back. This
    /// installs handlers for those signals that end the process (those shadow replays install), for
    /// good: meant for command-line tools (the CLI sets it); an application with its own signal
    /// handling leaves it off (the default). On both backends such a signal also waits (up to
    /// 10 s) until the revision in progress has rolled back, or committed and been reported to
    /// the progress callback, so the callback has heard of every revision that stays.
    pub end_on_signal: bool,
    /// Run even when applied revisions were edited since they were applied (their checksums
    /// differ). Off by default: such a run fails with
    /// [`RunError::Edited`](crate::runner::RunError::Edited).
    pub allow_edited: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            lock_wait: Duration::from_secs(60),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            end_on_signal: false,
            allow_edited: false,
        }
    }
}

/// Why a backend could not prepare a run ([`super::Session::prepare_run`]); the runner turns it
/// into its [`RunError`](crate::runner::RunError).
#[derive(Debug)]
pub(crate) enum PrepareError {
    /// Another run held the run's lock past [`RunOptions::lock_wait`].
    LockTimeout {
        /// Which lock.
        lock: String,
        /// How long the run waited.
        waited: Duration,
        /// The session holding it, described for an operator, when known.
        holder: Option<String>,
    },
    /// A statement preparing the run failed.
    Db(DbError),
}

impl From<DbError> for PrepareError {
    fn from(e: DbError) -> Self {
        PrepareError::Db(e)
    }
}
