//! Rust data steps: application code that runs inside a revision, where its SQL says.
//!
//! ```ignore
//! #[retort::data_migration(revision = "3f2a9c1d7b10")]
//! fn split_names(conn: &mut retort::Conn) -> retort::Result<()> {
//!     // read `name`, write `first_name` and `last_name`, with diesel on `conn.sqlite()?`
//!     Ok(())
//! }
//! ```
//!
//! The attribute registers the function through `inventory` (like `#[derive(Model)]`) under its
//! revision and name, with a hash of its tokens. A line `-- retort: step split_names` between two
//! statements of that revision's `up.sql` (or `down.sql`) runs it there, on the run's
//! connection, inside the revision's transaction where the backend has one, under the run's lock.
//! A step is one unit of the revision's progress, like a statement.
//!
//! Before anything runs, a run refuses a revision whose steps are not compiled into the running
//! binary ([`missing`]), and a revision's checksum covers the hashes of its steps
//! ([`crate::checksum`]), so editing an applied step is caught like editing its SQL.

pub use crate::backend::step::{find, registered, Conn, DataStep, Result, StepFn, WrongBackend};

use std::fmt;
use std::path::PathBuf;

use crate::backend::run::Direction;
use crate::script::Revision;

/// The step names a revision's file runs, in order, with their 1-based lines.
pub fn markers(sql: &str) -> Vec<(String, usize)> {
    if !sql.contains("retort:") {
        return Vec::new();
    }
    crate::sql::statements(sql)
        .iter()
        .filter_map(|s| s.step().map(|name| (name.to_owned(), s.line)))
        .collect()
}

/// Whether either file of `rev` runs a Rust step.
pub fn has_steps(rev: &Revision) -> bool {
    !markers(&rev.up_sql).is_empty() || !markers(&rev.down_sql).is_empty()
}

/// The file of `rev` that `direction` runs, and its name.
fn file(rev: &Revision, direction: Direction) -> (&'static str, &str) {
    match direction {
        Direction::Upgrade => ("up.sql", &rev.up_sql),
        Direction::Downgrade => ("down.sql", &rev.down_sql),
    }
}

/// A revision's step that cannot run: not compiled into this binary, registered twice, or
/// marked where it cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct StepError {
    /// The revision's id.
    pub revision: String,
    /// `up.sql` or `down.sql`, with the revision's directory.
    pub path: PathBuf,
    /// The marker's line.
    pub line: usize,
    /// The step's name as the marker writes it.
    pub name: String,
    /// What is wrong, and the fix.
    pub problem: StepProblem,
}

/// What is wrong with a step marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepProblem {
    /// No function of that name is registered for the revision in this binary.
    NotCompiled {
        /// Steps this binary has for the revision, for a "did you mean".
        known: Vec<String>,
    },
    /// Registered more than once (file:line of each).
    Duplicate(Vec<String>),
    /// The marker does not name a Rust identifier.
    BadName,
    /// The marker is inside a statement, where it does not run.
    InsideStatement,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = format!("{}:{}", crate::shown::path(&self.path), self.line);
        let (revision, name) = (&self.revision, &self.name);
        match &self.problem {
            StepProblem::NotCompiled { known } => {
                write!(
                    f,
                    "revision {revision} runs the Rust data step `{name}` ({at}), which is not \
                     compiled into this binary: define it with \
                     `#[retort::data_migration(revision = \"{revision}\")] fn {name}(conn: &mut \
                     retort::Conn) -> retort::Result<()>` in a crate this binary links \
                     (retort::link_models!), or run the binary that has it"
                )?;
                if !known.is_empty() {
                    write!(f, " (this binary has: {})", known.join(", "))?;
                }
                Ok(())
            }
            StepProblem::Duplicate(places) => write!(
                f,
                "revision {revision}'s Rust data step `{name}` ({at}) is registered {} times \
                 ({}): keep one",
                places.len(),
                places.join(", ")
            ),
            StepProblem::BadName => write!(
                f,
                "{at}: `-- retort: step {name}` does not name a Rust function: write \
                 `-- retort: step FUNCTION_NAME`"
            ),
            StepProblem::InsideStatement => write!(
                f,
                "{at}: the step marker `-- retort: step {name}` is inside a statement, where it \
                 does not run: end the statement above it with `;`"
            ),
        }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name != "_"
}

/// What stops `rev`'s `direction` file from running its steps in this binary: markers that
/// name no identifier or stand inside a statement, steps not compiled in, steps registered
/// twice. Empty for a revision without steps.
pub fn missing(rev: &Revision, direction: Direction) -> Vec<StepError> {
    let (file_name, sql) = file(rev, direction);
    let error = |line: usize, name: &str, problem: StepProblem| StepError {
        revision: rev.id.clone(),
        path: rev.path.join(file_name),
        line,
        name: name.to_owned(),
        problem,
    };
    let mut errors: Vec<StepError> = crate::sql::misplaced_steps(sql)
        .into_iter()
        .map(|(line, name)| error(line, &name, StepProblem::InsideStatement))
        .collect();
    for (name, line) in markers(sql) {
        if !is_identifier(&name) {
            errors.push(error(line, &name, StepProblem::BadName));
            continue;
        }
        let places: Vec<String> = registered()
            .filter(|s| s.revision == rev.id && s.name == name)
            .map(|s| format!("{}:{}", s.file, s.line))
            .collect();
        match places.len() {
            0 => {
                let mut known: Vec<String> = registered()
                    .filter(|s| s.revision == rev.id)
                    .map(|s| s.name.to_owned())
                    .collect();
                known.sort();
                known.dedup();
                errors.push(error(line, &name, StepProblem::NotCompiled { known }));
            }
            1 => {}
            _ => errors.push(error(line, &name, StepProblem::Duplicate(places))),
        }
    }
    errors
}

/// The Rust data steps registered for `rev` in this binary that neither of its files runs (a
/// marker mistyped as a plain comment, `-- retort step NAME`, or forgotten): each would
/// silently never run.
pub fn unmarked(rev: &Revision) -> Vec<&'static DataStep> {
    let named: Vec<String> = markers(&rev.up_sql)
        .into_iter()
        .chain(markers(&rev.down_sql))
        .map(|(name, _)| name)
        .collect();
    let mut steps: Vec<&'static DataStep> = registered()
        .filter(|s| s.revision == rev.id && !named.iter().any(|n| n == s.name))
        .collect();
    steps.sort_by_key(|s| (s.name, s.file, s.line));
    steps
}

/// A registered step that no marker of its revision runs, as `check` reports it.
pub fn unmarked_message(rev: &Revision, step: &DataStep) -> String {
    format!(
        "revision {}'s Rust data step `{}` ({}:{}) is never run: neither its up.sql nor its \
         down.sql has the line `-- retort: step {}` ({}); put that line between two statements \
         where it should run, or remove the function",
        rev.id,
        step.name,
        step.file,
        step.line,
        step.name,
        crate::shown::path(&rev.path)
    )
}

/// What a file's steps add to its checksum: one line per marker with the step's hash, or
/// `missing` when it is not compiled in. Empty (the checksum of the file alone) without steps.
fn checksum_text(revision: &str, sql: &str) -> String {
    markers(sql)
        .into_iter()
        .map(|(name, _)| {
            let hash = find(revision, &name).map_or("missing", |s| s.hash);
            format!("\n-- retort step {name} {hash}")
        })
        .collect()
}

/// The checksum of a revision: its files, each with one line per Rust data step it runs
/// naming the step and the hash of its tokens, so editing an applied step changes its file's
/// half (the checksum of the files alone for a revision without steps).
pub fn checksum(rev: &Revision) -> String {
    crate::checksum::with_steps(
        rev,
        &checksum_text(&rev.id, &rev.up_sql),
        &checksum_text(&rev.id, &rev.down_sql),
    )
}

/// [`checksum`] as [`crate::checksum::compare`] asks for it, with the steps not compiled into
/// this binary (whose checksum cannot be told).
pub fn checksum_now(rev: &Revision) -> crate::checksum::Now {
    let mut not_compiled = not_compiled(&rev.id, &rev.up_sql);
    not_compiled.extend(self::not_compiled(&rev.id, &rev.down_sql));
    not_compiled.dedup();
    crate::checksum::Now {
        checksum: checksum(rev),
        steps: [
            described(&rev.id, &rev.up_sql),
            described(&rev.id, &rev.down_sql),
        ],
        not_compiled,
    }
}

/// The steps a file runs, each as `` `name` (file:line) `` where this binary defines it.
fn described(revision: &str, sql: &str) -> Vec<String> {
    markers(sql)
        .into_iter()
        .map(|(name, _)| match find(revision, &name) {
            Some(step) => format!("`{name}` ({}:{})", step.file, step.line),
            None => format!("`{name}`"),
        })
        .collect()
}

/// The steps of a file not compiled into this binary, by name.
fn not_compiled(revision: &str, sql: &str) -> Vec<String> {
    markers(sql)
        .into_iter()
        .filter(|(name, _)| find(revision, name).is_none())
        .map(|(name, _)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("split_names"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("_"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("split-names"));
        assert!(!is_identifier("a b"));
    }

    #[test]
    fn markers_and_checksum_text() {
        let sql = "ALTER TABLE p ADD a TEXT;\n-- retort: step fill_a\nALTER TABLE p DROP b;\n";
        assert_eq!(markers(sql), [("fill_a".to_owned(), 2)]);
        assert_eq!(markers("SELECT 1;"), []);
        assert_eq!(checksum_text("0a1b2c3d4e5f", "SELECT 1;"), "");
        assert_eq!(
            checksum_text("0a1b2c3d4e5f", sql),
            "\n-- retort step fill_a missing"
        );
        assert_eq!(not_compiled("0a1b2c3d4e5f", sql), ["fill_a"]);
    }
}
