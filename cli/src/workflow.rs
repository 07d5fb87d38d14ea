//! Team workflow: `branches`, `merge`, `stamp`, `revision --head`, offline SQL
//! (`upgrade --sql`, `downgrade --sql`) and the checksum report of `check`.

use std::io::Write;

use anyhow::bail;
use retort::db::{Connection, DatabaseUrl};
use retort::offline::{self, Request};
use retort::runner::{self, Direction};
use retort::script::{NewRevision, ScriptDirectory};

use crate::revision_text::{describe, tags, verbose_block};
use crate::terminal::line;
use crate::Settings;

/// The parents of a revision created with `--head REV`: `base` starts a new root, anything else
/// names one revision (`head`, id, unique prefix, label, `LABEL@head`, `REV+N`/`REV-N`).
pub(crate) fn parents_at(scripts: &ScriptDirectory, rev: &str) -> anyhow::Result<Vec<String>> {
    if rev == "base" {
        return Ok(Vec::new());
    }
    Ok(vec![scripts.graph().resolve_one(rev)?.to_owned()])
}

/// `branches [--verbose]`: every branch point with the branches that start there.
pub(crate) fn branches(
    settings: &Settings,
    verbose: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let graph = scripts.graph();
    let points = graph.branch_points();
    if points.is_empty() {
        let heads = graph.heads();
        if heads.len() > 1 {
            // Several roots (`revision --head base`): separate lines of history, not branches.
            writeln!(
                out,
                "No branch points, but {} heads from separate roots ({}); join them with `{}`",
                heads.len(),
                heads.join(", "),
                retort::invocation::command("merge")
            )?;
        } else {
            writeln!(out, "No branch points: the history is linear")?;
        }
    }
    for id in points {
        let rev = scripts.revision(id).expect("branch point exists");
        if verbose {
            verbose_block(out, rev, &tags(graph, id))?;
        } else {
            writeln!(out, "{}{}, {}", rev.id, tags(graph, id), line(&rev.message))?;
        }
        // Oldest branch first.
        let mut children: Vec<&str> = graph.children(id).collect();
        children.sort_by_key(|c| graph.position(c));
        for child in children {
            let rev = scripts.revision(child).expect("child exists");
            if verbose {
                writeln!(out, "  Branch from {id}:")?;
                verbose_block(out, rev, &tags(graph, child))?;
                continue;
            }
            writeln!(
                out,
                "  -> {}{}, {}",
                rev.id,
                tags(graph, child),
                line(&rev.message)
            )?;
        }
    }
    Ok(0)
}

/// `merge [REV...] -m MSG`: a revision whose parents are REVs (default: all heads), with no SQL.
pub(crate) fn merge(
    settings: &Settings,
    revs: &[String],
    message: &str,
    rev_id: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let mut scripts = settings.scripts()?;
    let graph = scripts.graph();
    let mut parents: Vec<String> = Vec::new();
    if revs.is_empty() {
        parents.extend(graph.heads().into_iter().map(str::to_owned));
    }
    for rev in revs {
        let resolved: Vec<&str> = if rev == "heads" {
            graph.heads()
        } else {
            vec![graph.resolve_one(rev)?]
        };
        for id in resolved {
            if !parents.iter().any(|p| p == id) {
                parents.push(id.to_owned());
            }
        }
    }
    if parents.len() < 2 {
        bail!(
            "merge needs at least two distinct revisions, got {} ({}); `{}` lists the heads to merge",
            parents.len(),
            if parents.is_empty() {
                "none".to_owned()
            } else {
                parents.join(", ")
            },
            retort::invocation::command("heads")
        );
    }
    for a in &parents {
        for b in &parents {
            if graph.is_ancestor(a, b) {
                bail!(
                    "cannot merge {a} with {b}: {a} is already an ancestor of {b}; merge revisions of different branches (see `{}`)",
                    retort::invocation::command("branches")
                );
            }
        }
    }
    let comment = format!("-- Merge revision: joins {}. No SQL.\n", parents.join(", "));
    let rev = scripts.write_revision_as(
        NewRevision {
            message: message.to_owned(),
            parents: parents.clone(),
            up_sql: comment.clone(),
            down_sql: comment,
            ..NewRevision::default()
        },
        chrono::Utc::now(),
        None,
        rev_id,
    )?;
    writeln!(
        out,
        "Generated {} merging {}",
        rev.path.display(),
        parents.join(", ")
    )?;
    Ok(0)
}

/// `stamp TARGET [--purge]`: rewrite the records without running SQL.
pub(crate) fn stamp(
    settings: &Settings,
    target: &str,
    purge: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(false)?;
    // A stamp says where the database is: the progress of partly run revisions goes.
    // (Not knowable while the records name versions no revision has: `--purge` is for that.)
    let partly = runner::partly_run(&mut conn, &scripts).unwrap_or_default();
    let done = if purge {
        runner::stamp_purged(&mut conn, &scripts, target, &settings.run)?
    } else {
        runner::stamp(&mut conn, &scripts, target, &settings.run)?
    };
    if purge {
        writeln!(
            out,
            "Purged {} record(s){}{}",
            done.purged.len(),
            if done.purged.is_empty() { "" } else { ": " },
            line(&retort::listing::first_few(
                &done.purged,
                retort::listing::SHOWN
            ))
        )?;
    }
    for (id, row) in &partly {
        writeln!(
            out,
            "Cleared the progress record of partly {} revision {id} ({} statement(s) of its {} \
             took effect and stay as they are)",
            match row.direction {
                runner::Direction::Upgrade => "applied",
                runner::Direction::Downgrade => "reverted",
            },
            row.done,
            row.direction.file()
        )?;
    }
    if !purge && done.recorded.is_empty() && done.removed.is_empty() && partly.is_empty() {
        writeln!(
            out,
            "Nothing to stamp: the database is already recorded at {target}"
        )?;
    }
    for id in &done.removed {
        let rev = scripts.revision(id).expect("stamped revision exists");
        writeln!(out, "Unstamped {} (no SQL run)", describe(rev))?;
    }
    for id in &done.recorded {
        let rev = scripts.revision(id).expect("stamped revision exists");
        writeln!(out, "Stamped {} (no SQL run)", describe(rev))?;
    }
    Ok(0)
}

/// `upgrade --sql [FROM:]TARGET`, `downgrade --sql FROM:TARGET`: print the script; nothing
/// connects to the database (the URL only chooses the dialect).
pub(crate) fn offline(
    settings: &Settings,
    direction: Direction,
    spec: &str,
    step_placeholders: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let url: DatabaseUrl = settings.database_url.parse()?;
    let (from, target) = match (spec.split_once(':'), direction) {
        (Some((from, target)), _) => (from, target),
        (None, Direction::Upgrade) => ("base", spec),
        (None, Direction::Downgrade) => bail!(
            "downgrade --sql needs FROM:TARGET (e.g. `head:base` or `head:-1`): offline, Retort cannot read where the database is"
        ),
    };
    let scripts = settings.scripts()?;
    let sql = offline::render_request(
        &scripts,
        &Request {
            backend: url.backend(),
            direction,
            from,
            target,
            schema: settings.schema.as_deref(),
            options: &settings.run,
            step_placeholders,
        },
    )?;
    out.write_all(sql.as_bytes())?;
    Ok(0)
}

/// Reports applied migrations whose files changed since they were applied (for `check`).
/// Returns whether there were any.
pub(crate) fn report_edited(
    conn: &mut Connection,
    scripts: &ScriptDirectory,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let edited = runner::edited(conn, scripts)?;
    if edited.is_empty() {
        return Ok(false);
    }
    writeln!(
        out,
        "Applied migrations were edited since they were applied:"
    )?;
    for e in &edited {
        writeln!(out, "  {e}")?;
    }
    let mut fix = retort::checksum::edited_fix(&edited);
    fix[..1].make_ascii_uppercase();
    writeln!(out, "{fix}.")?;
    Ok(true)
}
