//! Commands that read the revision graph: `history`, `heads`, `show`.

use std::io::Write;

use retort::script::Revision;

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
        writeln!(out, "No revisions in {}", scripts.path().display())?;
    }
    for rev in revisions.into_iter().rev() {
        let parents = if rev.parents.is_empty() {
            "<base>".to_owned()
        } else {
            rev.parents.join(", ")
        };
        let tags = crate::workflow::tags(scripts.graph(), &rev.id);
        if verbose {
            writeln!(out, "Rev:      {}{tags}", rev.id)?;
            writeln!(out, "Parents:  {parents}")?;
            writeln!(out, "Message:  {}", rev.message)?;
            writeln!(out, "Created:  {}", rev.created)?;
            writeln!(out, "Path:     {}\n", rev.path.display())?;
        } else {
            writeln!(out, "{parents} -> {}{tags}, {}", rev.id, rev.message)?;
        }
    }
    Ok(0)
}

pub(crate) fn heads(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    for id in scripts.graph().heads() {
        let rev = scripts.revision(id).expect("head exists");
        writeln!(out, "{} (head) {}", rev.id, rev.message)?;
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
    writeln!(out, "Message:  {}", rev.message)?;
    writeln!(out, "Created:  {}", rev.created)?;
    writeln!(out, "Path:     {}", rev.path.display())?;
    writeln!(out, "\n-- up.sql\n{}", rev.up_sql.trim_end())?;
    writeln!(out, "\n-- down.sql\n{}", rev.down_sql.trim_end())?;
    Ok(0)
}
