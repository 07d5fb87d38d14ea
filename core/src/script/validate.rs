//! The rules of revision sources, all checked at once: pure, with no files, no database and no
//! git. A directory on disk and migrations embedded by `embed_migrations!` go through the same
//! [`check`].
//!
//! Every rule is reported: names, files, metadata, duplicates, missing parents, cycles,
//! timestamp order and transaction control. All but transaction control keep the revisions from
//! loading ([`ViolationKind::blocks_loading`]); transaction control is refused by
//! [`check_revision`] when a script would run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

pub use super::error::{Violation, ViolationKind};
pub use super::source::REVISION_FILES;

use super::error::{TransactionControlError, TRANSACTION_CONTROL_FIX};
use super::graph::{Graph, GraphError, Node};
use super::source::{
    parse_dir_name, version_of, Metadata, Revision, RevisionSource, SourceFile, TIMESTAMP_FORMAT,
};

/// What validation learnt about one revision source.
struct Entry<'a> {
    name: &'a str,
    path: PathBuf,
    timestamp: Option<NaiveDateTime>,
    /// The revision in the directory name, when it parses.
    dir_rev: Option<&'a str>,
    meta: Option<Metadata>,
}

/// Every problem of `sources`, the revision directories below `root` (a migrations directory,
/// or the origin of embedded migrations), sorted by path. Empty when every rule holds.
pub fn check(root: &Path, sources: &[RevisionSource]) -> Vec<Violation> {
    check_and_build(root, sources).0
}

/// Every problem of `sources` (as [`check`]), and the revisions of the sources that have no
/// problem of their own (name, files, metadata), in directory name order.
pub(crate) fn check_and_build(
    root: &Path,
    sources: &[RevisionSource],
) -> (Vec<Violation>, Vec<Revision>) {
    let mut sorted: Vec<&RevisionSource> = sources.iter().collect();
    sorted.sort_by(|a, b| a.dir_name.cmp(&b.dir_name));
    let mut violations = Vec::new();
    let mut entries = Vec::with_capacity(sorted.len());
    let mut revisions = Vec::with_capacity(sorted.len());
    for source in sorted {
        if let Some(what) = &source.not_a_directory {
            // Like diesel, files that are not named like revisions are not revisions.
            if parse_dir_name(&source.dir_name).is_ok() {
                violations.push(Violation {
                    kind: ViolationKind::NotADirectory,
                    path: root.join(&source.dir_name),
                    problem: format!("named like a revision but {what}"),
                    fix: "a revision is a directory holding up.sql, down.sql and metadata.toml: \
                          replace it with one, or move it out of the migrations directory"
                        .to_owned(),
                });
            }
            continue;
        }
        let before = violations.len();
        let entry = check_source(root, source, &mut violations);
        if violations[before..]
            .iter()
            .all(|v| !v.kind.blocks_loading())
        {
            revisions.extend(build(&entry, source));
        }
        entries.push(entry);
    }
    check_graph(&entries, &mut violations);
    violations.sort_by(|a, b| (&a.path, a.kind).cmp(&(&b.path, b.kind)));
    (violations, revisions)
}

/// The revision of a source that passed its own checks.
fn build(entry: &Entry<'_>, source: &RevisionSource) -> Option<Revision> {
    let meta = entry.meta.clone()?;
    Some(Revision {
        id: meta.revision,
        parents: meta.parents,
        branch_labels: meta.branch_labels,
        depends_on: meta.depends_on,
        message: meta.message,
        created: meta.created,
        run_in_transaction: meta.run_in_transaction,
        dialect: meta.dialect,
        adopted_versions: meta.adopted_versions,
        lint_allow: meta.lint_allow,
        replaces: meta.replaces,
        nested_replaces: meta.nested_replaces,
        dir_name: source.dir_name.clone(),
        path: entry.path.clone(),
        up_sql: source.up_sql.text()?.to_owned(),
        down_sql: source.down_sql.text()?.to_owned(),
        version: version_of(&source.dir_name),
        timestamp: entry.timestamp?,
    })
}

/// Whether a directory name is diesel's (`20140924113530_create_users`,
/// `2017-08-31-230457_add_x`): digits and dashes up to the first `_`, no revision id.
pub fn is_diesel_name(name: &str) -> bool {
    name.split_once('_').is_some_and(|(head, slug)| {
        !slug.is_empty()
            && head.bytes().any(|b| b.is_ascii_digit())
            && head.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    })
}

/// The rules of one source on its own: name, files, metadata, transaction control.
fn check_source<'a>(
    root: &Path,
    source: &'a RevisionSource,
    violations: &mut Vec<Violation>,
) -> Entry<'a> {
    let name = source.dir_name.as_str();
    let path = root.join(name);
    let parsed = match &source.bad_name {
        Some(why) => Err(why.clone()),
        None => parse_dir_name(name),
    };
    let (timestamp, dir_rev) = match &parsed {
        Ok((ts, rev)) => (Some(*ts), Some(*rev)),
        Err(reason) => {
            let fix = if is_diesel_name(name) {
                format!(
                    "it is named like one of diesel's own migrations: Retort keeps its \
                     revisions in a directory of its own; to adopt a database diesel built, \
                     run `{}` with a new --migrations-dir (README: \"Adopting an existing \
                     database\")",
                    crate::invocation::command("init --baseline")
                )
            } else {
                format!(
                    "rename the directory (a new revision from `{}` shows the format), or move \
                     it out of the migrations directory",
                    crate::invocation::command("revision -m ...")
                )
            };
            violations.push(Violation {
                kind: ViolationKind::BadName,
                path: path.clone(),
                problem: reason.clone(),
                fix,
            });
            (None, None)
        }
    };
    // A directory that neither is named nor looks like a revision (a stray folder) is one
    // problem, not four.
    let looks_like_revision = parsed.is_ok()
        || REVISION_FILES
            .iter()
            .any(|f| source.file(f) != Some(&SourceFile::Missing));
    let mut texts = BTreeMap::new();
    for file in REVISION_FILES {
        let file_path = path.join(file);
        match source.file(file).unwrap_or(&SourceFile::Missing) {
            SourceFile::Text(text) => {
                texts.insert(file, text.as_str());
            }
            SourceFile::Missing if !looks_like_revision => {}
            SourceFile::Missing => violations.push(Violation {
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
            SourceFile::Unreadable(reason) => violations.push(Violation {
                kind: ViolationKind::UnreadableFile,
                path: file_path,
                problem: format!("cannot read {file}: {reason}"),
                fix: "make it a readable UTF-8 text file".to_owned(),
            }),
        }
    }
    let meta = texts
        .get("metadata.toml")
        .and_then(|text| match Metadata::parse(text) {
            Ok(meta) => Some(meta),
            Err(message) => {
                violations.push(Violation {
                    kind: ViolationKind::InvalidMetadata,
                    path: path.join("metadata.toml"),
                    problem: format!("invalid metadata: {message}"),
                    fix: "metadata.toml needs `revision = \"<12 hex digits>\"` and `created`, \
                          and may hold `parents = [...]`, `message`, `run_in_transaction` \
                          (true when absent) and `dialect`, nothing else"
                        .to_owned(),
                });
                None
            }
        });
    if let Some(meta) = &meta {
        let mut seen = BTreeSet::new();
        for parent in &meta.parents {
            if !seen.insert(parent) {
                violations.push(Violation {
                    kind: ViolationKind::InvalidMetadata,
                    path: path.join("metadata.toml"),
                    problem: format!("parent {parent} is listed twice in `parents`"),
                    fix: "list each parent once".to_owned(),
                });
            }
        }
    }
    if let (Some(meta), Some(dir_rev)) = (&meta, dir_rev) {
        if meta.revision != dir_rev {
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
                    fix: TRANSACTION_CONTROL_FIX.to_owned(),
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
fn check_graph(entries: &[Entry<'_>], violations: &mut Vec<Violation>) {
    let mut by_id: BTreeMap<&str, (&Entry<'_>, &Metadata)> = BTreeMap::new();
    // Revisions whose metadata is broken (already reported) still have a name.
    let mut broken: BTreeMap<&str, &Entry<'_>> = BTreeMap::new();
    let mut duplicated = BTreeSet::new();
    for entry in entries {
        let Some(meta) = &entry.meta else {
            if let Some(rev) = entry.dir_rev {
                broken.entry(rev).or_insert(entry);
            }
            continue;
        };
        if let Some((first, _)) = by_id.get(meta.revision.as_str()) {
            duplicated.insert(meta.revision.as_str());
            violations.push(Violation {
                kind: ViolationKind::DuplicateRevision,
                path: entry.path.clone(),
                problem: format!("revision {} is also used by {}", meta.revision, first.name),
                fix: "give one of them a new revision id (directory name and metadata.toml)"
                    .to_owned(),
            });
        } else {
            by_id.insert(&meta.revision, (entry, meta));
        }
    }
    let mut parents_ok = true;
    for (entry, meta) in by_id.values() {
        for parent in unique(&meta.parents) {
            let found = by_id.get(parent.as_str()).map(|(p, _)| *p);
            match found.or_else(|| broken.get(parent.as_str()).copied()) {
                // Its own parent: a cycle, reported below, not a question of order.
                Some(p) if std::ptr::eq(p, *entry) => {}
                Some(p) => {
                    parents_ok &= p.meta.is_some();
                    violations.extend(order_violation(entry, p));
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
            }
        }
    }
    let known: BTreeSet<&str> = by_id.keys().chain(broken.keys()).copied().collect();
    let refs: Vec<(&Path, &Metadata)> = by_id
        .values()
        .map(|(e, meta)| (e.path.as_path(), *meta))
        .collect();
    let deps_ok = super::refs::check_refs(&refs, &known, violations);
    // A cycle is only meaningful when every parent exists; report it on each member.
    if parents_ok && deps_ok && duplicated.is_empty() {
        let nodes = by_id
            .values()
            .map(|(e, meta)| {
                Node {
                    id: meta.revision.clone(),
                    // A parent listed twice is reported with the metadata.
                    parents: unique(&meta.parents).cloned().collect(),
                    sort_key: e.name.to_owned(),
                    // Labels are checked above; dependencies take part in cycles.
                    branch_labels: Vec::new(),
                    depends_on: meta.depends_on.clone(),
                    // Squashes are judged when the graph is built.
                    replaces: Vec::new(),
                    nested_replaces: Vec::new(),
                }
            })
            .collect();
        if let Err(GraphError::Cycle { cycle }) = Graph::new(nodes) {
            let members: BTreeSet<&String> = cycle.iter().collect();
            for id in members {
                if let Some((entry, _)) = by_id.get(id.as_str()) {
                    violations.push(Violation {
                        kind: ViolationKind::Cycle,
                        path: entry.path.join("metadata.toml"),
                        problem: format!(
                            "revision {id} is part of a cycle (through parents and depends_on): {}",
                            cycle.join(" -> ")
                        ),
                        fix: "fix `parents` or `depends_on` so that every revision comes after \
                              its parents and dependencies"
                            .to_owned(),
                    });
                }
            }
        }
    }
}

/// Each parent once, in the order listed.
fn unique(parents: &[String]) -> impl Iterator<Item = &String> {
    let mut seen = BTreeSet::new();
    parents.iter().filter(move |p| seen.insert(*p))
}

fn order_violation(child: &Entry<'_>, parent: &Entry<'_>) -> Option<Violation> {
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
            c.format(TIMESTAMP_FORMAT),
            parent.name,
            p.format(TIMESTAMP_FORMAT),
        ),
        fix: format!(
            "rename the directory to a timestamp after {} (keep the revision and slug)",
            p.format(TIMESTAMP_FORMAT)
        ),
    })
}

/// Refuses the script (`up.sql` when `upgrade`, else `down.sql`) of a revision that runs in a
/// transaction when it holds transaction control. Revisions with `run_in_transaction = false`
/// are not scanned.
pub fn check_revision(rev: &Revision, upgrade: bool) -> Result<(), TransactionControlError> {
    let (file, sql) = if upgrade {
        ("up.sql", &rev.up_sql)
    } else {
        ("down.sql", &rev.down_sql)
    };
    if !rev.run_in_transaction {
        return Ok(());
    }
    match crate::sql::transaction_control(sql).into_iter().next() {
        None => Ok(()),
        Some(found) => Err(TransactionControlError {
            revision: rev.id.clone(),
            file,
            path: rev.path.join(file),
            found,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesel_migration_names_point_to_the_baseline() {
        assert!(is_diesel_name("20140924113530_create_users"));
        assert!(is_diesel_name("2017-08-31-230457_add_x"));
        assert!(is_diesel_name("00000000000000_diesel_initial_setup"));
        assert!(!is_diesel_name("backup"));
        assert!(!is_diesel_name("2026-01-01-000000-aaaaaaaaaaaa_a"));
        assert!(!is_diesel_name("notes_2024"));
        let diesel = source("20140924113530_create_users", "aaaaaaaaaaaa", &[], "");
        let (violations, _) = check_and_build(Path::new("m"), &[diesel]);
        assert!(
            violations[0]
                .fix
                .contains("named like one of diesel's own migrations"),
            "{}",
            violations[0]
        );
    }

    fn source(name: &str, revision: &str, parents: &[&str], up: &str) -> RevisionSource {
        let parents: Vec<String> = parents.iter().map(|p| format!("\"{p}\"")).collect();
        RevisionSource::new(
            name,
            format!(
                "revision = \"{revision}\"\nparents = [{}]\ncreated = \"x\"\n",
                parents.join(", ")
            ),
            up,
            "",
        )
    }

    #[test]
    fn valid_sources_build_revisions_in_name_order() {
        let b = source(
            "2026-01-02-000000-bbbbbbbbbbbb_b",
            "bbbbbbbbbbbb",
            &["aaaaaaaaaaaa"],
            "",
        );
        let a = source("2026-01-01-000000-aaaaaaaaaaaa_a", "aaaaaaaaaaaa", &[], "");
        let (violations, revisions) = check_and_build(Path::new("m"), &[b, a]);
        assert_eq!(violations, vec![]);
        let ids: Vec<&str> = revisions.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
        assert_eq!(revisions[1].version, "20260102000000bbbbbbbbbbbb");
        assert_eq!(
            revisions[1].path,
            Path::new("m/2026-01-02-000000-bbbbbbbbbbbb_b")
        );
    }

    #[test]
    fn transaction_control_is_reported_but_does_not_block_loading() {
        let a = source(
            "2026-01-01-000000-aaaaaaaaaaaa_a",
            "aaaaaaaaaaaa",
            &[],
            "COMMIT;",
        );
        let (violations, revisions) = check_and_build(Path::new("m"), &[a]);
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].kind, ViolationKind::TransactionControl);
        assert!(!violations[0].kind.blocks_loading());
        assert_eq!(revisions.len(), 1);
        let e = check_revision(&revisions[0], true).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "revision aaaaaaaaaaaa up.sql line 1: `COMMIT` would end the transaction Retort \
                 runs this revision in; remove it (every revision runs in a transaction), or set \
                 run_in_transaction = false in metadata.toml for statements that cannot run in one \
                 (m/2026-01-01-000000-aaaaaaaaaaaa_a/up.sql); nothing was changed"
            ),
            "{e}"
        );
        assert!(check_revision(&revisions[0], false).is_ok());
        let outside = Revision {
            run_in_transaction: false,
            ..revisions[0].clone()
        };
        assert!(check_revision(&outside, true).is_ok());
    }

    #[test]
    fn broken_sources_build_nothing_and_say_why() {
        let mut a = source("2026-01-01-000000-aaaaaaaaaaaa_a", "aaaaaaaaaaaa", &[], "");
        a.down_sql = SourceFile::Missing;
        a.up_sql = SourceFile::from_bytes(Some(&[0xff]));
        let stray = RevisionSource {
            dir_name: "backup".into(),
            metadata: SourceFile::Missing,
            up_sql: SourceFile::Missing,
            down_sql: SourceFile::Missing,
            not_a_directory: None,
            bad_name: None,
        };
        let (violations, revisions) = check_and_build(Path::new("m"), &[a, stray]);
        let kinds: Vec<ViolationKind> = violations.iter().map(|v| v.kind).collect();
        assert_eq!(
            kinds,
            [
                ViolationKind::MissingFile,
                ViolationKind::UnreadableFile,
                ViolationKind::BadName
            ]
        );
        assert!(
            violations[1]
                .to_string()
                .contains("up.sql: cannot read up.sql: it is not UTF-8 text"),
            "{}",
            violations[1]
        );
        assert!(revisions.is_empty());
    }

    #[test]
    fn a_parent_listed_twice_is_a_violation_of_its_metadata() {
        let a = source("2026-01-01-000000-aaaaaaaaaaaa_a", "aaaaaaaaaaaa", &[], "");
        let b = source(
            "2026-01-02-000000-bbbbbbbbbbbb_b",
            "bbbbbbbbbbbb",
            &["aaaaaaaaaaaa", "aaaaaaaaaaaa"],
            "",
        );
        let (violations, _) = check_and_build(Path::new("m"), &[a, b]);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].kind, ViolationKind::InvalidMetadata);
        assert_eq!(
            violations[0].to_string(),
            "m/2026-01-02-000000-bbbbbbbbbbbb_b/metadata.toml: parent aaaaaaaaaaaa is listed \
             twice in `parents`; list each parent once"
        );
    }

    #[test]
    fn entries_that_are_not_directories_are_refused_when_named_like_revisions() {
        let entry = |name: &str| RevisionSource {
            dir_name: name.into(),
            metadata: SourceFile::Missing,
            up_sql: SourceFile::Missing,
            down_sql: SourceFile::Missing,
            not_a_directory: Some("is a regular file, not a revision directory".into()),
            bad_name: None,
        };
        let sources = [
            entry("2026-01-01-000000-aaaaaaaaaaaa_a"),
            entry("README.md"),
        ];
        let violations = check(Path::new("m"), &sources);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].kind, ViolationKind::NotADirectory);
        assert!(violations[0].kind.blocks_loading());
        assert!(violations[0].to_string().starts_with(
            "m/2026-01-01-000000-aaaaaaaaaaaa_a: named like a revision but is a regular file"
        ));
    }

    #[test]
    fn a_nul_byte_in_a_script_is_a_violation() {
        let mut a = source("2026-01-01-000000-aaaaaaaaaaaa_a", "aaaaaaaaaaaa", &[], "");
        a.up_sql = SourceFile::from_bytes(Some(b"SELECT 1;\nSELECT '\0';\n"));
        let (violations, revisions) = check_and_build(Path::new("m"), &[a]);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(
            violations[0]
                .to_string()
                .contains("up.sql: cannot read up.sql: it holds a NUL byte on line 2"),
            "{}",
            violations[0]
        );
        assert!(revisions.is_empty());
    }
}
