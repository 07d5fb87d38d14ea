//! The error type of the public API.

/// Anything that can go wrong in Retort. Each variant's message says what is wrong, where, and
/// what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reaching or querying the database.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// Reading or writing the migrations directory.
    #[error(transparent)]
    Script(#[from] crate::script::ScriptError),
    /// Resolving revisions in the graph.
    #[error(transparent)]
    Graph(#[from] crate::script::GraphError),
    /// The registered models are inconsistent.
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
    /// A dialect cannot render an operation.
    #[error(transparent)]
    Render(#[from] crate::dialect::RenderError),
    /// The database refuses a model's type, default, check or index expression.
    #[error(transparent)]
    Models(#[from] crate::backend::ModelsError),
    /// The plan holds ops the database would refuse because of objects that depend on them.
    #[error(transparent)]
    Dependency(#[from] crate::depend::DependencyError),
    /// A `--backfill` that cannot be used.
    #[error(transparent)]
    Safety(#[from] crate::safety::SafetyError),
    /// A `--using` or `--using-down` that cannot be used.
    #[error(transparent)]
    Convert(#[from] crate::convert::ConvertError),
    /// An `ignore` glob is invalid, or matches a model's table.
    #[error(transparent)]
    Ignore(#[from] crate::ignore::IgnoreError),
    /// A model's `renamed_from` hint cannot be followed.
    #[error(transparent)]
    Rename(#[from] crate::rename::RenameError),
    /// Applying, reverting or stamping revisions.
    #[error(transparent)]
    Run(#[from] crate::runner::RunError),
    /// Rendering offline SQL.
    #[error(transparent)]
    Offline(#[from] crate::offline::OfflineError),
    /// An upgrade failed on its rehearsal ([`crate::shadow::rehearse`]).
    #[error(transparent)]
    Rehearsal(RehearsalFailed),
    /// Replaying the migrations in a scratch database failed ([`crate::shadow::ShadowDatabase::replay`]).
    #[error(transparent)]
    Replay(ReplayFailed),
    /// A command that needs the database at head found pending revisions.

    #[error(
        "the database is not up to date: {pending} revision(s) not applied ({}); run `{}` first",
        crate::listing::first_few(ids, crate::listing::SHOWN),
        crate::invocation::command("upgrade head")
    )]
    NotAtHead {
        /// How many revisions are not applied.
        pending: usize,
        /// Their ids, in the order `upgrade` would apply them.
        ids: Vec<String>,
    },
}

/// Why a rehearsal ([`crate::shadow::rehearse`]) failed: the run it rehearsed failed on the
/// scratch copy, so nothing ran on
/// the database itself.
#[derive(Debug, thiserror::Error)]
#[error("the upgrade was rehearsed first on a scratch copy of the database's schema (no rows), where {}; so nothing ran on the database: fix the revision, then upgrade again (or skip the rehearsal with --no-rehearsal)", failure_text(failure))]
pub struct RehearsalFailed {
    /// The failure on the copy (its text is this error's; not a separate cause).
    pub failure: Box<Error>,
}

/// Why the replay of the migrations in a scratch database failed (`check --shadow`, the
/// assertions of `retort::testing`): nothing ran on the database itself.
#[derive(Debug, thiserror::Error)]
#[error("the migrations were replayed from an empty scratch database (nothing in the database itself changed), where {}: the history must create what its revisions use (a table the models leave to an `ignore` glob, an object made by hand are not there); fix the revision, or make an earlier one create what it needs", failure_text(failure))]
pub struct ReplayFailed {
    /// The failure in the scratch database (its text is this error's; not a separate cause).
    pub failure: Box<Error>,
}

/// What failed on the copy: the revision, file, line and statement and the server's message,
/// without what the failure left on the copy (the copy is gone).
fn failure_text(failure: &Error) -> String {
    without_scratch_names(&match failure {
        Error::Run(crate::runner::RunError::Migration(f)) => format!(
            "revision {} failed at {}{}: {}{}",
            f.revision,
            f.path,
            f.line.map(|l| format!(" line {l}")).unwrap_or_default(),
            f.message,
            f.statement
                .as_ref()
                .map(|s| format!(" (in `{s}`)"))
                .unwrap_or_default()
        ),
        other => format!("it failed: {other}"),
    })
}

/// `text` without the scratch database's name before the objects the server names
/// (`retort_shadow_1203_16f488c7.audit_logs` is the user's `audit_logs`).
fn without_scratch_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("retort_shadow_") {
        out.push_str(&rest[..at]);
        let name_len = rest[at..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - at);
        let after = &rest[at + name_len..];
        match after.strip_prefix('.') {
            Some(tail) => rest = tail,
            None => {
                out.push_str(&rest[at..at + name_len]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_scratch_database_name_is_left_out_of_what_the_server_says() {
        assert_eq!(
            super::without_scratch_names(
                "Table 'retort_shadow_1203_16f488c7.audit_logs' doesn't exist in retort_shadow_1_2"
            ),
            "Table 'audit_logs' doesn't exist in retort_shadow_1_2"
        );
    }
}
