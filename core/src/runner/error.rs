//! Why a run did not complete.

use std::fmt;
use std::time::Duration;

use crate::backend::PrepareError;
use crate::checksum::Edited;
use crate::db::DbError;
use crate::script::GraphError;

use super::Direction;

/// What a run was doing: the word its messages use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunKind {
    /// `upgrade`: applying revisions.
    Upgrade,
    /// `downgrade`: reverting revisions.
    Downgrade,
    /// `stamp`: rewriting the records without running SQL.
    Stamp,
}

impl fmt::Display for RunKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunKind::Upgrade => "upgrade",
            RunKind::Downgrade => "downgrade",
            RunKind::Stamp => "stamp",
        })
    }
}

impl From<Direction> for RunKind {
    fn from(direction: Direction) -> RunKind {
        match direction {
            Direction::Upgrade => RunKind::Upgrade,
            Direction::Downgrade => RunKind::Downgrade,
        }
    }
}

impl From<PrepareError> for RunError {
    fn from(e: PrepareError) -> RunError {
        match e {
            PrepareError::LockTimeout {
                lock,
                waited,
                holder,
            } => RunError::LockTimeout {
                lock,
                waited,
                holder,
            },
            PrepareError::Db(e) => RunError::Db(e),
        }
    }
}

/// Why a run did not complete. Nothing of the run is left applied, unless
/// [`MigrationFailure::completed`] says otherwise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Reaching or querying the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The target does not resolve in the revision graph.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The database records versions the migrations directory does not have.
    #[error("the database records {} version(s) that no revision in {dir} has: {}; restore their migration directories, or adopt the database with `{}` (see README, \"Adopting an existing database\"), before running anything", versions.len(), crate::listing::first_few(versions, crate::listing::SHOWN), crate::invocation::command("init --baseline"))]
    UnknownApplied {
        /// The migrations directory.
        dir: String,
        /// The recorded versions it does not have.
        versions: Vec<String>,
    },
    /// The database applied some of a squash's replaced revisions, and others of them are no
    /// longer in the directory (`squash --finalize` ran before every database was past them).
    #[error("the database applied part of the revisions squash {squash} replaces, and the directories of the others ({}) are gone (`squash --finalize` ran too early); restore them from version control and run `{upgrade}`, then finalize again", missing.join(", "), upgrade = crate::invocation::command("upgrade"))]
    SquashFinalizedEarly {
        /// The squash.
        squash: String,
        /// The replaced revisions the database has not applied.
        missing: Vec<String>,
    },
    /// A revision's SQL failed.
    #[error(transparent)]
    Migration(
        /// Which revision, file and line, and what completed before it.
        Box<MigrationFailure>,
    ),
    /// A revision must run outside a transaction, but the backend runs a whole run in one.
    #[error("revision {revision} sets run_in_transaction = false ({path}), but on {backend} a whole run is one transaction; remove the setting (and any COMMIT/VACUUM from its SQL) or run that SQL by hand")]
    NotTransactional {
        /// The revision's id.
        revision: String,
        /// Its metadata.toml.
        path: String,
        /// The backend's name.
        backend: &'static str,
    },
    /// The revisions were generated for another backend.
    #[error("revision {revision} was generated for {written_for} (`dialect` in {path}), but this database is {backend}; point --database-url at the database these migrations are for")]
    WrongDialect {
        /// The first revision of another dialect.
        revision: String,
        /// Its metadata.toml.
        path: String,
        /// The dialect it records.
        written_for: String,
        /// The connected backend's name.
        backend: &'static str,
    },
    /// Another run held the lock for longer than the timeout.
    #[error("another migration run holds the lock on this database ({lock}){}; gave up after {waited:?}. Wait for it to finish, or raise --lock-wait", holder.as_ref().map(|h| format!(", {h}")).unwrap_or_default())]
    LockTimeout {
        /// Which lock (PostgreSQL's advisory lock key, SQLite's write lock).
        lock: String,
        /// How long the run waited.
        waited: Duration,
        /// The session holding the lock, when the backend can tell (PostgreSQL: its pid,
        /// application name, since when, its statement, and how to end it).
        holder: Option<String>,
    },
    /// The run would leave rows that break foreign keys.
    #[error("{kind} would leave rows that break foreign keys ({}); nothing was changed", violations.join("; "))]
    ForeignKeys {
        /// What the run was doing.
        kind: RunKind,
        /// Up to ten violating rows, one line each.
        violations: Vec<String>,
    },
    /// Applied revisions were edited since they were applied.
    #[error("{}", edited_message(edited))]
    Edited {
        /// Each edited revision and which of its files changed.
        edited: Vec<Edited>,
    },
    /// A revision to run has Rust data steps this binary cannot run (not compiled in,
    /// registered twice, or a marker that cannot run); found before anything ran.
    #[error("{}; nothing was changed", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    DataSteps {
        /// Each step that cannot run.
        errors: Vec<crate::data::StepError>,
    },
    /// A script to run holds `COMMIT`, `BEGIN`... (see `sql`); found before anything ran.
    #[error(transparent)]
    TransactionControl(#[from] crate::script::TransactionControlError),
    /// diesel's bookkeeping table refused to record a revision: triggers on it (a guard against
    /// diesel_cli) refuse writes.
    #[error(transparent)]
    BookkeepingRefused(Box<BookkeepingRefused>),
    /// A revision outside a transaction is partly applied (or reverted), and this run cannot
    /// go on from there.
    #[error(transparent)]
    PartlyRun(Box<PartlyRun>),
}

/// [`RunError::Edited`]'s message: what changed, or what cannot be checked in this binary.
fn edited_message(edited: &[Edited]) -> String {
    let list = edited
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if edited.iter().any(Edited::changed) {
        format!(
            "applied migrations were edited: {list}; {}; nothing was changed",
            crate::checksum::edited_fix(edited)
        )
    } else {
        format!(
            "applied migrations cannot be checked: {list} (or pass --allow-edited to run \
             anyway); nothing was changed"
        )
    }
}

/// A revision an earlier run left partly done ([`RunError::PartlyRun`]).
#[derive(Debug)]
pub struct PartlyRun {
    /// The revision's id.
    pub revision: String,
    /// The file that ran in part.
    pub path: String,
    /// Which way it was going.
    pub direction: Direction,
    /// How many of the file's statements took effect.
    pub done: usize,
    /// How many statements the file has.
    pub total: usize,
    /// Why this run cannot go on.
    pub reason: PartlyRunReason,
}

/// Why a run cannot go on from a partly done revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartlyRunReason {
    /// This run goes the other way.
    OtherWay(RunKind),
    /// The statements that took effect changed in the file since.
    Edited,
    /// The revision now runs in a transaction (`run_in_transaction` no longer false).
    Transactional,
}

impl fmt::Display for PartlyRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (state, verb, finish) = match self.direction {
            Direction::Upgrade => ("applied", "an upgrade", "finish it with `upgrade`"),
            Direction::Downgrade => ("reverted", "a downgrade", "finish it with `downgrade`"),
        };
        write!(
            f,
            "revision {} is partly {state}: {} of the {} statement(s) of {} took effect before \
             {verb} stopped",
            self.revision, self.done, self.total, self.path
        )?;
        let undo = format!(
            "or undo what took effect by hand and record where the database is with `{}`",
            crate::invocation::command("stamp <revision>")
        );
        match self.reason {
            PartlyRunReason::OtherWay(kind) => write!(
                f,
                "; {} {kind} cannot start from there (which statements of the reverse would \
                 undo exactly that is not known): {finish}, {undo}",
                if kind == RunKind::Upgrade { "an" } else { "a" }
            )?,
            PartlyRunReason::Edited => write!(
                f,
                ", and those statements have changed in the file since: restore them as they \
                 ran (only the statement that failed and those after it may change), {undo}"
            )?,
            PartlyRunReason::Transactional => write!(
                f,
                ", and its metadata.toml no longer sets run_in_transaction = false: set it back \
                 to finish it statement by statement, {undo}"
            )?,
        }
        f.write_str("; nothing was changed")
    }
}

impl std::error::Error for PartlyRun {}

/// The table Retort (and diesel) record applied versions in.
pub(crate) const BOOKKEEPING_TABLE: &str = "__diesel_schema_migrations";

/// A revision whose version row `__diesel_schema_migrations` refused (see
/// [`RunError::BookkeepingRefused`]).
#[derive(Debug)]
pub struct BookkeepingRefused {
    /// Whether the revision was being applied or reverted.
    pub direction: Direction,
    /// The revision's id.
    pub revision: String,
    /// `false` when only its record was being written (`stamp`).
    pub executed: bool,
    /// The triggers on the table (enabled ones, on PostgreSQL), by name.
    pub triggers: Vec<String>,
    /// The backend: how to set a trigger aside differs
    /// ([`crate::dialect::DialectFacts::set_triggers_aside`]).
    pub backend: crate::backend::Backend,
    /// The database's message.
    pub message: String,
    /// `true` when the revision ran outside a transaction, so its statements took effect.
    pub took_effect: bool,
    /// Revisions of this run that completed before it (and remain so).
    pub completed: Vec<String>,
}

impl std::error::Error for BookkeepingRefused {}

impl fmt::Display for BookkeepingRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let table = BOOKKEEPING_TABLE;
        let write = match self.direction {
            Direction::Upgrade => "to record",
            Direction::Downgrade => "to remove the record of",
        };
        let names = self
            .triggers
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let (them, each) = if self.triggers.len() == 1 {
            ("it", self.triggers[0].as_str())
        } else {
            ("them", "NAME")
        };
        let fix = self.backend.dialect().set_triggers_aside(table, them, each);
        write!(
            f,
            "the bookkeeping table {table} refused {write} revision {} ({}); \
             trigger{} {names} on {table} refuse{} writes: {fix}, then run the command again; ",
            self.revision,
            self.message,
            if self.triggers.len() == 1 { "" } else { "s" },
            if self.triggers.len() == 1 { "s" } else { "" },
        )?;
        let verb = match (self.executed, self.direction) {
            (false, _) => "recorded",
            (true, Direction::Upgrade) => "applied",
            (true, Direction::Downgrade) => "reverted",
        };
        if self.took_effect {
            write!(
                f,
                "revision {} runs outside a transaction (run_in_transaction = false), so its \
                 statements took effect, but it is not recorded as {verb}: once the trigger is \
                 out of the way, record it with `{}`",
                self.revision,
                crate::invocation::command(&format!("stamp {}", self.revision))
            )?;
        } else if self.completed.is_empty() {
            f.write_str("nothing was changed (the transaction rolled back)")?;
        } else {
            write!(
                f,
                "nothing of revision {} was {verb} (its transaction rolled back)",
                self.revision
            )?;
        }
        if !self.completed.is_empty() {
            write!(
                f,
                "; revisions {} were {verb} before it and stay so",
                self.completed.join(", ")
            )?;
        }
        Ok(())
    }
}

/// A revision whose SQL failed.
#[derive(Debug, thiserror::Error)]
#[error("{direction} of revision {revision} failed at {path}{}: {message}{}; {}", line.map(|l| format!(" line {l}")).unwrap_or_default(), statement.as_ref().map(|s| format!(" (in `{s}`)")).unwrap_or_default(), self.outcome())]
pub struct MigrationFailure {
    /// Whether `up.sql` or `down.sql` failed.
    pub direction: Direction,
    /// The failing revision's id.
    pub revision: String,
    /// The failing file.
    pub path: String,
    /// 1-based line of the failure: where the database places the error, else the first line
    /// of the failing statement. `None` when no statement of the file failed (bookkeeping).
    pub line: Option<usize>,
    /// The failing statement, on one line and shortened, when a statement of the file failed.
    pub statement: Option<String>,
    /// The database's message (with its detail and hint).
    pub message: String,
    /// `Some` when the revision runs statement by statement (`run_in_transaction = false`, or
    /// on a backend whose DDL commits as it goes): the
    /// statements of the file that ran before the failure, which took effect and cannot be
    /// rolled back (each `line N: statement`). `None`: the revision's transaction rolled back.
    pub outside_transaction: Option<Vec<String>>,
    /// Revisions of this run that completed before the failure (and remain so).
    pub completed: Vec<String>,
}

impl MigrationFailure {
    /// What to fix before going on from the failed statement.
    fn fix(&self) -> &'static str {
        let validating = self
            .statement
            .as_deref()
            .is_some_and(|s| s.to_ascii_uppercase().contains(" VALIDATE CONSTRAINT "));
        if validating {
            "the constraint stays, NOT VALID, checking new rows already: fix the rows that break \
             it, then run again"
        } else {
            "fix that one if it needs it; leave those before it as they ran"
        }
    }

    fn outcome(&self) -> String {
        let verb = match self.direction {
            Direction::Upgrade => "applied",
            Direction::Downgrade => "reverted",
        };
        let mut parts = Vec::new();
        if let Some(done) = &self.outside_transaction {
            let record = match self.direction {
                Direction::Upgrade => "is not recorded as applied",
                Direction::Downgrade => "stays recorded as applied",
            };
            parts.push(if done.is_empty() {
                format!(
                    "the revision runs statement by statement, outside a transaction, and no \
                     statement of it took effect; revision {} {record}",
                    self.revision
                )
            } else {
                format!(
                    "the revision runs statement by statement, outside a transaction, so the \
                     {} statement(s) before the failure took effect and cannot be rolled back \
                     ({}); revision {} {record}, and Retort recorded how far it got: `{}` \
                     again goes on from the failed statement ({})",
                    done.len(),
                    done.join("; "),
                    self.revision,
                    crate::invocation::command(&self.direction.to_string()),
                    self.fix()
                )
            });
        }
        if !self.completed.is_empty() {
            parts.push(format!(
                "revisions {} were {verb} before it and stay so",
                self.completed.join(", ")
            ));
        }
        if parts.is_empty() {
            "nothing was changed".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

impl From<diesel::result::Error> for RunError {
    fn from(source: diesel::result::Error) -> Self {
        RunError::Db(DbError::Query {
            what: "the migration transaction".into(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(direction: Direction) -> MigrationFailure {
        MigrationFailure {
            direction,
            revision: "bbb".into(),
            path: "m/b/down.sql".into(),
            line: Some(2),
            statement: Some("DROP INDEX CONCURRENTLY y;".into()),
            message: "boom".into(),
            outside_transaction: None,
            completed: vec![],
        }
    }

    #[test]
    fn failures_name_statement_line_and_outcome() {
        let mut f = failure(Direction::Downgrade);
        assert_eq!(
            f.to_string(),
            "downgrade of revision bbb failed at m/b/down.sql line 2: boom \
             (in `DROP INDEX CONCURRENTLY y;`); nothing was changed"
        );
        f.outside_transaction = Some(vec![]);
        f.completed = vec!["ccc".into()];
        assert!(f.to_string().ends_with(
            "; the revision runs statement by statement, outside a transaction, and no \
             statement of it took effect; revision bbb stays recorded as applied; revisions ccc \
             were reverted before it and stay so"
        ));
        f.outside_transaction = Some(vec!["line 1: `DROP INDEX CONCURRENTLY x;`".into()]);
        assert!(f.to_string().contains(
            "so the 1 statement(s) before the failure took effect and cannot be rolled back \
             (line 1: `DROP INDEX CONCURRENTLY x;`); revision bbb stays recorded as applied"
        ));
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn a_refused_record_names_the_triggers_and_what_took_effect() {
        let mut refused = BookkeepingRefused {
            direction: Direction::Downgrade,
            revision: "bbb".into(),
            executed: true,
            triggers: vec!["a".into(), "b".into()],
            backend: crate::backend::Backend::by_key("postgresql").expect("postgres feature"),
            message: "no".into(),
            took_effect: false,
            completed: vec!["ccc".into()],
        };
        assert_eq!(
            refused.to_string(),
            "the bookkeeping table __diesel_schema_migrations refused to remove the record of \
             revision bbb (no); triggers `a`, `b` on __diesel_schema_migrations refuse writes: \
             disable them while migrating (`ALTER TABLE __diesel_schema_migrations DISABLE \
             TRIGGER NAME;`, then `ENABLE TRIGGER NAME` afterwards) or drop them, then run the \
             command again; nothing of revision bbb was reverted (its transaction rolled back); \
             revisions ccc were reverted before it and stay so"
        );
        refused.direction = Direction::Upgrade;
        refused.took_effect = true;
        refused.completed.clear();
        assert!(refused.to_string().ends_with(
            "so its statements took effect, but it is not recorded as applied: once the \
             trigger is out of the way, record it with `retort stamp bbb`"
        ));
    }

    #[test]
    #[cfg(feature = "sqlite")]
    fn a_refused_record_on_sqlite_says_to_drop_the_trigger() {
        let refused = BookkeepingRefused {
            direction: Direction::Upgrade,
            revision: "bbb".into(),
            executed: true,
            triggers: vec!["guard".into()],
            backend: crate::backend::Backend::by_key("sqlite").expect("sqlite feature"),
            message: "no".into(),
            took_effect: false,
            completed: Vec::new(),
        };
        assert!(refused.to_string().contains(
            "trigger `guard` on __diesel_schema_migrations refuses writes: drop it while \
             migrating (`DROP TRIGGER guard;`; SQLite cannot disable a trigger, so create it \
             again afterwards), then run the command again"
        ));
    }
}
