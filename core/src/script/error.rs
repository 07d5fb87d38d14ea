//! What can be wrong with revision scripts: a directory that cannot be loaded ([`ScriptError`]),
//! one broken rule of a revision ([`Violation`]), and a script that would break the transaction
//! it runs in ([`TransactionControlError`]).
//!
//! Messages say what is wrong, where, and what to do. None repeats its `source` (the CLI prints
//! the whole chain).

use std::fmt;
use std::path::PathBuf;

use super::graph::GraphError;
use crate::sql::TransactionControl;

/// What to do about transaction control in a revision that runs in a transaction.
pub(crate) const TRANSACTION_CONTROL_FIX: &str = "remove it (every revision runs in a \
     transaction), or set run_in_transaction = false in metadata.toml for statements that \
     cannot run in one";

/// A migrations directory (or a set of embedded revisions) that cannot be loaded or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// The migrations directory does not exist.
    #[error("migrations directory {} does not exist; run `{init}` or pass --migrations-dir", crate::shown::path(.0), init = crate::invocation::command("init"))]
    Missing(PathBuf),
    /// The migrations path is a file (or anything but a directory).
    #[error("migrations path {} is a file, not a directory; pass the directory that holds the revisions with --migrations-dir (or `migrations_dir` in Retort.toml)", crate::shown::path(.0))]
    NotADirectory(PathBuf),
    /// The migrations directory cannot be listed.
    #[error(
        "cannot read {}; check that it is a directory you may read",
        crate::shown::path(path)
    )]
    Read {
        /// The path that could not be read.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A revision cannot be written.
    #[error(
        "cannot write {}; check that the migrations directory is writable",
        crate::shown::path(path)
    )]
    Write {
        /// The path that could not be written.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The revisions break rules that make them unusable: the first is shown, all are kept.
    #[error("{}", invalid_message(violations))]
    Invalid {
        /// The migrations directory (or the origin of embedded revisions).
        path: PathBuf,
        /// Every problem that prevents loading, sorted by path; never empty.
        violations: Vec<Violation>,
    },
    /// A revision id asked for (`--rev-id`) that cannot be used.
    #[error("cannot use revision id `{id}`: {reason}")]
    BadRevisionId {
        /// The id asked for.
        id: String,
        /// Why it cannot be used, and what to do.
        reason: String,
    },
    /// A branch label asked for (`--branch-label`) that cannot be used.
    #[error("cannot use branch label `{label}`: {reason}")]
    BadBranchLabel {
        /// The label asked for.
        label: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A revision to write names a parent that does not exist.
    #[error(transparent)]
    Graph(#[from] GraphError),
}

fn invalid_message(violations: &[Violation]) -> String {
    match violations {
        [] => "the revisions are invalid".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!(
            "{first} (and {} more problem(s); `{}` lists every one)",
            rest.len(),
            crate::invocation::command("check")
        ),
    }
}

/// What kind of problem a [`Violation`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// The directory name is not `<YYYY-MM-DD-HHMMSS>-<revision>_<slug>`.
    BadName,
    /// `up.sql`, `down.sql` or `metadata.toml` is missing.
    MissingFile,
    /// A file exists but cannot be read as UTF-8 text.
    UnreadableFile,
    /// `metadata.toml` is not valid TOML or lacks a required key.
    InvalidMetadata,
    /// `revision` in metadata.toml differs from the revision in the directory name.
    RevisionMismatch,
    /// Two directories hold the same revision id.
    DuplicateRevision,
    /// A parent named in metadata.toml does not exist.
    MissingParent,
    /// The parents (and dependencies) form a cycle.
    Cycle,
    /// A branch label that cannot be one (it looks like a revision id, or is a target word).
    BadLabel,
    /// A branch label declared by several revisions.
    DuplicateLabel,
    /// A dependency named in `depends_on` does not exist.
    MissingDependency,
    /// A child's timestamp is not later than one of its parents'.
    TimestampOrder,
    /// An entry named like a revision is not a directory: a regular file, or a symbolic link
    /// that loops or dangles.
    NotADirectory,
    /// `up.sql` or `down.sql` of a revision that runs in a transaction holds `COMMIT`, `BEGIN`...
    TransactionControl,
}

impl ViolationKind {
    /// Whether the revisions cannot be loaded at all with this problem. Transaction control
    /// does not block loading: the runner refuses such a script only when it would run it.
    pub fn blocks_loading(self) -> bool {
        self != ViolationKind::TransactionControl
    }
}

/// One problem of a revision: where, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// What kind of problem this is.
    pub kind: ViolationKind,
    /// The revision directory or the file inside it.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}; {}",
            crate::shown::path(&self.path),
            crate::shown::line(&self.problem),
            self.fix
        )
    }
}

impl std::error::Error for Violation {}

/// A revision script to run that holds transaction control.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("revision {revision} {file} line {line}: `{keyword}` {effect} the transaction Retort runs this revision in; {fix} ({path}); nothing was changed", line = found.line, keyword = found.keyword, effect = found.effect(), fix = TRANSACTION_CONTROL_FIX, path = crate::shown::path(path))]
pub struct TransactionControlError {
    /// The revision id.
    pub revision: String,
    /// `up.sql` or `down.sql`.
    pub file: &'static str,
    /// The file's path.
    pub path: PathBuf,
    /// The statement found.
    pub found: TransactionControl,
}
