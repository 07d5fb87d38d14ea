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

/// The default of [`RunOptions::lock_timeout`]: a few seconds, so a migration queued behind a
/// long transaction does not hold every other query of its table behind it for long.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(3);

/// The default of [`RunOptions::lock_retries`].
pub const DEFAULT_LOCK_RETRIES: u32 = 4;

/// What a run tells as it goes ([`RunOptions::notify`]), besides the revisions it commits.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RunEvent {
    /// A statement gave up waiting for a lock and is about to be tried again.
    LockRetry(LockRetry),
    /// A revision outside a transaction that an earlier run left partly done goes on after
    /// the statements that took effect.
    Resumed {
        /// The revision.
        revision: String,
        /// Which way.
        direction: Direction,
        /// Statements of its file that took effect before.
        done: usize,
        /// Statements in its file.
        total: usize,
    },
    /// Before resuming, something the interrupted statement left behind was cleared (an
    /// index left INVALID by an interrupted `CREATE INDEX CONCURRENTLY` is dropped, to be
    /// built again).
    Repaired {
        /// The revision.
        revision: String,
        /// What was done, in words.
        what: String,
    },
}

/// A statement that gave up waiting for a lock and is about to be tried again
/// ([`RunEvent::LockRetry`]).
#[derive(Debug, Clone)]
pub struct LockRetry {
    /// The revision.
    pub revision: String,
    /// The statement, shortened to one line.
    pub statement: String,
    /// The attempt about to start (2 for the first retry).
    pub attempt: u32,
    /// How many attempts the run makes at most.
    pub attempts: u32,
    /// How long the run sleeps first.
    pub wait: Duration,
}

/// How long to sleep before attempt `attempt` (2, 3, ...): 1 s, doubling, at most 16 s.
pub fn retry_wait(attempt: u32) -> Duration {
    Duration::from_secs(1 << attempt.saturating_sub(2).min(4))
}

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
    /// How many times a statement that gave up on its lock ([`RunOptions::lock_timeout`]) is
    /// tried again, after 1 s, 2 s, 4 s... ([`retry_wait`]): a transactional revision from its
    /// start (its transaction rolled back), a revision outside a transaction from the statement
    /// that timed out. Zero: the first timeout fails the run.
    pub lock_retries: u32,
    /// Told of retries, resumed revisions and repairs as they happen (the CLI prints a line
    /// for each).
    pub notify: Option<fn(&RunEvent)>,
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
            lock_retries: DEFAULT_LOCK_RETRIES,
            notify: None,
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
