//! The error type of the public API.

/// Anything that can go wrong in Retort. Each variant's message says what is wrong, where, and
/// what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Script(#[from] crate::script::ScriptError),
    #[error(transparent)]
    Graph(#[from] crate::script::GraphError),
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
    #[error(transparent)]
    Render(#[from] crate::dialect::RenderError),
    #[error(transparent)]
    Normalize(#[from] crate::introspect::pg_normalize::NormalizeError),
    #[error(transparent)]
    Run(#[from] crate::runner::RunError),
    #[error("the database is not up to date: {pending} revision(s) not applied ({}); run `{}` first", ids.join(", "), crate::invocation::command("upgrade head"))]
    NotAtHead { pending: usize, ids: Vec<String> },
}
