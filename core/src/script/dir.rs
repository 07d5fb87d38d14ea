//! The migrations directory: opening one is one pipeline (read the
//! [sources](super::source), [validate](mod@super::validate) them, build the [graph](super::graph)),
//! the same as for migrations embedded in a binary; writing new revisions.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};

use super::error::{ScriptError, Violation};
use super::graph::{Graph, GraphError, Node};
use super::source::{self, read_sources, Metadata, Revision, RevisionSource, REVISION_LEN};
use super::validate::{check, check_and_build};

/// A revision to be written.
#[derive(Debug, Clone, Default)]
pub struct NewRevision {
    /// What the revision does; also gives the directory name its slug.
    pub message: String,
    /// The revisions it builds on.
    pub parents: Vec<String>,
    /// The text of `up.sql`.
    pub up_sql: String,
    /// The text of `down.sql`.
    pub down_sql: String,
    /// The branch labels it declares (`--branch-label`).
    pub branch_labels: Vec<String>,
    /// The revisions it depends on without building on them (`--depends-on`), full ids.
    pub depends_on: Vec<String>,
    /// Versions recorded before Retort was adopted (`init --baseline`); the new revision's
    /// version must sort after all of them, as diesel orders versions, so it is written at
    /// least one second after the latest one's timestamp.
    pub adopted_versions: Vec<String>,
    /// Its statements run one by one, each in a transaction of its own (some outside any):
    /// metadata.toml says `run_in_transaction = false`.
    pub statement_by_statement: bool,
    /// The revisions a squash stands for (`retort squash`), oldest first.
    pub replaces: Vec<String>,
    /// For a squash over squashes: the revisions each inner squash replaced.
    pub nested_replaces: BTreeMap<String, Vec<String>>,
    /// The directory's timestamp, instead of now (a squash takes its first replaced
    /// revision's, so it sorts before the revisions built on the range).
    pub timestamp: Option<NaiveDateTime>,
    /// Lint rules its SQL breaks on purpose (`lint_allow` in metadata.toml).
    pub lint_allow: Vec<String>,
}

/// The migrations directory, loaded and validated.
#[derive(Debug, Clone)]
pub struct ScriptDirectory {
    path: PathBuf,
    revisions: BTreeMap<String, Revision>,
    /// Diesel's version of each revision -> its id.
    versions: BTreeMap<String, String>,
    /// Versions recorded before Retort was adopted, as the revisions' `adopted_versions` list.
    adopted: BTreeSet<String>,
    /// The graph's nodes as written, for the views of [`ScriptDirectory::graph_for`].
    nodes: Vec<Node>,
    graph: Graph,
}

/// Checks every revision directory below `dir` and returns all problems found, sorted by path.
/// Only [`ViolationKind::TransactionControl`](super::ViolationKind::TransactionControl) left
/// means [`ScriptDirectory::open`] will accept the directory. Errors only when `dir` itself is
/// missing or unreadable.
pub fn validate(dir: &Path) -> Result<Vec<Violation>, ScriptError> {
    Ok(check(dir, &read_sources(dir)?))
}

impl ScriptDirectory {
    /// Loads every revision below `path`; fails with every problem that keeps them from loading
    /// (names, files, metadata, parents, order).
    pub fn open(path: impl AsRef<Path>) -> Result<ScriptDirectory, ScriptError> {
        let path = path.as_ref();
        ScriptDirectory::from_sources(path, read_sources(path)?)
    }

    /// A directory built from revisions held in memory (embedded in a binary), checked like a
    /// directory on disk. `origin` names where they came from, for messages (e.g. the path
    /// given to `embed_migrations!`).
    pub fn from_sources(
        origin: impl AsRef<Path>,
        sources: Vec<RevisionSource>,
    ) -> Result<ScriptDirectory, ScriptError> {
        let path = origin.as_ref().to_path_buf();
        let (violations, revisions) = check_and_build(&path, &sources);
        let blocking: Vec<Violation> = violations
            .into_iter()
            .filter(|v| v.kind.blocks_loading())
            .collect();
        if !blocking.is_empty() {
            return Err(ScriptError::Invalid {
                path,
                violations: blocking,
            });
        }
        let nodes: Vec<Node> = revisions
            .iter()
            .map(|rev| Node {
                id: rev.id.clone(),
                parents: rev.parents.clone(),
                sort_key: rev.dir_name.clone(),
                branch_labels: rev.branch_labels.clone(),
                depends_on: rev.depends_on.clone(),
                replaces: rev.replaces.clone(),
                nested_replaces: rev.nested_replaces.values().flatten().cloned().collect(),
            })
            .collect();
        // Validation found no duplicate, missing parent or cycle; the graph agrees.
        let graph = Graph::new(nodes.clone())?;
        let versions = revisions
            .iter()
            .map(|rev| (rev.version.clone(), rev.id.clone()))
            .collect();
        let adopted = revisions
            .iter()
            .flat_map(|rev| rev.adopted_versions.iter().cloned())
            .collect();
        let revisions = revisions
            .into_iter()
            .map(|rev| (rev.id.clone(), rev))
            .collect();
        Ok(ScriptDirectory {
            path,
            revisions,
            versions,
            adopted,
            nodes,
            graph,
        })
    }

    /// Creates the directory if needed (for `init`).
    pub fn create(path: impl AsRef<Path>) -> Result<ScriptDirectory, ScriptError> {
        let path = path.as_ref();
        fs::create_dir_all(path).map_err(|source| ScriptError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        ScriptDirectory::open(path)
    }

    /// The migrations directory (or the origin of embedded migrations).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The revision graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The revision with this full id.
    pub fn revision(&self, id: &str) -> Option<&Revision> {
        self.revisions.get(id)
    }

    /// Revisions in topological order.
    pub fn revisions(&self) -> impl Iterator<Item = &Revision> {
        self.graph
            .topological()
            .iter()
            .map(|id| &self.revisions[id])
    }

    /// The revision diesel records as `version`.
    pub fn by_version(&self, version: &str) -> Option<&Revision> {
        self.versions
            .get(version)
            .and_then(|id| self.revisions.get(id))
    }

    /// Whether `version` was recorded before Retort was adopted: a revision (the baseline)
    /// lists it in `adopted_versions`. Such a version is history, not a missing revision.
    pub fn is_adopted(&self, version: &str) -> bool {
        self.adopted.contains(version)
    }

    /// The graph as a database that applied `applied` (revision ids, as
    /// [`ScriptDirectory::settle_applied`] gives them) sees it: a squash some but not all of
    /// whose replaced revisions are applied is expanded (see [`Graph::with_expanded`]); every
    /// other squash is collapsed, as in [`ScriptDirectory::graph`].
    pub fn graph_for(&self, applied: &BTreeSet<String>) -> std::borrow::Cow<'_, Graph> {
        let expanded: BTreeSet<String> = self
            .squashes()
            .filter(|s| s.all_replaced().any(|r| applied.contains(r)))
            .map(|s| s.id.clone())
            .collect();
        if expanded.is_empty() {
            return std::borrow::Cow::Borrowed(&self.graph);
        }
        std::borrow::Cow::Owned(
            Graph::with_expanded(self.nodes.clone(), &expanded)
                .expect("an expanded view of a valid graph is valid"),
        )
    }

    /// The squashes: revisions with `replaces`.
    pub fn squashes(&self) -> impl Iterator<Item = &Revision> {
        self.revisions.values().filter(|r| !r.replaces.is_empty())
    }

    /// The id of a replaced revision whose directory is gone (finalized) that diesel recorded
    /// as `version` (`YYYYMMDDHHMMSS` followed by the id).
    pub fn finalized_replaced(&self, version: &str) -> Option<&str> {
        let id = version
            .get(14..)
            .filter(|_| version.len() == 14 + REVISION_LEN)?;
        let squash = self.graph.replaced_by(id)?;
        (!self.revisions.contains_key(id)).then_some(())?;
        self.revisions
            .get(squash)?
            .all_replaced()
            .find(|r| *r == id)
            .map(String::as_str)
    }

    /// The revisions applied, in the terms of the graph views: from the ids recorded (replaced
    /// revisions included, whether their directories exist or not), a squash all of whose
    /// replaced revisions are recorded counts as applied in their place, and one recorded
    /// itself drops any of them still recorded. A squash over squashes counts an inner squash
    /// as recorded when it is, or when all the revisions that squash replaced are
    /// (`nested_replaces`, once its directory is gone). A squash with some of them recorded
    /// keeps them (its expanded view); the error names a squash whose recorded revisions are
    /// partly gone (finalized too early).
    pub fn settle_applied(
        &self,
        mut applied: BTreeSet<String>,
    ) -> Result<BTreeSet<String>, (String, Vec<String>)> {
        // Inner squashes first, so an outer one sees them settled: a squash is settled after
        // every squash it replaces (at most one pass per level of nesting).
        let mut squashes: Vec<&Revision> = self.squashes().collect();
        squashes.sort_by_key(|s| std::cmp::Reverse(self.nesting(s)));
        for squash in squashes {
            if !squash.all_replaced().any(|r| applied.contains(r)) {
                continue;
            }
            let covered = |r: &String| {
                applied.contains(r)
                    || squash
                        .nested_replaces
                        .get(r)
                        .is_some_and(|inner| inner.iter().all(|i| applied.contains(i)))
            };
            let uncovered: Vec<String> = squash
                .replaces
                .iter()
                .filter(|r| !covered(r))
                .cloned()
                .collect();
            if uncovered.is_empty() || applied.contains(&squash.id) {
                for r in squash.all_replaced() {
                    applied.remove(r);
                }
                applied.insert(squash.id.clone());
            } else if squash
                .replaces
                .iter()
                .any(|r| !self.revisions.contains_key(r))
            {
                return Err((squash.id.clone(), uncovered));
            }
        }
        Ok(applied)
    }

    /// How many squashes `squash` holds inside it, the deepest way (0: none).
    fn nesting(&self, squash: &Revision) -> usize {
        let mut depth = 0;
        let mut level: Vec<&Revision> = vec![squash];
        // Bounded by the number of squashes: written metadata may make a loop.
        for _ in 0..self.revisions.len() {
            level = level
                .iter()
                .flat_map(|s| s.replaces.iter())
                .filter_map(|r| self.revisions.get(r))
                .filter(|r| !r.replaces.is_empty())
                .collect();
            if level.is_empty() {
                break;
            }
            depth += 1;
        }
        depth
    }

    /// Writes a new revision atomically (into a hidden temporary directory, then renamed).
    pub fn write_revision(
        &mut self,
        new: NewRevision,
        now: DateTime<Utc>,
    ) -> Result<Revision, ScriptError> {
        self.write_revision_for(new, now, None)
    }

    /// Like [`ScriptDirectory::write_revision`], recording the SQL dialect of an autogenerated
    /// revision (`sqlite`, `postgresql`) in its metadata.
    pub fn write_revision_for(
        &mut self,
        new: NewRevision,
        now: DateTime<Utc>,
        dialect: Option<&str>,
    ) -> Result<Revision, ScriptError> {
        self.write_revision_as(new, now, dialect, None)
    }

    /// Like [`ScriptDirectory::write_revision_for`], with the revision id `id` (12 lowercase
    /// hexadecimal digits that no revision has yet) instead of a random one.
    pub fn write_revision_as(
        &mut self,
        new: NewRevision,
        now: DateTime<Utc>,
        dialect: Option<&str>,
        id: Option<&str>,
    ) -> Result<Revision, ScriptError> {
        if let Some(id) = id {
            self.check_new_id(id)?;
        }
        for parent in &new.parents {
            if !self.revisions.contains_key(parent) {
                return Err(GraphError::Unknown(parent.clone()).into());
            }
        }
        for dep in &new.depends_on {
            if !self.revisions.contains_key(dep) {
                return Err(GraphError::Unknown(dep.clone()).into());
            }
        }
        self.check_new_labels(&new.branch_labels, &new.replaces)?;
        // A child's timestamp must be later than its parents' so diesel's version order stays
        // a valid order of the graph.
        let mut stamp = new
            .timestamp
            .unwrap_or_else(|| now.naive_utc().with_nanosecond_zero());
        for parent in &new.parents {
            let p = self.revisions[parent].timestamp;
            if stamp <= p {
                stamp = p + chrono::Duration::seconds(1);
            }
        }
        // diesel orders versions as strings: the new version must sort after every adopted one.
        if let Some(latest) = new.adopted_versions.iter().max() {
            if let Some(at) = version_timestamp(latest) {
                if stamp <= at {
                    stamp = at + chrono::Duration::seconds(1);
                }
            }
        }
        let id = id.map_or_else(|| self.new_revision_id(), str::to_owned);
        let dir_name = source::dir_name(stamp, &id, &new.message);
        let meta = Metadata {
            revision: id.clone(),
            parents: new.parents.clone(),
            branch_labels: new.branch_labels.clone(),
            depends_on: new.depends_on.clone(),
            message: new.message.clone(),
            created: stamp
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            run_in_transaction: !new.statement_by_statement,
            dialect: dialect.map(str::to_owned),
            adopted_versions: new.adopted_versions.clone(),
            lint_allow: new.lint_allow.clone(),
            replaces: new.replaces.clone(),
            nested_replaces: new.nested_replaces.clone(),
        };
        let final_path = self.path.join(&dir_name);
        let tmp = self.path.join(format!(".tmp-{dir_name}"));
        let write = |file: &str, text: &str| {
            fs::write(tmp.join(file), text).map_err(|source| ScriptError::Write {
                path: final_path.join(file),
                source,
            })
        };
        fs::create_dir_all(&tmp).map_err(|source| ScriptError::Write {
            path: tmp.clone(),
            source,
        })?;
        let result = (|| {
            write("up.sql", &new.up_sql)?;
            write("down.sql", &new.down_sql)?;
            let toml = toml::to_string(&meta).expect("metadata serialises");
            write("metadata.toml", &toml)?;
            fs::rename(&tmp, &final_path).map_err(|source| ScriptError::Write {
                path: final_path.clone(),
                source,
            })
        })();
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        *self = ScriptDirectory::open(&self.path)?;
        self.revisions
            .get(&id)
            .cloned()
            .ok_or_else(|| GraphError::Unknown(id).into())
    }

    /// Refuses labels that cannot be labels, or that a revision (or another of `labels`)
    /// already declares; a squash carries over the labels of the revision it `replaces`.
    fn check_new_labels(&self, labels: &[String], replaces: &[String]) -> Result<(), ScriptError> {
        let declared: BTreeMap<&str, &str> = self.graph.branch_labels().collect();
        for (k, label) in labels.iter().enumerate() {
            let bad = |reason: String| ScriptError::BadBranchLabel {
                label: label.clone(),
                reason,
            };
            super::graph::check_label(label).map_err(bad)?;
            if let Some(id) = declared
                .get(label.as_str())
                .filter(|id| !replaces.iter().any(|r| r == *id))
            {
                return Err(bad(format!(
                    "revision {id} ({}) already declares it",
                    self.revisions[*id].dir_name
                )));
            }
            if labels[..k].contains(label) {
                return Err(bad("it is given twice".into()));
            }
        }
        Ok(())
    }

    /// Refuses an id that is not 12 lowercase hexadecimal digits or that a revision has.
    fn check_new_id(&self, id: &str) -> Result<(), ScriptError> {
        let bad = |reason: String| ScriptError::BadRevisionId {
            id: id.to_owned(),
            reason,
        };
        if id.len() != REVISION_LEN || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(bad(format!(
                "a revision id is {REVISION_LEN} lowercase hexadecimal digits (0-9, a-f)"
            )));
        }
        if let Some(rev) = self.revisions.get(id) {
            return Err(bad(format!(
                "revision {id} exists ({}); choose another id",
                crate::shown::path(&rev.path)
            )));
        }
        Ok(())
    }

    fn new_revision_id(&self) -> String {
        loop {
            let mut bytes = [0u8; REVISION_LEN / 2];
            getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
            let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            // Keep ids unambiguous as prefixes of each other, too.
            if !self
                .revisions
                .keys()
                .any(|k| k.starts_with(&id) || id.starts_with(k.as_str()))
            {
                return id;
            }
        }
    }
}

/// The timestamp a diesel version starts with (`YYYYMMDDHHMMSS`, the form diesel's
/// generators write, followed by anything); `None` for other versions (`1`, `v2`).
fn version_timestamp(version: &str) -> Option<NaiveDateTime> {
    let digits = version.get(..14)?;
    NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok()
}

trait ZeroNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl ZeroNanos for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).expect("zero nanoseconds is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back_revisions() {
        let tmp = tempfile::tempdir().unwrap();
        let mut dir = ScriptDirectory::create(tmp.path()).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-25T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = dir
            .write_revision(
                NewRevision {
                    message: "first".into(),
                    parents: vec![],
                    up_sql: "CREATE TABLE a (id INTEGER);\n".into(),
                    down_sql: "DROP TABLE a;\n".into(),
                    ..NewRevision::default()
                },
                now,
            )
            .unwrap();
        // Same second: the child is pushed one second later than its parent.
        let b = dir
            .write_revision(
                NewRevision {
                    message: "second".into(),
                    parents: vec![a.id.clone()],
                    up_sql: String::new(),
                    down_sql: String::new(),
                    ..NewRevision::default()
                },
                now,
            )
            .unwrap();
        assert!(b.timestamp > a.timestamp);
        assert!(b.dir_name.starts_with("2026-11-25-020001-"));
        let dir = ScriptDirectory::open(tmp.path()).unwrap();
        assert_eq!(dir.graph().head().unwrap(), Some(b.id.as_str()));
        assert_eq!(
            dir.revision(&a.id).unwrap().up_sql,
            "CREATE TABLE a (id INTEGER);\n"
        );
        let meta = fs::read_to_string(a.path.join("metadata.toml")).unwrap();
        assert!(meta.contains("run_in_transaction = true"), "{meta}");
    }

    #[test]
    fn reports_revision_mismatch_and_missing_files() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("2026-11-25-020000-0a1b2c3d4e5f_x");
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("up.sql"), "").unwrap();
        fs::write(d.join("down.sql"), "").unwrap();
        fs::write(
            d.join("metadata.toml"),
            "revision = \"ffffffffffff\"\ncreated = \"x\"\n",
        )
        .unwrap();
        let err = ScriptDirectory::open(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("does not match `0a1b2c3d4e5f`"), "{err}");
        fs::write(
            d.join("metadata.toml"),
            "revision = \"0a1b2c3d4e5f\"\ncreated = \"x\"\n",
        )
        .unwrap();
        fs::remove_file(d.join("up.sql")).unwrap();
        let err = ScriptDirectory::open(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("missing up.sql"), "{err}");
    }
}
