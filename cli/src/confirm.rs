//! `downgrade` on a terminal: list the tables and columns the revisions to revert drop (data
//! that cannot come back) and ask before reverting them. Without a terminal on stdin (scripts,
//! CI) or with `--yes` nothing is asked; `--sql` never asks (it runs nothing).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;
use retort::script::ScriptDirectory;
use retort::sql::{data_drops, DataDrop};

/// What the revisions of `plan` (in the order they are reverted) drop, per revision.
pub(crate) fn drops_of(scripts: &ScriptDirectory, plan: &[String]) -> Vec<(String, DataDrop)> {
    plan.iter()
        .filter_map(|id| scripts.revision(id))
        .flat_map(|rev| {
            data_drops(&rev.down_sql)
                .into_iter()
                .map(|drop| (rev.id.clone(), drop))
        })
        .collect()
}

/// Asks on the terminal before a downgrade that drops data; an error (nothing reverted) unless
/// the answer is yes. Does nothing with `yes`, without drops, or when stdin is not a terminal.
pub(crate) fn confirm_drops(
    scripts: &ScriptDirectory,
    plan: &[String],
    yes: bool,
) -> anyhow::Result<()> {
    if yes || !std::io::stdin().is_terminal() {
        return Ok(());
    }
    let drops = drops_of(scripts, plan);
    if drops.is_empty() {
        return Ok(());
    }
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "This downgrade reverts {} revision(s) whose down.sql drops data that cannot come back:",
        plan.len()
    )?;
    for (rev, drop) in &drops {
        writeln!(
            err,
            "  {} (revision {rev})",
            crate::terminal::line(&drop.to_string())
        )?;
    }
    write!(err, "Revert them? [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        return Ok(());
    }
    bail!("downgrade cancelled: nothing was reverted (pass --yes to skip the question)")
}
