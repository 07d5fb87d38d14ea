//! `squash --finalize`: once every database is past a squash's range, the replaced revisions'
//! directories are removed and the revisions that named one of them (as parent or dependency)
//! are rewritten to name the squash.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::{refused, SquashError};
use crate::script::{Revision, ScriptDirectory};

/// What [`finalize`] removed and rewrote.
#[derive(Debug, Clone, Default)]
pub struct Finalized {
    /// The directories removed.
    pub removed: Vec<PathBuf>,
    /// The revisions whose `parents` or `depends_on` now name the squash instead of a removed
    /// revision.
    pub rewritten: Vec<String>,
}

/// Removes the directories of the revisions `squash` replaces (all squashes when `None`), with
/// those of the squashes it replaces and what they replaced, and makes the revisions that
/// named one of them as parent or dependency name the squash. Whether every database is past
/// the range is the caller's to know (see the README).
pub fn finalize(scripts: &ScriptDirectory, squash: Option<&str>) -> Result<Finalized, SquashError> {
    let mut squashes: Vec<&Revision> = match squash {
        Some(text) => {
            let id = scripts.graph().resolve_one(text)?;
            let rev = scripts.revision(id).expect("in the graph");
            if rev.replaces.is_empty() {
                return Err(refused(format!(
                    "revision {id} is not a squash (its metadata.toml has no `replaces`)"
                )));
            }
            vec![rev]
        }
        None => scripts.squashes().collect(),
    };
    // Outer squashes first: they remove the inner ones with their ranges.
    squashes.sort_by_key(|s| std::cmp::Reverse(s.all_replaced().count()));
    let mut done = Finalized::default();
    let mut removed: BTreeSet<String> = BTreeSet::new();
    for squash in squashes {
        if removed.contains(&squash.id) {
            continue;
        }
        let present: Vec<&Revision> = squash
            .all_replaced()
            .filter_map(|id| scripts.revision(id))
            .collect();
        let gone: BTreeSet<&str> = present.iter().map(|r| r.id.as_str()).collect();
        for rev in scripts.revisions() {
            if gone.contains(rev.id.as_str()) || rev.id == squash.id || removed.contains(&rev.id) {
                continue;
            }
            let names = |ids: &[String]| ids.iter().any(|p| gone.contains(p.as_str()));
            if !names(&rev.parents) && !names(&rev.depends_on) {
                continue;
            }
            rewrite_links(rev, &gone, &squash.id)?;
            done.rewritten.push(rev.id.clone());
        }
        for rev in present {
            std::fs::remove_dir_all(&rev.path).map_err(|source| {
                crate::script::ScriptError::Write {
                    path: rev.path.clone(),
                    source,
                }
            })?;
            done.removed.push(rev.path.clone());
            removed.insert(rev.id.clone());
        }
    }
    Ok(done)
}

/// Rewrites `rev`'s metadata.toml so its parents and dependencies in `gone` name `squash`.
fn rewrite_links(rev: &Revision, gone: &BTreeSet<&str>, squash: &str) -> Result<(), SquashError> {
    let path = rev.path.join("metadata.toml");
    let write_err = |source| crate::script::ScriptError::Write {
        path: path.clone(),
        source,
    };
    let text = std::fs::read_to_string(&path).map_err(write_err)?;
    let mut meta = crate::script::Metadata::parse(&text)
        .map_err(|e| refused(format!("cannot read {}: {e}", crate::shown::path(&path))))?;
    let map = |ids: &mut Vec<String>| {
        let mut seen = BTreeSet::new();
        let mapped: Vec<String> = ids
            .iter()
            .map(|id| {
                if gone.contains(id.as_str()) {
                    squash.to_owned()
                } else {
                    id.clone()
                }
            })
            .filter(|id| seen.insert(id.clone()))
            .collect();
        *ids = mapped;
    };
    map(&mut meta.parents);
    map(&mut meta.depends_on);
    let toml = toml::to_string(&meta).expect("metadata serialises");
    std::fs::write(&path, toml).map_err(write_err)?;
    Ok(())
}
