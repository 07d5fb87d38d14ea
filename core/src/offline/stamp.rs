//! `stamp --sql`: the script that records the database as being at a target (versions and
//! checksums inserted or deleted) without running any revision's SQL, in the transactions of
//! the backend's policy, like the upgrade and downgrade scripts of [`super`].

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{one_line, record, steps_runnable, OfflineError};
use crate::backend::{Backend, TransactionScope};
use crate::checksum;
use crate::runner::RunOptions;
use crate::script::{Revision, ScriptDirectory};

/// What `stamp --sql` renders: the bookkeeping that records the database as being at `target`,
/// without any revision's SQL.
#[derive(Debug, Clone)]
pub struct StampRequest<'a> {
    /// The backend whose bookkeeping SQL and transactions the script follows.
    pub backend: Backend,
    /// Where the database is assumed to be recorded: `base`, a revision, `head`, `heads`.
    pub from: &'a str,
    /// Where it should be recorded.
    pub target: &'a str,
    /// Clear every record first (`stamp --purge`); `from` is then ignored.
    pub purge: bool,
    /// PostgreSQL schema (`--schema`): the script starts with `SET search_path`.
    pub schema: Option<&'a str>,
    /// The options a live run would have: the backend's transaction policy depends on them.
    pub options: &'a RunOptions,
}

/// The script of `stamp --sql`: inserts (or deletes) the versions and checksums that take the
/// records from `from` to `target`, in the transactions of the backend's policy (one for the
/// whole script on SQLite, one per revision on PostgreSQL). Runs no revision's SQL.
pub fn render_stamp(
    scripts: &ScriptDirectory,
    request: &StampRequest<'_>,
) -> Result<String, OfflineError> {
    let backend = request.backend;
    let graph = scripts.graph();
    let from = if request.purge { "base" } else { request.from };
    let before = graph.applied_at(&BTreeSet::new(), from)?;
    let wanted = graph.applied_at(&before, request.target)?;
    let order = graph.topological();
    let removed = order
        .iter()
        .rev()
        .filter(|id| before.contains(*id) && !wanted.contains(*id));
    let added = order
        .iter()
        .filter(|id| wanted.contains(*id) && !before.contains(*id));
    let steps: Vec<(&Revision, bool)> = removed
        .map(|id| (id, false))
        .chain(added.map(|id| (id, true)))
        .map(|(id, add)| (scripts.revision(id).expect("graph ids exist"), add))
        .collect();
    steps_runnable(steps.iter().map(|(rev, _)| *rev))?;
    let policy = backend.transactions(request.options);
    let whole_run = policy.scope == TransactionScope::WholeRun;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- Retort offline stamp from {from} to {} ({backend}): {} revision(s){}; no revision's SQL runs.",
        request.target,
        steps.len(),
        if request.purge { ", every record cleared first" } else { "" }
    );
    if steps.is_empty() && !request.purge {
        let _ = writeln!(out, "-- Nothing to record.");
        return Ok(out);
    }
    // The default schema too (PostgreSQL's `public`), so a role's own search_path does not
    // decide where the tables land, as in a live run.
    if let Some(schema) = request.schema.or(backend.driver().default_schema()) {
        out.push_str(&backend.driver().use_schema_sql(schema)?);
        out.push('\n');
    }
    if whole_run {
        let _ = writeln!(out, "{};", policy.begin);
    }
    out.push_str(diesel::migration::CREATE_MIGRATIONS_TABLE.trim_end());
    out.push('\n');
    out.push_str(checksum::CREATE_CHECKSUM_TABLE);
    if request.purge {
        let _ = writeln!(
            out,
            "\n-- Clear every record, versions of no revision here included.\n\
             DELETE FROM __diesel_schema_migrations;\nDELETE FROM {};",
            checksum::CHECKSUM_TABLE
        );
    }
    for (rev, add) in steps {
        let _ = writeln!(
            out,
            "\n-- {} revision {}: {}",
            if add { "Record" } else { "Forget" },
            rev.id,
            one_line(&rev.message)
        );
        if !whole_run {
            let _ = writeln!(out, "{};", policy.begin);
        }
        record(&mut out, rev, add);
        if !whole_run {
            out.push_str("COMMIT;\n");
        }
    }
    if whole_run {
        out.push_str("\nCOMMIT;\n");
    }
    Ok(out)
}
