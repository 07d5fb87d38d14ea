//! Migration scripts: the revision graph ([`graph`], pure) and the migrations directory on disk
//! ([`dir`]).

pub mod dir;
pub mod graph;
pub mod validate;

pub use dir::{NewRevision, Revision, RevisionSource, ScriptDirectory, ScriptError};
pub use graph::{Graph, GraphError, Node};
pub use validate::{validate, Violation, ViolationKind};
