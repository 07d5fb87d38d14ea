//! Commands that read the revision graph: `history`, `heads`, `show`.

use std::collections::BTreeSet;
use std::io::Write;

use clap::Args;
use retort::script::{Graph, Revision};

use crate::revision_text::{label_tag, links, parents, tags, verbose_block};

use crate::terminal::{block, line};
use crate::verbs::named_revision;
use crate::Settings;

/// Options of `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Show each revision's parents, message, created date and path
    #[arg(short, long)]
    pub verbose: bool,
    /// Only the revisions from START to END, both included, as Alembic: `A:B`, `A:` (to the
    /// heads), `:B` (from base); START and END as `show` takes them, or `current`
    #[arg(
        short = 'r',
        long,
        value_name = "[START]:[END]",
        allow_hyphen_values = true
    )]
    pub rev_range: Option<String>,
    /// Mark the revisions the database is at with `(current)`; reads the database
    #[arg(short, long)]
    pub indicate_current: bool,
}

/// The revisions the database is at (its applied revisions that none applied builds on).
fn current_ids(
    settings: &Settings,
    scripts: &retort::script::ScriptDirectory,
) -> anyhow::Result<BTreeSet<String>> {
    let mut conn = settings.connect(false)?;
    let applied = retort::runner::applied(&mut conn, scripts)?;
    Ok(scripts
        .graph_for(&applied)
        .current_heads(&applied)
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// The revisions `START:END` covers: descendants of START (itself included) that are ancestors
/// of END (itself included). An empty START is base, an empty END the heads.
fn in_range<'g>(
    graph: &'g Graph,
    range: &str,
    current: &BTreeSet<String>,
) -> anyhow::Result<BTreeSet<&'g str>> {
    let Some((start, end)) = range.split_once(':') else {
        anyhow::bail!("--rev-range takes START:END (either may be empty), not `{range}`");
    };
    let ends = |text: &str| -> anyhow::Result<Vec<&'g str>> {
        if text == "current" {
            Ok(current
                .iter()
                .filter_map(|id| graph.get(id).map(|n| n.id.as_str()))
                .collect())
        } else {
            Ok(vec![named_revision(graph, text)?])
        }
    };
    let upper = if end.is_empty() {
        graph.ancestors_inclusive(graph.heads())
    } else {
        graph.ancestors_inclusive(ends(end)?)
    };
    if start.is_empty() || start == "base" {
        return Ok(upper);
    }
    let starts = ends(start)?;
    Ok(upper
        .into_iter()
        .filter(|id| starts.iter().any(|s| s == id || graph.is_ancestor(s, id)))
        .collect())
}

/// `history [--verbose] [-r START:END] [--indicate-current]`: newest first; heads, branch
/// points and merge points are marked.
pub(crate) fn history(
    settings: &Settings,
    args: &HistoryArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let graph = scripts.graph();
    let wants_current = args.indicate_current
        || args
            .rev_range
            .as_deref()
            .is_some_and(|r| r.split(':').any(|e| e == "current"));
    let current = if wants_current {
        current_ids(settings, &scripts)?
    } else {
        BTreeSet::new()
    };
    let range = match &args.rev_range {
        Some(range) => Some(in_range(graph, range, &current)?),
        None => None,
    };
    let revisions: Vec<&Revision> = scripts
        .revisions()
        .filter(|r| range.as_ref().is_none_or(|set| set.contains(r.id.as_str())))
        .collect();
    if revisions.is_empty() {
        let path = scripts.path().display().to_string();
        writeln!(out, "No revisions in {}", line(&path))?;
    }
    for rev in revisions.into_iter().rev() {
        let mut tags = tags(graph, &rev.id);
        if args.indicate_current && current.contains(&rev.id) {
            tags.push_str(" (current)");
        }
        if args.verbose {
            verbose_block(out, rev, &tags)?;
        } else {
            writeln!(
                out,
                "{} -> {}{tags}, {}",
                parents(rev),
                rev.id,
                line(&rev.message)
            )?;
        }
    }
    Ok(0)
}

/// `heads [--verbose]`.
pub(crate) fn heads(settings: &Settings, verbose: bool, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    for id in scripts.graph().heads() {
        let rev = scripts.revision(id).expect("head exists");
        if verbose {
            verbose_block(out, rev, &tags(scripts.graph(), id))?;
        } else {
            let labels = label_tag(scripts.graph(), id);
            writeln!(out, "{}{labels} (head) {}", rev.id, line(&rev.message))?;
        }
    }
    Ok(0)
}

/// `show REV`: any target that names one revision (`head`, `base`, `-1`, a prefix...).
pub(crate) fn show(settings: &Settings, rev: &str, out: &mut dyn Write) -> anyhow::Result<u8> {
    let scripts = settings.scripts()?;
    let id = named_revision(scripts.graph(), rev)?;
    let rev = scripts.revision(id).expect("resolved revision exists");
    writeln!(out, "Revision: {}", rev.id)?;
    writeln!(out, "Parents:  {}", parents(rev))?;
    links(out, rev)?;
    writeln!(out, "Message:  {}", line(&rev.message))?;
    writeln!(out, "Created:  {}", line(&rev.created))?;
    writeln!(out, "Path:     {}", line(&rev.path.display().to_string()))?;
    writeln!(out, "\n-- up.sql\n{}", block(rev.up_sql.trim_end()))?;
    writeln!(out, "\n-- down.sql\n{}", block(rev.down_sql.trim_end()))?;
    Ok(0)
}
