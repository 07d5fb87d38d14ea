//! A rendered migration as data: steps, each the SQL of one op (or of one table rebuild that
//! makes several), and each statement with what it does beyond its text: whether it may run
//! inside a transaction, the lock it takes on which table, and its hazards. up.sql and down.sql
//! are written from it ([`SqlPlan::to_sql`]): each step's `-- <op>` lines, the notes a reviewer
//! must read under them, then its statements.

use std::fmt;
use std::ops::Range;

/// A rendered migration (one direction): its steps, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlPlan {
    /// The steps, in the order they run.
    pub steps: Vec<Step>,
}

/// The SQL of one op, or of several that one table rebuild makes together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The ops it renders: positions in the list of ops the script was rendered from.
    pub ops: Range<usize>,
    /// One `-- <op>` line per op, and under each the notes a reviewer must read (warnings,
    /// what it destroys), by op: `headers[i]` is op `ops.start + i`.
    pub headers: Vec<Header>,
    /// The SQL, statements and comments, as the dialect rendered it.
    pub body: String,
    /// The statements of [`Step::body`], each with its effects.
    pub statements: Vec<Statement>,
}

/// The comment lines that head one op of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// How the op reads (`added column 'users.bio' (TEXT NULL)`).
    pub op: String,
    /// What the op destroys that the reverse cannot bring back, in words
    /// ([`crate::dialect::destructive`]).
    pub data_loss: Option<String>,
    /// Comment lines under it, each ending in a newline (`-- warning: ...`).
    pub notes: Vec<String>,
}

/// One statement of a step, and what running it does beyond its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement, without its final `;`.
    pub sql: String,
    /// Whether it can run inside the revision's transaction.
    pub transaction: Transaction,
    /// The locks it takes, and on what: none when it takes none another session would wait on
    /// (a new table without foreign keys, a schema, a sequence).
    pub locks: Vec<Lock>,
    /// What a reviewer must know before running it.
    pub hazards: Vec<Hazard>,
}

/// Where a statement may run with respect to the revision's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transaction {
    /// Inside or outside: the runner's transaction policy decides.
    Either,
    /// Only inside the same transaction as the statements around it (a table rebuild: its
    /// copy and swap are one change).
    Inside,
    /// Never inside a transaction block (PostgreSQL's `CREATE INDEX CONCURRENTLY`).
    Outside,
    /// In a transaction of its own, so the locks the statements before it took are released
    /// first (PostgreSQL's `VALIDATE CONSTRAINT` after an `ADD ... NOT VALID`: in the same
    /// transaction the scan would run under the add's lock, which is what the pair avoids).
    Own,
}

/// A lock a statement takes on a table until its transaction ends.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lock {
    /// The table (its key in the schema model); for [`LockMode::Database`], the one the
    /// statement changes.
    pub table: String,
    /// How strong it is.
    pub mode: LockMode,
}

/// How strong a lock is: what other sessions wait for while it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    /// Reads go on; other writers wait (SQLite: the database's single write lock).
    Database,
    /// PostgreSQL `ROW EXCLUSIVE` (`UPDATE`): reads and writes of other rows go on; the rows
    /// it changes are locked until it commits.
    RowExclusive,
    /// PostgreSQL `SHARE UPDATE EXCLUSIVE`: reads and writes go on (`CREATE INDEX
    /// CONCURRENTLY`, `VALIDATE CONSTRAINT`, `COMMENT ON`).
    ShareUpdateExclusive,
    /// PostgreSQL `SHARE`: reads go on, writes wait (`CREATE INDEX`).
    Share,
    /// PostgreSQL `SHARE ROW EXCLUSIVE`: reads go on, writes wait (`ADD FOREIGN KEY`,
    /// `CREATE TRIGGER`).
    ShareRowExclusive,
    /// PostgreSQL `ACCESS EXCLUSIVE`: reads and writes wait (most of `ALTER TABLE`, `DROP`).
    AccessExclusive,
}

impl LockMode {
    /// True when writers of the table wait while it is held.
    pub fn blocks_writes(self) -> bool {
        !matches!(
            self,
            LockMode::ShareUpdateExclusive | LockMode::RowExclusive
        )
    }

    /// True when readers of the table wait while it is held.
    pub fn blocks_reads(self) -> bool {
        self == LockMode::AccessExclusive
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LockMode::Database => "database write lock",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        })
    }
}

/// What a reviewer must know about a statement before running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hazard {
    /// It destroys data the downgrade cannot bring back (see [`Header::data_loss`]).
    DataLoss,
    /// It rewrites the whole table (a type change, a rebuild): time and disk in proportion
    /// to its rows, under its lock.
    Rewrite,
    /// It reads every row to check them (a new constraint, `SET NOT NULL`) under its lock.
    Scan,
    /// It writes rows (a backfill): time in proportion to the rows it changes, each locked
    /// until the revision commits.
    RowWrites,
}

/// How one run renders its migration, beyond what the dialect itself says: the dialect is
/// shared by every run (a `&'static` value), its options are the run's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Write the forms that let a busy table's readers and writers go on where the dialect has
    /// them (PostgreSQL: indexes built `CONCURRENTLY`, constraints added `NOT VALID` and then
    /// validated, `SET NOT NULL` through a validated check; see `postgres_online.rs`), at the
    /// price of more statements run one by one ([`SqlPlan::statement_by_statement`]). Off in
    /// the default options; the CLI's `autogenerate` asks for it unless told `--blocking`.
    pub online: bool,
}

impl RenderOptions {
    /// The options of a run that asks for the online forms ([`RenderOptions::online`]).
    pub fn online() -> Self {
        RenderOptions { online: true }
    }
}

/// What running one statement does beyond its text, as a dialect reads it
/// ([`crate::dialect::Dialect::statement_effects`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Effects {
    /// Where it may run; `None` is [`Transaction::Either`].
    pub transaction: Option<Transaction>,
    /// The locks it takes.
    pub locks: Vec<Lock>,
    /// Its hazards.
    pub hazards: Vec<Hazard>,
}

impl SqlPlan {
    /// The script as SQL text: each step's `-- <op>` lines with their notes, its body, and a
    /// blank line.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            for header in &step.headers {
                out.push_str("-- ");
                out.push_str(&header.op);
                out.push('\n');
                for note in &header.notes {
                    out.push_str(note);
                }
            }
            out.push_str(&step.body);
            out.push('\n');
        }
        out
    }

    /// Adds the comment lines `note` (each ending in a newline) under op `op`'s line.
    pub fn note(&mut self, op: usize, note: String) {
        if let Some(step) = self.steps.iter_mut().find(|s| s.ops.contains(&op)) {
            step.headers[op - step.ops.start].notes.push(note);
        }
    }

    /// Whether its statements must run one by one, each in a transaction of its own (some
    /// never inside one): a revision of it sets `run_in_transaction = false`.
    pub fn statement_by_statement(&self) -> bool {
        self.statements()
            .any(|s| matches!(s.transaction, Transaction::Outside | Transaction::Own))
    }

    /// Every statement, in order.
    pub fn statements(&self) -> impl Iterator<Item = &Statement> {
        self.steps.iter().flat_map(|s| &s.statements)
    }

    /// The header of op `op` (its position in the ops the plan was rendered from).
    pub fn header(&self, op: usize) -> Option<&Header> {
        let step = self.steps.iter().find(|s| s.ops.contains(&op))?;
        step.headers.get(op - step.ops.start)
    }
}
