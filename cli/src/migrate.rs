//! Commands that move the database: `upgrade`, `downgrade`, `current`.

use std::io::Write;

use retort::runner;
use retort::script::Revision;

use crate::Settings;

pub(crate) fn describe(rev: &Revision) -> String {
    format!("{} {}", rev.id, crate::terminal::line(&rev.message))
}

pub(crate) fn upgrade(
    settings: &Settings,
    target: &str,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(true)?;
    let done = runner::upgrade_with(&mut conn, &scripts, target, &settings.run)?;
    if done.is_empty() {
        writeln!(out, "Nothing to apply: the database is already at {target}")?;
    }
    for id in &done {
        let rev = scripts.revision(id).expect("applied revision exists");
        writeln!(out, "Applied {}", describe(rev))?;
    }
    Ok(0)
}

pub(crate) fn downgrade(
    settings: &Settings,
    target: &str,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(false)?;
    let done = runner::downgrade_with(&mut conn, &scripts, target, &settings.run)?;
    if done.is_empty() {
        writeln!(
            out,
            "Nothing to revert: the database is already at {target}"
        )?;
    }
    for id in &done {
        let rev = scripts.revision(id).expect("reverted revision exists");
        writeln!(out, "Reverted {}", describe(rev))?;
    }
    Ok(0)
}

pub(crate) fn current(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(false)?;
    let applied = runner::applied(&mut conn, &scripts)?;
    let heads = scripts.graph().heads();
    let current = scripts.graph().current_heads(&applied);
    if current.is_empty() {
        writeln!(out, "base (no revision applied)")?;
    }
    for id in current {
        let rev = scripts.revision(id).expect("applied revision exists");
        let tag = if heads.contains(&id) { " (head)" } else { "" };
        writeln!(
            out,
            "{}{tag} {}",
            rev.id,
            crate::terminal::line(&rev.message)
        )?;
    }
    Ok(0)
}
