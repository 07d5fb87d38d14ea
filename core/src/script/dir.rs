//! The migrations directory: one diesel-compatible directory per revision,
//! `<YYYY-MM-DD-HHMMSS>-<revision>_<slug>/` holding `up.sql`, `down.sql` and `metadata.toml`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::graph::{Graph, GraphError, Node};

const TIMESTAMP_FORMAT: &str = "%Y-%m-%d-%H%M%S";
const TIMESTAMP_LEN: usize = 17;
const REVISION_LEN: usize = 12;

/// A problem with the migrations directory or one of its revisions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    #[error("migrations directory {0} does not exist; run `{init}` or pass --migrations-dir", init = crate::invocation::command("init"))]
    Missing(PathBuf),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error("{0}")]
    Graph(#[from] GraphError),
}

/// The contents of `metadata.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Metadata {
    pub revision: String,
    #[serde(default)]
    pub parents: Vec<String>,
    #[serde(default)]
    pub message: String,
    pub created: String,
    /// Always written as `true`: diesel reads a metadata.toml without it as `false`.
    #[serde(default = "default_true")]
    pub run_in_transaction: bool,
    /// The SQL dialect autogenerate wrote the revision in (`sqlite`, `postgresql`); absent for
    /// hand-written and merge revisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
}

fn default_true() -> bool {
    true
}

/// One revision as found on disk.
#[derive(Debug, Clone)]
pub struct Revision {
    pub id: String,
    pub parents: Vec<String>,
    pub message: String,
    pub created: String,
    pub run_in_transaction: bool,
    /// The dialect autogenerate wrote the SQL in, when recorded.
    pub dialect: Option<String>,
    /// Directory name, e.g. `2026-11-25-020000-0a1b2c3d4e5f_create_users`.
    pub dir_name: String,
    pub path: PathBuf,
    pub up_sql: String,
    pub down_sql: String,
    /// The version diesel records for this directory: the name up to the first `_`, without `-`.
    pub version: String,
    /// Parsed from the directory name.
    pub timestamp: NaiveDateTime,
}

/// A revision to be written.
#[derive(Debug, Clone)]
pub struct NewRevision {
    pub message: String,
    pub parents: Vec<String>,
    pub up_sql: String,
    pub down_sql: String,
}

/// The migrations directory, loaded and validated.
#[derive(Debug, Clone)]
pub struct ScriptDirectory {
    path: PathBuf,
    revisions: BTreeMap<String, Revision>,
    graph: Graph,
}

impl ScriptDirectory {
    /// Loads every revision below `path` and validates names, metadata and the graph.
    pub fn open(path: impl AsRef<Path>) -> Result<ScriptDirectory, ScriptError> {
        let path = path.as_ref().to_path_buf();
        if !path.is_dir() {
            return Err(ScriptError::Missing(path));
        }
        let entries = fs::read_dir(&path).map_err(|source| ScriptError::Read {
            path: path.clone(),
            source,
        })?;
        let mut dirs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| ScriptError::Read {
                path: path.clone(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Like diesel: files and hidden entries at the top level are not migrations.
            if name.starts_with('.') || !entry.path().is_dir() {
                continue;
            }
            dirs.push((name, entry.path()));
        }
        dirs.sort();
        let mut revisions = BTreeMap::new();
        let mut nodes = Vec::with_capacity(dirs.len());
        for (name, dir) in dirs {
            let rev = read_revision(&name, &dir)?;
            nodes.push(Node {
                id: rev.id.clone(),
                parents: rev.parents.clone(),
                sort_key: rev.dir_name.clone(),
            });
            revisions.insert(rev.id.clone(), rev);
        }
        let graph = Graph::new(nodes).map_err(|e| super::validate::locate(e, &revisions))?;
        if let Some(violation) = super::validate::first_order_violation(&revisions) {
            return Err(violation.into());
        }
        Ok(ScriptDirectory {
            path,
            revisions,
            graph,
        })
    }

    /// A directory built from revisions held in memory (embedded in a binary). `origin` names
    /// where they came from, for messages (e.g. the path given to `embed_migrations!`).
    pub fn from_sources(
        origin: impl AsRef<Path>,
        sources: Vec<RevisionSource>,
    ) -> Result<ScriptDirectory, ScriptError> {
        let path = origin.as_ref().to_path_buf();
        let mut revisions = BTreeMap::new();
        let mut nodes = Vec::with_capacity(sources.len());
        for source in sources {
            let dir = path.join(&source.dir_name);
            let rev = build_revision(source, &dir)?;
            nodes.push(Node {
                id: rev.id.clone(),
                parents: rev.parents.clone(),
                sort_key: rev.dir_name.clone(),
            });
            revisions.insert(rev.id.clone(), rev);
        }
        let graph = Graph::new(nodes)?;
        Ok(ScriptDirectory {
            path,
            revisions,
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

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

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
        self.revisions.values().find(|r| r.version == version)
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
        for parent in &new.parents {
            if !self.revisions.contains_key(parent) {
                return Err(GraphError::Unknown(parent.clone()).into());
            }
        }
        // A child's timestamp must be later than its parents' so diesel's version order stays
        // a valid order of the graph.
        let mut stamp = now.naive_utc().with_nanosecond_zero();
        for parent in &new.parents {
            let p = self.revisions[parent].timestamp;
            if stamp <= p {
                stamp = p + chrono::Duration::seconds(1);
            }
        }
        let id = self.new_revision_id();
        let dir_name = format!(
            "{}-{}_{}",
            stamp.format(TIMESTAMP_FORMAT),
            id,
            slugify(&new.message)
        );
        let meta = Metadata {
            revision: id.clone(),
            parents: new.parents.clone(),
            message: new.message.clone(),
            created: stamp
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            run_in_transaction: true,
            dialect: dialect.map(str::to_owned),
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
        let rev = read_revision(&dir_name, &final_path)?;
        *self = ScriptDirectory::open(&self.path)?;
        Ok(rev)
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

trait ZeroNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl ZeroNanos for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).expect("zero nanoseconds is valid")
    }
}

/// Turns a message into a directory-name slug: lower case ASCII words joined by `_`, at most
/// 40 characters.
pub fn slugify(message: &str) -> String {
    let mut slug = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('_');
    if slug.is_empty() {
        "revision".to_owned()
    } else {
        slug.to_owned()
    }
}

/// Parses `<YYYY-MM-DD-HHMMSS>-<revision>_<slug>` into its timestamp and revision.
pub fn parse_dir_name(name: &str) -> Result<(NaiveDateTime, &str), String> {
    let expected = "expected <YYYY-MM-DD-HHMMSS>-<12 hex digits>_<slug>, e.g. 2026-01-31-120000-0a1b2c3d4e5f_create_users";
    let (head, slug) = name
        .split_once('_')
        .ok_or_else(|| format!("directory name has no `_<slug>`; {expected}"))?;
    if slug.is_empty() || !head.is_ascii() || head.len() != TIMESTAMP_LEN + 1 + REVISION_LEN {
        return Err(format!("directory name is not a revision name; {expected}"));
    }
    let (stamp, rest) = head.split_at(TIMESTAMP_LEN);
    let ts = NaiveDateTime::parse_from_str(stamp, TIMESTAMP_FORMAT).map_err(|_| {
        format!("directory name starts with an invalid timestamp `{stamp}`; {expected}")
    })?;
    let rev = rest
        .strip_prefix('-')
        .filter(|r| {
            r.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        })
        .ok_or_else(|| format!("directory name has an invalid revision `{rest}`; {expected}"))?;
    Ok((ts, rev))
}

fn read_revision(name: &str, dir: &Path) -> Result<Revision, ScriptError> {
    let malformed = |reason: String| ScriptError::Malformed {
        path: dir.to_path_buf(),
        reason,
    };
    parse_dir_name(name).map_err(malformed)?;
    let read = |file: &str| {
        let path = dir.join(file);
        fs::read_to_string(&path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ScriptError::Malformed {
                path: dir.to_path_buf(),
                reason: format!(
                    "missing {file}; every revision needs up.sql, down.sql and metadata.toml"
                ),
            },
            _ => ScriptError::Read { path, source },
        })
    };
    let source = RevisionSource {
        dir_name: name.to_owned(),
        metadata: read("metadata.toml")?,
        up_sql: read("up.sql")?,
        down_sql: read("down.sql")?,
    };
    build_revision(source, dir)
}

/// The text of one revision, wherever it comes from (files on disk, or strings embedded in a
/// binary by `retort::embed_migrations!`).
#[derive(Debug, Clone)]
pub struct RevisionSource {
    pub dir_name: String,
    pub metadata: String,
    pub up_sql: String,
    pub down_sql: String,
}

fn build_revision(source: RevisionSource, dir: &Path) -> Result<Revision, ScriptError> {
    let name = source.dir_name.as_str();
    let (timestamp, dir_rev) = parse_dir_name(name).map_err(|reason| ScriptError::Malformed {
        path: dir.to_path_buf(),
        reason,
    })?;
    let meta: Metadata = toml::from_str(&source.metadata).map_err(|e| ScriptError::Malformed {
        path: dir.join("metadata.toml"),
        reason: format!("invalid metadata: {}", e.message()),
    })?;
    if meta.revision != dir_rev {
        return Err(ScriptError::Malformed {
            path: dir.join("metadata.toml"),
            reason: format!(
                "revision `{}` does not match `{dir_rev}` in the directory name",
                meta.revision
            ),
        });
    }
    let version = name.split('_').next().unwrap_or_default().replace('-', "");
    Ok(Revision {
        id: meta.revision,
        parents: meta.parents,
        message: meta.message,
        created: meta.created,
        run_in_transaction: meta.run_in_transaction,
        dialect: meta.dialect,
        dir_name: name.to_owned(),
        path: dir.to_path_buf(),
        up_sql: source.up_sql,
        down_sql: source.down_sql,
        version,
        timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_tidy() {
        assert_eq!(slugify("Add users & posts!"), "add_users_posts");
        assert_eq!(slugify("  "), "revision");
        assert!(slugify(&"x".repeat(100)).len() <= 40);
    }

    #[test]
    fn parses_directory_names() {
        let (ts, rev) = parse_dir_name("2026-11-25-020000-0a1b2c3d4e5f_create_users").unwrap();
        assert_eq!(rev, "0a1b2c3d4e5f");
        assert_eq!(ts.to_string(), "2026-11-25 02:00:00");
        assert!(parse_dir_name("2026-11-25-020000-0A1B2C3D4E5F_x").is_err());
        assert!(parse_dir_name("00000000000000_diesel_initial_setup").is_err());
        assert!(parse_dir_name("2026-13-25-020000-0a1b2c3d4e5f_x").is_err());
        // Non-ASCII in the fixed-width part is an error, not a panic.
        assert!(parse_dir_name("2026-11-25-02000\u{e9}-0a1b2c3d4e5_x").is_err());
    }

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
