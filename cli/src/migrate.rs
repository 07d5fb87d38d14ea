//! Commands that move the database: `upgrade`, `downgrade`, `current`.

use std::io::Write;

use retort::runner;

use crate::revision_text::{describe, tags, verbose_block};
use crate::Settings;

/// Writes one line per revision as its work commits, and flushes it, so a run that is killed
/// or fails part-way has reported every revision that stays applied (or reverted). The first
/// write error is kept and returned after the run.
struct Report<'o> {
    out: &'o mut dyn Write,
    verb: &'static str,
    written: std::io::Result<()>,
}

impl<'o> Report<'o> {
    fn new(out: &'o mut dyn Write, verb: &'static str) -> Self {
        Report {
            out,
            verb,
            written: Ok(()),
        }
    }

    fn committed(&mut self, committed: runner::Committed<'_>) {
        if self.written.is_ok() {
            let line = format!("{} {}", self.verb, describe(committed.revision));
            let line = match committed.direction {
                runner::Direction::Upgrade => crate::style::added(&line),
                runner::Direction::Downgrade => crate::style::dropped(&line),
            };
            self.written = writeln!(self.out, "{line}").and_then(|()| self.out.flush());
        }
    }
}

pub(crate) fn upgrade(
    settings: &Settings,
    target: &str,
    rehearse: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(true)?;
    // Where DDL commits as it goes, a failure midway stays: try the run on a copy first.
    if rehearse && conn.backend().transactions(&settings.run).ddl_commits {
        let url: retort::db::DatabaseUrl = settings.database_url.parse()?;
        if let retort::shadow::Rehearsal::Passed { revisions } =
            retort::shadow::rehearse(&mut conn, &url, &scripts, target)?
        {
            eprintln!(
                "Rehearsed {revisions} revision(s) on a scratch copy of the schema: no error"
            );
        }
    }
    let mut report = Report::new(out, "Applied");
    let done =
        runner::upgrade_with_progress(&mut conn, &scripts, target, &settings.run, &mut |c| {
            report.committed(c)
        });
    let done = match done {
        Ok(done) => done,
        Err(e) => {
            // A failed first run on SQLite leaves no empty database file behind.
            conn.close_after_failure();
            return Err(e.into());
        }
    };
    report.written?;
    if done.is_empty() {
        writeln!(
            report.out,
            "Nothing to apply: the database is already at {target}"
        )?;
    }
    Ok(0)
}

pub(crate) fn downgrade(
    settings: &Settings,
    target: &str,
    yes: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(false)?;
    // A revision a run left partly applied comes first: what took effect of it is undone,
    // exactly (the live schema against the one before it), and `-1` is that step.
    let url: retort::db::DatabaseUrl = settings.database_url.parse()?;
    let undone = retort::shadow::undo_partly_applied(&mut conn, &url, &scripts, &settings.run)?;
    for revision in &undone {
        writeln!(
            out,
            "{}",
            crate::style::dropped(&format!(
                "Undid what took effect of partly applied revision {}",
                revision.revision
            ))
        )?;
        for op in &revision.ops {
            writeln!(out, "  {op}")?;
        }
    }
    if !undone.is_empty() && target == "-1" {
        return Ok(0);
    }
    if !yes && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let applied = runner::applied(&mut conn, &scripts)?;
        let plan = scripts
            .graph_for(&applied)
            .downgrade_plan(&applied, target)?;
        crate::confirm::confirm_drops(&scripts, &plan, yes)?;
    }
    let mut report = Report::new(out, "Reverted");
    let done =
        runner::downgrade_with_progress(&mut conn, &scripts, target, &settings.run, &mut |c| {
            report.committed(c)
        })?;
    report.written?;
    if done.is_empty() {
        writeln!(
            report.out,
            "Nothing to revert: the database is already at {target}"
        )?;
    }
    Ok(0)
}

/// `current [--verbose]`.
pub(crate) fn current(
    settings: &Settings,
    verbose: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(false)?;
    let applied = runner::applied(&mut conn, &scripts)?;
    // A database inside a squashed range sees the revisions it replaces.
    let graph = scripts.graph_for(&applied);
    let heads = graph.heads();
    let current = graph.current_heads(&applied);
    let partly = runner::partly_run(&mut conn, &scripts)?;
    if current.is_empty() && partly.is_empty() {
        writeln!(out, "base (no revision applied)")?;
    }
    for id in current {
        let rev = scripts.revision(id).expect("applied revision exists");
        let tag = if heads.contains(&id) { " (head)" } else { "" };
        if verbose {
            verbose_block(out, rev, &tags(&graph, id))?;
            continue;
        }
        writeln!(
            out,
            "{}{tag} {}",
            rev.id,
            crate::terminal::line(&rev.message)
        )?;
    }
    for (id, row) in &partly {
        let rev = scripts.revision(id).expect("partly run revisions exist");
        let (state, verb) = match row.direction {
            runner::Direction::Upgrade => ("partly applied", "upgrade"),
            runner::Direction::Downgrade => ("partly reverted", "downgrade"),
        };
        let total = retort::sql::statements(match row.direction {
            runner::Direction::Upgrade => &rev.up_sql,
            runner::Direction::Downgrade => &rev.down_sql,
        })
        .len();
        writeln!(
            out,
            "{id} ({state}: {} of {total} statements of {} took effect; `{}` goes on) {}",
            row.done,
            row.direction.file(),
            retort::invocation::command(verb),
            crate::terminal::line(&rev.message)
        )?;
    }
    Ok(0)
}
