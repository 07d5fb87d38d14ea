//! Commands that read the revision graph: `history`, `heads`, `show`.

use std::io::Write;

use retort::script::Revision;

use crate::terminal::{block, line};
use crate::Settings;

/// `history [--verbose]`: newest first; heads, branch points and merge points are marked.
pub(crate) fn history(
    settings: &Settings,
    verbose: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let revisions: Vec<&Revision> = scripts.revisions().collect();
    if revisions.is_empty() {
        let path = scripts.path().display().to_string();
        writeln!(out, "No revisions in {}", line(&path))?;
    }
    for rev in revisions.into_iter().rev() {
        let parents = if rev.parents.is_empty() {
            "<base>".to_owned()
        } else {
            rev.parents.join(", ")
        };
        let tags = crate::workflow::tags(scripts.graph(), &rev.id);
        let message = line(&rev.message);
        if verbose {
            let path = rev.path.display().to_string();
            writeln!(out, "Rev:      {}{tags}", rev.id)?;
            writeln!(out, "Parents:  {parents}")?;
            writeln!(out, "Message:  {message}")?;
            writeln!(out, "Created:  {}", line(&rev.created))?;
            writeln!(out, "Path:     {}\n", line(&path))?;
        } else {
            writeln!(out, "{parents} -> {}{tags}, {message}", rev.id)?;
        }
    }
    Ok(0)
}

pub(crate) fn heads(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    for id in scripts.graph().heads() {
        let rev = scripts.revision(id).expect("head exists");
        writeln!(out, "{} (head) {}", rev.id, line(&rev.message))?;
    }
    Ok(0)
}

pub(crate) fn show(settings: &Settings, rev: &str, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let id = scripts.graph().resolve(rev)?;
    let rev = scripts.revision(id).expect("resolved revision exists");
    writeln!(out, "Revision: {}", rev.id)?;
    writeln!(
        out,
        "Parents:  {}",
        if rev.parents.is_empty() {
            "<base>".to_owned()
        } else {
            rev.parents.join(", ")
        }
    )?;
    writeln!(out, "Message:  {}", line(&rev.message))?;
    writeln!(out, "Created:  {}", line(&rev.created))?;
    writeln!(out, "Path:     {}", line(&rev.path.display().to_string()))?;
    writeln!(out, "\n-- up.sql\n{}", block(rev.up_sql.trim_end()))?;
    writeln!(out, "\n-- down.sql\n{}", block(rev.down_sql.trim_end()))?;
    Ok(0)
}
