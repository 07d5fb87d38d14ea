//! Migration scripts: the revision graph ([`graph`], pure) and the migrations directory on disk
//! ([`dir`]).

pub mod dir;
pub mod graph;

pub use dir::{NewRevision, Revision, ScriptDirectory, ScriptError};
pub use graph::{Graph, GraphError, Node};
