//! Revision sources: the raw files of one revision directory, read from disk or embedded in a
//! binary by `retort::embed_migrations!`, and the rules of revision directory names.
//!
//! A revision lives in a diesel-compatible directory
//! `<YYYY-MM-DD-HHMMSS>-<revision>_<slug>/` holding `up.sql`, `down.sql` and `metadata.toml`.
//! Nothing here judges the files: [`validate`](mod@super::validate) does, for every source alike.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::error::ScriptError;

/// The files every revision directory holds.
pub const REVISION_FILES: [&str; 3] = ["up.sql", "down.sql", "metadata.toml"];

/// The largest `up.sql`, `down.sql` or `metadata.toml` Retort reads: 256 MiB.
pub const MAX_SCRIPT_BYTES: u64 = 256 << 20;

/// How the timestamp at the start of a directory name is written.
pub(crate) const TIMESTAMP_FORMAT: &str = "%Y-%m-%d-%H%M%S";
const TIMESTAMP_LEN: usize = 17;
/// Number of hexadecimal digits of a revision id.
pub(crate) const REVISION_LEN: usize = 12;

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

/// The directory name of a revision: timestamp, id and a slug of its message.
pub fn dir_name(timestamp: NaiveDateTime, id: &str, message: &str) -> String {
    format!(
        "{}-{id}_{}",
        timestamp.format(TIMESTAMP_FORMAT),
        slugify(message)
    )
}

/// The version diesel records for a directory: the name up to the first `_`, without `-`.
pub fn version_of(dir_name: &str) -> String {
    dir_name
        .split('_')
        .next()
        .unwrap_or_default()
        .replace('-', "")
}

/// Turns a message into a directory-name slug: lower case ASCII words joined by `_`, at most
/// 40 characters. Other scripts are transliterated first (`añadir índice` -> `anadir_indice`).
pub fn slugify(message: &str) -> String {
    let mut slug = String::new();
    for c in deunicode::deunicode(message).chars() {
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

/// The contents of `metadata.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Metadata {
    /// The revision id, equal to the one in the directory name.
    pub revision: String,
    /// The revisions this one builds on.
    #[serde(default)]
    pub parents: Vec<String>,
    /// The branch labels it declares: each names the branch that starts here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branch_labels: Vec<String>,
    /// Revisions (of other branches) applied before this one, and reverted after it, that it
    /// does not build on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// What the revision does, as given to `retort revision -m`.
    #[serde(default)]
    pub message: String,
    /// When the revision was written (RFC 3339).
    pub created: String,
    /// Always written as `true`: diesel reads a metadata.toml without it as `false`.
    #[serde(default = "default_true")]
    pub run_in_transaction: bool,
    /// The SQL dialect autogenerate wrote the revision in (`sqlite`, `postgresql`); absent for
    /// hand-written and merge revisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
    /// Versions recorded in `__diesel_schema_migrations` before Retort was adopted (by diesel's
    /// own migrations), written by `init --baseline`: recorded versions that no revision has
    /// but that a revision lists here are history before the baseline, not missing revisions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adopted_versions: Vec<String>,
    /// The lint rules this revision is allowed to break (`retort lint`): each a rule's name,
    /// accepted on purpose (`lint_allow = ["ban-drop-column"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lint_allow: Vec<String>,
    /// The revisions a squash stands for (written by `retort squash`), oldest first: a
    /// database that applied all of them has applied the squash, and a new one runs the
    /// squash instead of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    /// For each squash in `replaces` that itself replaced revisions (a squash over a squash):
    /// those revisions, so that the versions a database recorded for them are still known
    /// once `squash --finalize` removed the inner squash's directory. A table of id -> ids.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nested_replaces: BTreeMap<String, Vec<String>>,
}

fn default_true() -> bool {
    true
}

impl Metadata {
    /// Every key metadata.toml may hold: Retort's, and diesel's own `run_in_transaction`.
    pub const KEYS: [&'static str; 12] = [
        "revision",
        "parents",
        "branch_labels",
        "depends_on",
        "message",
        "created",
        "run_in_transaction",
        "dialect",
        "adopted_versions",
        "lint_allow",
        "replaces",
        "nested_replaces",
    ];

    /// Parses `metadata.toml`; the error is TOML's message. A key that is not one of
    /// [`Metadata::KEYS`] (a misspelt `run_in_transaction` would be silently ignored) is an
    /// error naming the valid keys.
    pub fn parse(text: &str) -> Result<Metadata, String> {
        let message = |e: toml::de::Error| e.message().trim_end().to_owned();
        let table: toml::Table = toml::from_str(text).map_err(message)?;
        let unknown: Vec<String> = table
            .keys()
            .filter(|k| !Metadata::KEYS.contains(&k.as_str()))
            .map(|k| match Metadata::closest_key(k) {
                Some(key) => format!("`{k}` (did you mean `{key}`?)"),
                None => format!("`{k}`"),
            })
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "unknown key{} {}; metadata.toml accepts only {}",
                if unknown.len() == 1 { "" } else { "s" },
                unknown.join(", "),
                Metadata::KEYS.join(", ")
            ));
        }
        table.try_into().map_err(message)
    }

    /// The valid key a misspelt `key` most likely means: at most two edits away, or equal
    /// ignoring case, `-` and `_`.
    fn closest_key(key: &str) -> Option<&'static str> {
        let fold = |s: &str| s.to_ascii_lowercase().replace('-', "_");
        Metadata::KEYS
            .iter()
            .map(|valid| (edit_distance(&fold(key), valid), *valid))
            .filter(|(d, _)| *d <= 2)
            .min()
            .map(|(_, valid)| valid)
    }
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// One file of a revision source, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFile {
    /// The file's text.
    Text(String),
    /// There is no such file.
    Missing,
    /// The file exists but cannot be read as UTF-8 text; says why.
    Unreadable(String),
}

impl SourceFile {
    /// A file from its bytes (`None`: it does not exist); bytes that are not UTF-8 are
    /// [`SourceFile::Unreadable`].
    pub fn from_bytes(bytes: Option<&[u8]>) -> SourceFile {
        match bytes.map(std::str::from_utf8) {
            None => SourceFile::Missing,
            // Neither SQLite nor PostgreSQL accept a NUL byte in SQL: refuse it before anything
            // runs, not when the database sees it (after earlier revisions were applied).
            Some(Ok(text)) if text.contains('\0') => {
                let before = text.split('\0').next().unwrap_or_default();
                let line = before.matches('\n').count() + 1;
                SourceFile::Unreadable(format!(
                    "it holds a NUL byte on line {line}, which no database accepts in SQL; \
                     remove it"
                ))
            }
            Some(Ok(text)) => SourceFile::Text(text.to_owned()),
            Some(Err(e)) => SourceFile::Unreadable(format!("it is not UTF-8 text ({e})")),
        }
    }

    /// Reads a file from disk: only a regular file (or a symbolic link to one) of at most
    /// [`MAX_SCRIPT_BYTES`]. A FIFO, a device or a socket is refused without opening it
    /// (opening a FIFO waits for a writer).
    pub fn read(path: &Path) -> SourceFile {
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return SourceFile::Missing,
            Err(e) => return SourceFile::Unreadable(e.to_string()),
        };
        if !meta.is_file() {
            return SourceFile::Unreadable(format!(
                "it is not a regular file ({}), which Retort does not read",
                if meta.is_dir() {
                    "a directory"
                } else {
                    "a FIFO, device or socket"
                }
            ));
        }
        let too_big = |size: u64| {
            SourceFile::Unreadable(format!(
                "it is {} MiB, over the {} MiB a revision file may have; split it into several \
                 revisions, or load bulk data another way",
                size.div_ceil(1 << 20),
                MAX_SCRIPT_BYTES >> 20
            ))
        };
        if meta.len() > MAX_SCRIPT_BYTES {
            return too_big(meta.len());
        }
        let mut bytes = Vec::new();
        // The file may grow after the check: never read past the limit.
        let read = fs::File::open(path).and_then(|file| {
            std::io::Read::read_to_end(
                &mut std::io::Read::take(file, MAX_SCRIPT_BYTES + 1),
                &mut bytes,
            )
        });
        match read {
            Ok(_) if bytes.len() as u64 > MAX_SCRIPT_BYTES => too_big(bytes.len() as u64),
            Ok(_) => SourceFile::from_bytes(Some(&bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SourceFile::Missing,
            Err(e) => SourceFile::Unreadable(e.to_string()),
        }
    }

    /// The text, when the file was read.
    pub fn text(&self) -> Option<&str> {
        match self {
            SourceFile::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// The raw files of one revision directory, wherever they come from (files on disk, or bytes
/// embedded in a binary by `retort::embed_migrations!`), not yet validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionSource {
    /// The directory name, e.g. `2026-11-25-020000-0a1b2c3d4e5f_create_users`.
    pub dir_name: String,
    /// `metadata.toml`.
    pub metadata: SourceFile,
    /// `up.sql`.
    pub up_sql: SourceFile,
    /// `down.sql`.
    pub down_sql: SourceFile,
    /// Set when the entry is not a directory that can be read (a regular file, a symbolic link
    /// that loops or dangles): says what it is. Validation refuses such an entry when it is
    /// named like a revision and ignores it otherwise, like diesel.
    pub not_a_directory: Option<String>,
    /// Set when the entry's name cannot be a revision's at all (it is not UTF-8): says why.
    /// Validation reports it as a bad name, and reads none of its files.
    pub bad_name: Option<String>,
}

impl RevisionSource {
    /// A source whose three files are all present.
    pub fn new(
        dir_name: impl Into<String>,
        metadata: impl Into<String>,
        up_sql: impl Into<String>,
        down_sql: impl Into<String>,
    ) -> RevisionSource {
        RevisionSource {
            dir_name: dir_name.into(),
            metadata: SourceFile::Text(metadata.into()),
            up_sql: SourceFile::Text(up_sql.into()),
            down_sql: SourceFile::Text(down_sql.into()),
            not_a_directory: None,
            bad_name: None,
        }
    }

    /// Reads the revision directory `root/dir_name`.
    pub fn read(root: &Path, dir_name: &str) -> RevisionSource {
        let dir = root.join(dir_name);
        RevisionSource {
            dir_name: dir_name.to_owned(),
            metadata: SourceFile::read(&dir.join("metadata.toml")),
            up_sql: SourceFile::read(&dir.join("up.sql")),
            down_sql: SourceFile::read(&dir.join("down.sql")),
            not_a_directory: None,
            bad_name: None,
        }
    }

    /// One of [`REVISION_FILES`] by name.
    pub fn file(&self, name: &str) -> Option<&SourceFile> {
        match name {
            "metadata.toml" => Some(&self.metadata),
            "up.sql" => Some(&self.up_sql),
            "down.sql" => Some(&self.down_sql),
            _ => None,
        }
    }
}

/// Reads every entry below `root` that is not hidden, sorted by name: revision directories, and
/// entries that are not directories (marked, for validation to judge by their name). Errors
/// only when `root` itself is missing, not a directory, or cannot be listed.
pub fn read_sources(root: &Path) -> Result<Vec<RevisionSource>, ScriptError> {
    let read_err = |source| ScriptError::Read {
        path: root.to_path_buf(),
        source,
    };
    match fs::metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ScriptError::Missing(root.to_path_buf()))
        }
        Err(e) => return Err(read_err(e)),
        Ok(meta) if !meta.is_dir() => return Err(ScriptError::NotADirectory(root.to_path_buf())),
        Ok(_) => {}
    }
    let mut sources = Vec::new();
    for entry in fs::read_dir(root).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let os_name = entry.file_name();
        if os_name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = entry.path();
        let unread = |dir_name: String| RevisionSource {
            dir_name,
            metadata: SourceFile::Missing,
            up_sql: SourceFile::Missing,
            down_sql: SourceFile::Missing,
            not_a_directory: None,
            bad_name: None,
        };
        sources.push(match (os_name.to_str(), not_a_directory(&path)) {
            (Some(name), None) => RevisionSource::read(root, name),
            // Shown with its bytes escaped; a directory is reported, anything else ignored.
            (None, what) => RevisionSource {
                not_a_directory: what,
                bad_name: Some(
                    "directory name is not UTF-8 (its invalid bytes shown as \\xNN)".to_owned(),
                ),
                ..unread(crate::shown::os_str(&os_name))
            },
            (Some(name), Some(what)) => RevisionSource {
                not_a_directory: Some(what),
                ..unread(name.to_owned())
            },
        });
    }
    sources.sort_by(|a, b| a.dir_name.cmp(&b.dir_name));
    Ok(sources)
}

/// What an entry of the migrations directory is when it is not a directory (following symbolic
/// links); `None` for a directory.
fn not_a_directory(path: &Path) -> Option<String> {
    let link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => None,
        Ok(meta) if meta.is_file() && link => {
            Some("is a symbolic link to a file, not a revision directory".to_owned())
        }
        Ok(meta) if meta.is_file() => {
            Some("is a regular file, not a revision directory".to_owned())
        }
        Ok(_) => Some("is not a directory (a device, socket or pipe)".to_owned()),
        Err(e) if link => Some(format!("is a symbolic link that cannot be followed ({e})")),
        Err(e) => Some(format!("cannot be read ({e})")),
    }
}

/// One revision, loaded and validated.
#[derive(Debug, Clone)]
pub struct Revision {
    /// The revision id (12 hexadecimal digits).
    pub id: String,
    /// The revisions this one builds on.
    pub parents: Vec<String>,
    /// The branch labels it declares (`branch_labels` in metadata.toml).
    pub branch_labels: Vec<String>,
    /// The revisions it needs applied first without building on them (`depends_on`).
    pub depends_on: Vec<String>,
    /// What the revision does.
    pub message: String,
    /// When it was written (RFC 3339), as in metadata.toml.
    pub created: String,
    /// Whether it runs in a transaction.
    pub run_in_transaction: bool,
    /// The dialect autogenerate wrote the SQL in, when recorded.
    pub dialect: Option<String>,
    /// Versions recorded before Retort was adopted (`adopted_versions`, written by
    /// `init --baseline`); empty for every other revision.
    pub adopted_versions: Vec<String>,
    /// The lint rules it may break (`lint_allow` in metadata.toml).
    pub lint_allow: Vec<String>,
    /// The revisions this squash stands for (`replaces`), oldest first; empty for every
    /// other revision.
    pub replaces: Vec<String>,
    /// The revisions of the squashes in `replaces` (a squash over a squash), by squash
    /// (`nested_replaces`).
    pub nested_replaces: BTreeMap<String, Vec<String>>,
    /// Directory name, e.g. `2026-11-25-020000-0a1b2c3d4e5f_create_users`.
    pub dir_name: String,
    /// The revision directory (below the migrations directory or the embedded origin).
    pub path: PathBuf,
    /// The text of `up.sql`.
    pub up_sql: String,
    /// The text of `down.sql`.
    pub down_sql: String,
    /// The version diesel records for this directory: the name up to the first `_`, without `-`.
    pub version: String,
    /// Parsed from the directory name.
    pub timestamp: NaiveDateTime,
}

impl Revision {
    /// Every revision this squash stands for: those of `replaces` and, for a squash over a
    /// squash, those the inner squashes replaced (`nested_replaces`); nothing for another
    /// revision.
    pub fn all_replaced(&self) -> impl Iterator<Item = &String> {
        self.replaces
            .iter()
            .chain(self.nested_replaces.values().flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_tidy() {
        assert_eq!(slugify("Add users & posts!"), "add_users_posts");
        assert_eq!(slugify("  "), "revision");
        assert_eq!(slugify("añadir índice"), "anadir_indice");
        assert_eq!(slugify("Größe ändern"), "grosse_andern");
        assert_eq!(slugify("Ελληνικά"), "ellenika");
        assert!(slugify(&"x".repeat(100)).len() <= 40);
    }

    #[test]
    fn unknown_metadata_keys_are_refused_with_the_valid_ones() {
        let base = "revision = \"0a1b2c3d4e5f\"\ncreated = \"x\"\n";
        assert!(Metadata::parse(base).unwrap().run_in_transaction);
        let err = Metadata::parse(&format!("{base}run_in_transacton = false\n")).unwrap_err();
        assert_eq!(
            err,
            "unknown key `run_in_transacton` (did you mean `run_in_transaction`?); metadata.toml \
             accepts only revision, parents, branch_labels, depends_on, message, created, \
             run_in_transaction, dialect, adopted_versions, lint_allow, replaces, nested_replaces"
        );
        let err = Metadata::parse(&format!("{base}branch_label = [\"x\"]\n")).unwrap_err();
        assert!(err.contains("(did you mean `branch_labels`?)"), "{err}");
        let linked = Metadata::parse(&format!(
            "{base}branch_labels = [\"shop\"]\ndepends_on = [\"0a1b2c3d4e60\"]\n"
        ))
        .unwrap();
        assert_eq!(linked.branch_labels, ["shop"]);
        assert_eq!(linked.depends_on, ["0a1b2c3d4e60"]);
        let text = toml::to_string(&linked).unwrap();
        assert!(text.contains("branch_labels = [\"shop\"]"), "{text}");
        assert!(!toml::to_string(&Metadata::parse(base).unwrap())
            .unwrap()
            .contains("depends_on"));
        let err = Metadata::parse(&format!("{base}Parents = []\nzzz = 1\n")).unwrap_err();
        assert!(
            err.starts_with("unknown keys `Parents` (did you mean `parents`?), `zzz`;"),
            "{err}"
        );
        let outside = Metadata::parse(&format!("{base}run_in_transaction = false\n")).unwrap();
        assert!(!outside.run_in_transaction);
        assert!(Metadata::parse("revision = 1").is_err());
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
}
