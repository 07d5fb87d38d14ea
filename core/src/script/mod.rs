//! Migration scripts, loaded by one pipeline whether they come from a directory or are embedded
//! in a binary: read the raw [`source`]s, [`validate`](mod@validate) them (every rule, all problems at once),
//! then build the revision [`graph`]. [`dir`] opens a migrations directory that way and writes
//! new revisions.
//!
//! Modules depend on each other in one direction only: `graph` and `sql` stand alone,
//! `error` names what can go wrong, `source` reads files, `validate` judges sources, `dir` ties
//! them together.

pub mod dir;
mod error;
pub mod graph;
mod refs;
pub mod source;
pub mod validate;

#[cfg(test)]
mod hostile;
#[cfg(test)]
mod tests;

pub use dir::{validate, NewRevision, ScriptDirectory};
pub use error::{ScriptError, TransactionControlError, Violation, ViolationKind};
pub use graph::{Graph, GraphError, Node};
pub use source::{
    parse_dir_name, read_sources, slugify, Metadata, Revision, RevisionSource, SourceFile,
    REVISION_FILES,
};
pub use validate::{check_revision, is_diesel_name};
