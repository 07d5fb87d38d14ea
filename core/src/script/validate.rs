//! Validation of the migrations directory that reports every problem at once (for `check`),
//! where [`ScriptDirectory::open`](super::ScriptDirectory::open) stops at the first one.
//!
//! Only reads files: no database, no git.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use super::dir::{parse_dir_name, Metadata, ScriptError};
use super::graph::{Graph, GraphError, Node};

/// The files every revision directory holds.
pub const REVISION_FILES: [&str; 3] = ["up.sql", "down.sql", "metadata.toml"];

/// What kind of problem a [`Violation`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ViolationKind {
    /// The directory name is not `<YYYY-MM-DD-HHMMSS>-<revision>_<slug>`.
    BadName,
    /// `up.sql`, `down.sql` or `metadata.toml` is missing.
    MissingFile,
    /// A file exists but cannot be read as UTF-8 text.
    UnreadableFile,
    /// `metadata.toml` is not valid TOML or lacks a required key.
    InvalidMetadata,
    /// `revision` in metadata.toml differs from the revision in the directory name.
    RevisionMismatch,
    /// Two directories hold the same revision id.
    DuplicateRevision,
    /// A parent named in metadata.toml does not exist.
    MissingParent,
    /// The parents form a cycle.
    Cycle,
    /// A child's timestamp is not later than one of its parents'.
    TimestampOrder,
    /// `up.sql` or `down.sql` of a revision that runs in a transaction holds `COMMIT`, `BEGIN`...
    TransactionControl,
}

/// One problem in the migrations directory: where, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    /// The revision directory or the file inside it.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}; {}", self.path.display(), self.problem, self.fix)
    }
}

impl From<Violation> for ScriptError {
    fn from(v: Violation) -> ScriptError {
        ScriptError::Malformed {
            path: v.path,
            reason: format!("{}; {}", v.problem, v.fix),
        }
    }
}

/// What validation learnt about one revision directory.
struct Entry {
    name: String,
    path: PathBuf,
    timestamp: Option<NaiveDateTime>,
    /// The revision in the directory name, when it parses.
    dir_rev: Option<String>,
    meta: Option<Metadata>,
}

/// Checks every revision directory below `dir` and returns all problems found, sorted by path.
/// An empty list means [`ScriptDirectory::open`](super::ScriptDirectory::open) will accept the
/// directory. Errors only when `dir` itself is missing or unreadable.
pub fn validate(dir: &Path) -> Result<Vec<Violation>, ScriptError> {
    if !dir.is_dir() {
        return Err(ScriptError::Missing(dir.to_path_buf()));
    }
    let read_err = |source| ScriptError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Like `ScriptDirectory::open` and diesel: files and hidden entries are not migrations.
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        names.push(name);
    }
    names.sort();

    let mut violations = Vec::new();
    let mut entries = Vec::with_capacity(names.len());
    for name in names {
        entries.push(check_revision_dir(dir, name, &mut violations));
    }
    check_graph(&entries, &mut violations);
    violations.sort_by(|a, b| (&a.path, a.kind).cmp(&(&b.path, b.kind)));
    Ok(violations)
}

fn check_revision_dir(root: &Path, name: String, violations: &mut Vec<Violation>) -> Entry {
    let path = root.join(&name);
    let parsed = parse_dir_name(&name);
    let (timestamp, dir_rev) = match &parsed {
        Ok((ts, rev)) => (Some(*ts), Some(rev.to_string())),
        Err(reason) => {
            violations.push(Violation {
                kind: ViolationKind::BadName,
                path: path.clone(),
                problem: reason.clone(),
                fix: format!(
                    "rename the directory (a new revision from `{}` shows the format), or move \
                     it out of the migrations directory",
                    crate::invocation::command("revision -m ...")
                ),
            });
            (None, None)
        }
    };
    let mut texts = BTreeMap::new();
    // A directory that neither is named nor looks like a revision (a stray folder) is one
    // problem, not four.
    let looks_like_revision =
        parsed.is_ok() || REVISION_FILES.iter().any(|f| path.join(f).exists());
    for file in REVISION_FILES {
        let file_path = path.join(file);
        match fs::read_to_string(&file_path) {
            Ok(text) => {
                texts.insert(file, text);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !looks_like_revision => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => violations.push(Violation {
                kind: ViolationKind::MissingFile,
                path: file_path,
                problem: format!("missing {file}"),
                fix: if file == "metadata.toml" {
                    format!(
                        "every revision needs up.sql, down.sql and metadata.toml: restore it \
                         (`{}` writes one to copy from)",
                        crate::invocation::command("revision -m ...")
                    )
                } else {
                    format!(
                        "every revision needs up.sql, down.sql and metadata.toml: restore {file} \
                         (it may be empty)"
                    )
                },
            }),
            Err(e) => violations.push(Violation {
                kind: ViolationKind::UnreadableFile,
                path: file_path,
                problem: format!("cannot read {file}: {e}"),
                fix: "make it a readable UTF-8 text file".to_owned(),
            }),
        }
    }
    let meta = texts
        .get("metadata.toml")
        .and_then(|text| match toml::from_str::<Metadata>(text) {
            Ok(meta) => Some(meta),
            Err(e) => {
                violations.push(Violation {
                    kind: ViolationKind::InvalidMetadata,
                    path: path.join("metadata.toml"),
                    problem: format!("invalid metadata: {}", e.message().trim_end()),
                    fix: "it needs `revision = \"<12 hex digits>\"`, `parents = [...]`, \
                          `message`, `created` and `run_in_transaction = true`"
                        .to_owned(),
                });
                None
            }
        });
    if let (Some(meta), Some(dir_rev)) = (&meta, &dir_rev) {
        if &meta.revision != dir_rev {
            violations.push(Violation {
                kind: ViolationKind::RevisionMismatch,
                path: path.join("metadata.toml"),
                problem: format!(
                    "revision `{}` does not match `{dir_rev}` in the directory name",
                    meta.revision
                ),
                fix: "make them equal: fix `revision` in metadata.toml or the directory name \
                      (and any `parents` that name the old id)"
                    .to_owned(),
            });
        }
    }
    // Transaction control would break the transaction the revision runs in (see crate::sql).
    if meta.as_ref().is_none_or(|m| m.run_in_transaction) {
        for file in ["up.sql", "down.sql"] {
            let Some(text) = texts.get(file) else {
                continue;
            };
            if let Some(found) = crate::sql::transaction_control(text).into_iter().next() {
                violations.push(Violation {
                    kind: ViolationKind::TransactionControl,
                    path: path.join(file),
                    problem: format!(
                        "line {}: `{}` {} the transaction Retort runs this revision in",
                        found.line,
                        found.keyword,
                        found.effect()
                    ),
                    fix: "remove it (every revision runs in a transaction), or set \
                          run_in_transaction = false in metadata.toml for statements that cannot \
                          run in one"
                        .to_owned(),
                });
            }
        }
    }
    Entry {
        name,
        path,
        timestamp,
        dir_rev,
        meta,
    }
}

/// Duplicates, missing parents, cycles and timestamp order, over the revisions whose metadata
/// could be read.
fn check_graph(entries: &[Entry], violations: &mut Vec<Violation>) {
    let mut by_id: BTreeMap<&str, &Entry> = BTreeMap::new();
    let mut duplicated = BTreeSet::new();
    for entry in entries {
        let Some(meta) = &entry.meta else { continue };
        if let Some(first) = by_id.get(meta.revision.as_str()) {
            duplicated.insert(meta.revision.as_str());
            violations.push(Violation {
                kind: ViolationKind::DuplicateRevision,
                path: entry.path.clone(),
                problem: format!("revision {} is also used by {}", meta.revision, first.name),
                fix: "give one of them a new revision id (directory name and metadata.toml)"
                    .to_owned(),
            });
        } else {
            by_id.insert(&meta.revision, entry);
        }
    }
    let mut parents_ok = true;
    for entry in by_id.values() {
        let meta = entry.meta.as_ref().expect("only entries with metadata");
        for parent in &meta.parents {
            // A parent whose own metadata is broken (already reported) still has a name.
            let broken = || {
                entries
                    .iter()
                    .find(|e| e.meta.is_none() && e.dir_rev.as_deref() == Some(parent.as_str()))
            };
            match by_id.get(parent.as_str()).copied() {
                None if broken().is_some() => {
                    parents_ok = false;
                    if let Some(v) = order_violation(entry, broken().expect("found above")) {
                        violations.push(v);
                    }
                }
                None => {
                    parents_ok = false;
                    violations.push(Violation {
                        kind: ViolationKind::MissingParent,
                        path: entry.path.join("metadata.toml"),
                        problem: format!("parent {parent} does not exist"),
                        fix: "restore the missing migration or fix `parents`".to_owned(),
                    });
                }
                Some(p) => {
                    if let Some(v) = order_violation(entry, p) {
                        violations.push(v);
                    }
                }
            }
        }
    }
    // A cycle is only meaningful when every parent exists; report it on each member.
    if parents_ok && duplicated.is_empty() {
        let nodes = by_id
            .values()
            .map(|e| {
                let meta = e.meta.as_ref().expect("only entries with metadata");
                Node {
                    id: meta.revision.clone(),
                    parents: meta.parents.clone(),
                    sort_key: e.name.clone(),
                }
            })
            .collect();
        if let Err(GraphError::Cycle { cycle }) = Graph::new(nodes) {
            let members: BTreeSet<&String> = cycle.iter().collect();
            for id in members {
                if let Some(entry) = by_id.get(id.as_str()) {
                    violations.push(Violation {
                        kind: ViolationKind::Cycle,
                        path: entry.path.join("metadata.toml"),
                        problem: format!(
                            "revision {id} is part of a parent cycle: {}",
                            cycle.join(" -> ")
                        ),
                        fix: "fix `parents` so that every revision comes after its parents"
                            .to_owned(),
                    });
                }
            }
        }
    }
}

fn order_violation(child: &Entry, parent: &Entry) -> Option<Violation> {
    let (Some(c), Some(p)) = (child.timestamp, parent.timestamp) else {
        return None;
    };
    if c > p {
        return None;
    }
    Some(Violation {
        kind: ViolationKind::TimestampOrder,
        path: child.path.clone(),
        problem: format!(
            "its timestamp {} is not later than its parent {}'s ({}), so diesel would run it \
             first",
            c.format("%Y-%m-%d-%H%M%S"),
            parent.name,
            p.format("%Y-%m-%d-%H%M%S"),
        ),
        fix: format!(
            "rename the directory to a timestamp after {} (keep the revision and slug)",
            p.format("%Y-%m-%d-%H%M%S")
        ),
    })
}

/// A graph error from [`ScriptDirectory::open`](super::ScriptDirectory::open), with the
/// `metadata.toml` it concerns, so the one-line error names the directory.
pub(crate) fn locate(e: GraphError, revisions: &BTreeMap<String, super::Revision>) -> ScriptError {
    let id = match &e {
        GraphError::MissingParent { id, .. } => Some(id),
        GraphError::Cycle { cycle } => cycle.first(),
        _ => None,
    };
    match id.and_then(|id| revisions.get(id)) {
        Some(rev) => ScriptError::Malformed {
            path: rev.path.join("metadata.toml"),
            reason: e.to_string(),
        },
        None => e.into(),
    }
}

/// The first revision (in directory name order) whose timestamp is not later than one of its
/// parents', for [`ScriptDirectory::open`](super::ScriptDirectory::open).
pub(crate) fn first_order_violation(
    revisions: &BTreeMap<String, super::Revision>,
) -> Option<Violation> {
    let entry = |r: &super::Revision| Entry {
        name: r.dir_name.clone(),
        path: r.path.clone(),
        timestamp: Some(r.timestamp),
        dir_rev: Some(r.id.clone()),
        meta: None,
    };
    let mut sorted: Vec<&super::Revision> = revisions.values().collect();
    sorted.sort_by(|a, b| a.dir_name.cmp(&b.dir_name));
    sorted.into_iter().find_map(|child| {
        child
            .parents
            .iter()
            .filter_map(|p| revisions.get(p))
            .find_map(|parent| order_violation(&entry(child), &entry(parent)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "2026-01-01-000000-aaaaaaaaaaaa_first";
    const B: &str = "2026-01-02-000000-bbbbbbbbbbbb_second";

    fn write_rev(root: &Path, name: &str, revision: &str, parents: &[&str]) -> PathBuf {
        let dir = root.join(name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("up.sql"), "").unwrap();
        fs::write(dir.join("down.sql"), "").unwrap();
        let parents: Vec<String> = parents.iter().map(|p| format!("\"{p}\"")).collect();
        fs::write(
            dir.join("metadata.toml"),
            format!(
                "revision = \"{revision}\"\nparents = [{}]\nmessage = \"m\"\n\
                 created = \"2026-01-01T00:00:00Z\"\nrun_in_transaction = true\n",
                parents.join(", ")
            ),
        )
        .unwrap();
        dir
    }

    fn kinds(v: &[Violation]) -> Vec<ViolationKind> {
        v.iter().map(|v| v.kind).collect()
    }

    #[test]
    fn a_valid_directory_has_no_violations() {
        let tmp = tempfile::tempdir().unwrap();
        write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
        write_rev(tmp.path(), B, "bbbbbbbbbbbb", &["aaaaaaaaaaaa"]);
        fs::write(tmp.path().join("README.md"), "not a migration").unwrap();
        fs::create_dir(tmp.path().join(".hidden")).unwrap();
        assert_eq!(validate(tmp.path()).unwrap(), vec![]);
        assert!(super::super::ScriptDirectory::open(tmp.path()).is_ok());
    }

    #[test]
    fn transaction_control_is_reported_unless_outside_a_transaction() {
        let tmp = tempfile::tempdir().unwrap();
        let a = write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
        fs::write(a.join("up.sql"), "SELECT 'COMMIT;';\n-- COMMIT;\ncommit;\n").unwrap();
        let v = validate(tmp.path()).unwrap();
        assert_eq!(kinds(&v), vec![ViolationKind::TransactionControl], "{v:#?}");
        assert_eq!(v[0].path, a.join("up.sql"));
        assert!(
            v[0].to_string().contains(
                "up.sql: line 3: `COMMIT` would end the transaction Retort runs this revision in; remove it"
            ),
            "{}",
            v[0]
        );
        let meta = fs::read_to_string(a.join("metadata.toml")).unwrap();
        fs::write(
            a.join("metadata.toml"),
            meta.replace("run_in_transaction = true", "run_in_transaction = false"),
        )
        .unwrap();
        assert_eq!(validate(tmp.path()).unwrap(), vec![]);
    }

    #[test]
    fn a_stray_folder_is_one_problem() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("backup")).unwrap();
        let v = validate(tmp.path()).unwrap();
        assert_eq!(kinds(&v), vec![ViolationKind::BadName]);
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let err = validate(&tmp.path().join("nope")).unwrap_err();
        assert!(matches!(err, ScriptError::Missing(_)), "{err}");
    }

    #[test]
    fn reports_every_problem_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        // Bad name.
        let bad = root.join("2026-01-01_not_a_revision");
        fs::create_dir(&bad).unwrap();
        // Named wrong but holding revision files: its missing files are reported too.
        fs::write(bad.join("up.sql"), "").unwrap();
        // Revision mismatch.
        write_rev(root, A, "cccccccccccc", &[]);
        // Missing down.sql, invalid metadata.
        let b = write_rev(root, B, "bbbbbbbbbbbb", &[]);
        fs::remove_file(b.join("down.sql")).unwrap();
        fs::write(b.join("metadata.toml"), "revision = [").unwrap();
        // Unreadable (not UTF-8) up.sql and a missing parent.
        let c = write_rev(
            root,
            "2026-01-03-000000-dddddddddddd_third",
            "dddddddddddd",
            &["eeeeeeeeeeee"],
        );
        fs::write(c.join("up.sql"), [0xff, 0xfe, 0x00]).unwrap();

        let v = validate(root).unwrap();
        let text: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            kinds(&v),
            vec![
                ViolationKind::RevisionMismatch, // `-` sorts before `_`
                ViolationKind::BadName,
                ViolationKind::MissingFile, // 2026-01-01_not_a_revision/down.sql
                ViolationKind::MissingFile, // .../metadata.toml
                ViolationKind::MissingFile,
                ViolationKind::InvalidMetadata,
                ViolationKind::MissingParent,
                ViolationKind::UnreadableFile,
            ],
            "{text:#?}"
        );
        assert!(
            text[1].contains("2026-01-01_not_a_revision: directory name"),
            "{}",
            text[1]
        );
        assert!(
            text[1].contains("expected <YYYY-MM-DD-HHMMSS>"),
            "{}",
            text[1]
        );
        assert!(
            text[0].contains(&format!(
                "{A}/metadata.toml: revision `cccccccccccc` does not match `aaaaaaaaaaaa`"
            )),
            "{}",
            text[0]
        );
        assert!(
            text[4].contains(&format!("{B}/down.sql: missing down.sql")),
            "{}",
            text[4]
        );
        assert!(
            text[5].contains(&format!("{B}/metadata.toml: invalid metadata")),
            "{}",
            text[5]
        );
        assert!(
            text[6].contains("parent eeeeeeeeeeee does not exist"),
            "{}",
            text[6]
        );
        assert!(
            text[7].contains("up.sql: cannot read up.sql"),
            "{}",
            text[7]
        );
    }

    #[test]
    fn a_child_must_be_later_than_its_parents() {
        let tmp = tempfile::tempdir().unwrap();
        write_rev(tmp.path(), B, "bbbbbbbbbbbb", &[]);
        // Same second as its parent: not later.
        let child = "2026-01-02-000000-cccccccccccc_child";
        write_rev(tmp.path(), child, "cccccccccccc", &["bbbbbbbbbbbb"]);
        // Earlier than its parent.
        write_rev(tmp.path(), A, "aaaaaaaaaaaa", &["cccccccccccc"]);
        let v = validate(tmp.path()).unwrap();
        assert_eq!(
            kinds(&v),
            vec![ViolationKind::TimestampOrder, ViolationKind::TimestampOrder]
        );
        let text = v[0].to_string();
        assert!(
            text.starts_with(&tmp.path().join(A).display().to_string()),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "not later than its parent {child}'s (2026-01-02-000000)"
            )),
            "{text}"
        );
        assert!(
            text.contains("rename the directory to a timestamp after 2026-01-02-000000"),
            "{text}"
        );
        // `open` stops at the first one, naming the directory.
        let err = super::super::ScriptDirectory::open(tmp.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains(A) && err.contains("not later than"), "{err}");
    }

    #[test]
    fn duplicates_and_cycles_name_every_directory() {
        let tmp = tempfile::tempdir().unwrap();
        write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
        write_rev(
            tmp.path(),
            "2026-01-01-000001-aaaaaaaaaaaa_again",
            "aaaaaaaaaaaa",
            &[],
        );
        let v = validate(tmp.path()).unwrap();
        assert_eq!(kinds(&v), vec![ViolationKind::DuplicateRevision]);
        assert!(
            v[0].to_string().contains(&format!("also used by {A}")),
            "{}",
            v[0]
        );

        let tmp = tempfile::tempdir().unwrap();
        write_rev(tmp.path(), A, "aaaaaaaaaaaa", &["bbbbbbbbbbbb"]);
        write_rev(tmp.path(), B, "bbbbbbbbbbbb", &["aaaaaaaaaaaa"]);
        let v = validate(tmp.path()).unwrap();
        assert!(
            v.iter().filter(|v| v.kind == ViolationKind::Cycle).count() == 2,
            "{v:#?}"
        );
    }

    #[test]
    fn a_parent_with_broken_metadata_is_not_reported_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let a = write_rev(tmp.path(), A, "aaaaaaaaaaaa", &[]);
        fs::write(a.join("metadata.toml"), "nonsense").unwrap();
        // Still judged by the parent's directory name: same timestamp is too early.
        write_rev(
            tmp.path(),
            "2026-01-01-000000-bbbbbbbbbbbb_child",
            "bbbbbbbbbbbb",
            &["aaaaaaaaaaaa"],
        );
        let v = validate(tmp.path()).unwrap();
        assert_eq!(
            kinds(&v),
            vec![
                ViolationKind::InvalidMetadata,
                ViolationKind::TimestampOrder
            ],
            "{v:#?}"
        );
    }

    #[test]
    fn open_names_the_directory_of_a_missing_parent() {
        let tmp = tempfile::tempdir().unwrap();
        write_rev(tmp.path(), B, "bbbbbbbbbbbb", &["aaaaaaaaaaaa"]);
        let err = super::super::ScriptDirectory::open(tmp.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                &tmp.path()
                    .join(B)
                    .join("metadata.toml")
                    .display()
                    .to_string()
            ),
            "{err}"
        );
        assert!(
            err.contains("names parent aaaaaaaaaaaa, which does not exist"),
            "{err}"
        );
    }
}
