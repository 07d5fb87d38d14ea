//! Alembic's verbs for muscle memory: the one revision a target names (`show head`, `show -1`),
//! `edit REV`, and `stamp --sql`.

use std::io::Write;
use std::process::Command;

use anyhow::{bail, Context as _};
use retort::db::{DatabaseUrl, DbError};
use retort::offline::{self, StampRequest};
use retort::runner;
use retort::script::Graph;

use crate::Settings;

/// The one revision `text` names, as `upgrade` reads its targets: an id or unique prefix,
/// `head`, `heads` or `base` (when there is just one), `-N` (N below the head), `+N` (the Nth
/// revision from base), `REV+N`, `REV-N`, `head-N`.
pub(crate) fn named_revision<'g>(graph: &'g Graph, text: &str) -> anyhow::Result<&'g str> {
    let single = |ids: Vec<&'g str>, what: &str| -> anyhow::Result<&'g str> {
        match ids.as_slice() {
            [one] => Ok(one),
            [] => bail!("`{text}` names no revision: there are no revisions"),
            many => bail!(
                "`{text}` names several revisions ({what}: {}); give one of them",
                many.join(", ")
            ),
        }
    };
    let steps = |rest: &str| -> anyhow::Result<i64> {
        rest.parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .with_context(|| format!("`{text}` is not a revision, head, base, -N, +N or REV+N"))
    };
    if text == "base" {
        return single(graph.bases(), "roots");
    }
    if text == "heads" {
        return single(graph.heads(), "heads");
    }
    if let Some(n) = text.strip_prefix('-') {
        let head = graph.resolve_one("head")?;
        return Ok(graph.resolve_one(&format!("{head}-{}", steps(n)?))?);
    }
    if let Some(n) = text.strip_prefix('+') {
        let n = steps(n)?;
        if n == 0 {
            bail!("`{text}` names no revision: +1 is the first revision");
        }
        let root = single(graph.bases(), "roots")?;
        return Ok(graph.resolve_one(&format!("{root}+{}", n - 1))?);
    }
    if let Some(rel) = text
        .strip_prefix("head")
        .filter(|r| r.starts_with(['+', '-']))
    {
        let head = graph.resolve_one("head")?;
        return Ok(graph.resolve_one(&format!("{head}{rel}"))?);
    }
    Ok(graph.resolve_one(text)?)
}

/// `edit REV`: opens `$VISUAL` or `$EDITOR` on the revision's `up.sql` and `down.sql`; refuses
/// a revision the database has applied (applied history is changed by a new revision).
pub(crate) fn edit(settings: &Settings, rev: &str, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let id = named_revision(scripts.graph(), rev)?;
    let revision = scripts.revision(id).expect("named revisions exist");
    // No database file yet: nothing is applied.
    let applied = match settings.connect(false) {
        Ok(mut conn) => runner::applied(&mut conn, &scripts)?,
        Err(e) if matches!(e.downcast_ref(), Some(DbError::MissingFile { .. })) => {
            Default::default()
        }
        Err(e) => return Err(e),
    };
    if applied.contains(id) {
        bail!(
            "revision {id} is applied to the database: applied history is not edited; write a new \
             revision for the change (`{}`), or revert it first (`{}`)",
            retort::invocation::command("revision -m MSG"),
            retort::invocation::command(&format!("downgrade {id}-1"))
        );
    }
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .context("set EDITOR (or VISUAL) to the editor to open, e.g. EDITOR=vi")?;
    let files = [revision.path.join("up.sql"), revision.path.join("down.sql")];
    // Through the shell, as git does: EDITOR may carry arguments (`code --wait`).
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .args(&files)
        .status()
        .with_context(|| format!("cannot start the editor `{editor}`"))?;
    if !status.success() {
        bail!("the editor `{editor}` failed ({status}); the files are as it left them");
    }
    writeln!(out, "Edited {}", revision.path.display())?;
    Ok(0)
}

/// `stamp --sql [FROM:]TARGET`: the bookkeeping SQL a stamp would run; nothing connects.
pub(crate) fn offline_stamp(
    settings: &Settings,
    spec: &str,
    purge: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let url: DatabaseUrl = settings.database_url.parse()?;
    let (from, target) = spec.split_once(':').unwrap_or(("base", spec));
    let scripts = settings.scripts()?;
    let sql = offline::render_stamp(
        &scripts,
        &StampRequest {
            backend: url.backend(),
            from,
            target,
            purge,
            schema: settings.schema.as_deref(),
            options: &settings.run,
        },
    )?;
    out.write_all(sql.as_bytes())?;
    Ok(0)
}
