//! How a revision is printed: on one line, with its tags, and as the `--verbose` block of
//! `history`, `heads`, `branches` and `current`.

use std::io::Write;

use retort::script::{Graph, Revision};

use crate::terminal::line;

/// `ID MESSAGE`: a revision on one line, as runs report it.
pub(crate) fn describe(rev: &Revision) -> String {
    format!("{} {}", rev.id, line(&rev.message))
}

/// ` (head)`, ` (branchpoint)`, ` (mergepoint)` as they apply to `id`.
pub(crate) fn tags(graph: &Graph, id: &str) -> String {
    let mut tags = label_tag(graph, id);
    if graph.is_head(id) {
        tags.push_str(" (head)");
    }
    if graph.is_branch_point(id) {
        tags.push_str(" (branchpoint)");
    }
    if graph.is_merge_point(id) {
        tags.push_str(" (mergepoint)");
    }
    tags
}

/// ` (label, ...)`: the branch labels `id` carries, as Alembic prints them; empty without.
pub(crate) fn label_tag(graph: &Graph, id: &str) -> String {
    let labels = graph.labels_of(id);
    if labels.is_empty() {
        String::new()
    } else {
        format!(" ({})", labels.join(", "))
    }
}

/// One revision as `--verbose` shows it, followed by an empty line.
pub(crate) fn verbose_block(
    out: &mut dyn Write,
    rev: &Revision,
    tags: &str,
) -> std::io::Result<()> {
    writeln!(out, "Rev:      {}{tags}", rev.id)?;
    writeln!(out, "Parents:  {}", parents(rev))?;
    links(out, rev)?;
    writeln!(out, "Message:  {}", line(&rev.message))?;
    writeln!(out, "Created:  {}", line(&rev.created))?;
    writeln!(out, "Path:     {}\n", line(&rev.path.display().to_string()))
}

/// `Labels:` and `Depends:` lines, for a revision that declares labels or
/// dependencies.
pub(crate) fn links(out: &mut dyn Write, rev: &Revision) -> std::io::Result<()> {
    if !rev.branch_labels.is_empty() {
        writeln!(out, "Labels:   {}", line(&rev.branch_labels.join(", ")))?;
    }
    if !rev.depends_on.is_empty() {
        writeln!(out, "Depends:  {}", line(&rev.depends_on.join(", ")))?;
    }
    if !rev.adopted_versions.is_empty() {
        writeln!(
            out,
            "Adopted:  {} version(s) recorded before Retort: {}",
            rev.adopted_versions.len(),
            line(&retort::listing::first_few(
                &rev.adopted_versions,
                retort::listing::SHOWN
            ))
        )?;
    }
    Ok(())
}

pub(crate) fn parents(rev: &Revision) -> String {
    if rev.parents.is_empty() {
        "<base>".to_owned()
    } else {
        rev.parents.join(", ")
    }
}
