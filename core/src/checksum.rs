//! Checksums of applied migrations: applied history is immutable.
//!
//! When a revision is applied (or stamped) the runner records its checksum in Retort's own table
//! [`CHECKSUM_TABLE`], next to diesel's `__diesel_schema_migrations`, in the same transaction as
//! the migration; reverting deletes the row. Later runs compare the files on disk with the
//! recorded checksums and refuse to run when an applied migration was edited.
//!
//! The checksum is 64 hexadecimal digits: the first 32 hex digits (128 bits) of the SHA-256 of
//! `up.sql`, followed by the first 32 of the SHA-256 of `down.sql`, both over the files' bytes
//! with CRLF line endings read as LF. Keeping the halves apart tells which file changed.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::script::{Revision, ScriptDirectory};

/// Retort's bookkeeping table: one row per applied revision (diesel `version`, checksum).
pub const CHECKSUM_TABLE: &str = "__retort_checksums";

/// Creates [`CHECKSUM_TABLE`] when it is missing (same SQL on SQLite and PostgreSQL).
pub const CREATE_CHECKSUM_TABLE: &str = "CREATE TABLE IF NOT EXISTS __retort_checksums (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       checksum VARCHAR(64) NOT NULL
);
";

const HALF: usize = 32;

fn half(text: &str) -> String {
    // Line endings do not count: a checkout with core.autocrlf is not an edit.
    let digest = Sha256::digest(text.replace("\r\n", "\n").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..HALF].to_owned()
}

/// The checksum of a migration's `up.sql` and `down.sql`.
pub fn checksum(up_sql: &str, down_sql: &str) -> String {
    format!("{}{}", half(up_sql), half(down_sql))
}

/// The checksum of a revision's files alone. A revision that runs Rust data steps has its
/// steps' hashes in its checksum too: [`crate::data::checksum`] computes that one (and equals
/// this for a revision without steps).
pub fn of(rev: &Revision) -> String {
    checksum(&rev.up_sql, &rev.down_sql)
}

/// The checksum of a revision's files, each followed by `up_extra` (`down_extra`): what its
/// Rust data steps add ([`crate::data::checksum`]).
pub fn with_steps(rev: &Revision, up_extra: &str, down_extra: &str) -> String {
    if up_extra.is_empty() && down_extra.is_empty() {
        return of(rev);
    }
    checksum(
        &format!("{}{up_extra}", rev.up_sql),
        &format!("{}{down_extra}", rev.down_sql),
    )
}

/// A revision's checksum now, as [`compare`] asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Now {
    /// The checksum of its files (and steps).
    pub checksum: String,
    /// The Rust data steps `up.sql` and `down.sql` run, each as `` `name` (file:line) `` (for
    /// the message: their hashes are inside the file's half, which cannot tell them apart
    /// from the SQL).
    pub steps: [Vec<String>; 2],
    /// Its steps not compiled into this binary: the checksum cannot be computed.
    pub not_compiled: Vec<String>,
}

/// [`Now`] of a revision's files alone, for callers without steps.
pub fn files_now(rev: &Revision) -> Now {
    Now {
        checksum: of(rev),
        steps: [Vec::new(), Vec::new()],
        not_compiled: Vec::new(),
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Records `checksum` as `rev`'s (replacing a stale row for its version).
pub fn record_sql(rev: &Revision, checksum: &str) -> String {
    format!(
        "{}\nINSERT INTO {CHECKSUM_TABLE} (version, checksum) VALUES ({}, {});\n",
        forget_sql(rev).trim_end(),
        quote(&rev.version),
        quote(checksum)
    )
}

/// Deletes `rev`'s checksum row. For a squash, also the rows (diesel's and checksums) of the
/// revisions it replaces (those of inner squashes too), whose directories may be gone: a
/// Retort version is the 14-digit timestamp followed by the 12-digit id, so they are found by
/// their id.
pub fn forget_sql(rev: &Revision) -> String {
    let mut sql = format!(
        "DELETE FROM {CHECKSUM_TABLE} WHERE version = {};\n",
        quote(&rev.version)
    );
    for id in rev.all_replaced() {
        for table in [CHECKSUM_TABLE, "__diesel_schema_migrations"] {
            sql.push_str(&format!(
                "DELETE FROM {table} WHERE LENGTH(version) = 26 AND version LIKE {};\n",
                quote(&format!("%{id}"))
            ));
        }
    }
    sql
}

/// An applied revision whose files differ from what was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// Id of the edited revision (12 hex digits, not diesel's version).
    pub revision: String,
    /// The revision's directory.
    pub path: PathBuf,
    /// `up.sql` and/or `down.sql`: the files whose checksum half changed.
    pub files: Vec<&'static str>,
    /// The Rust data steps `up.sql` and `down.sql` run (`` `name` (file:line) ``): a changed
    /// half of a file that runs steps means its SQL or one of them changed.
    pub steps: [Vec<String>; 2],
    /// Rust data steps of the revision that are not compiled into this binary: its checksum
    /// cannot be checked here (its `files` are then empty).
    pub not_compiled: Vec<String>,
}

impl Edited {
    /// Whether the revision's files (or steps) really changed, rather than its steps being
    /// absent from this binary.
    pub fn changed(&self) -> bool {
        !self.files.is_empty()
    }
}

impl fmt::Display for Edited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (revision, path) = (&self.revision, crate::shown::path(&self.path));
        if !self.not_compiled.is_empty() {
            return write!(
                f,
                "revision {revision} ({path}) runs Rust data steps not compiled into this binary \
                 ({}), so what was applied cannot be checked: run the binary that links them",
                self.not_compiled.join(", ")
            );
        }
        if !self.in_steps() {
            return write!(
                f,
                "revision {revision} ({path}): {} changed since it was applied",
                self.files.join(" and ")
            );
        }
        let changes: Vec<String> = self
            .files
            .iter()
            .map(|file| {
                let steps = &self.steps[usize::from(*file == "down.sql")];
                if steps.is_empty() {
                    format!("{file} changed since it was applied")
                } else {
                    format!(
                        "{file} or one of the Rust data steps it runs ({}) changed since it was \
                         applied (the checksum covers both and cannot tell which)",
                        steps.join(", ")
                    )
                }
            })
            .collect();
        write!(f, "revision {revision} ({path}): {}", changes.join("; "))
    }
}

impl Edited {
    /// Whether a changed file runs Rust data steps (so the change may be in Rust).
    pub fn in_steps(&self) -> bool {
        self.files
            .iter()
            .any(|file| !self.steps[usize::from(*file == "down.sql")].is_empty())
    }
}

/// What to do about `edited` revisions whose files changed ([`Edited::changed`]): restore what
/// was applied, or, for a deliberate edit of a Rust data step, record the checksums anew.
pub fn edited_fix(edited: &[Edited]) -> String {
    let mut fix = if edited.iter().any(Edited::in_steps) {
        "applied history is immutable: restore the SQL as it was applied, or the Rust data step \
         functions as they were, and write a new revision for the change; to accept a \
         deliberate change of a step's function that changes nothing it does (a refactor), \
         `retort stamp` the revision's parent, then `retort stamp` back to where the database \
         is: stamp runs no SQL and records the checksums anew"
            .to_owned()
    } else {
        "applied history is immutable: restore the files as they were applied and write a new \
         revision for the change"
            .to_owned()
    };
    fix.push_str(" (or pass --allow-edited to run anyway)");
    fix
}

/// Compares the applied revisions `applied` (ids) with the checksums recorded for them
/// (`recorded`: diesel version -> checksum), each revision's checksum now as `now` computes it
/// ([`files_now`], or [`crate::data::checksum_now`] with its Rust data steps). A revision
/// without a recorded checksum (applied by plain diesel) has nothing to compare and is not
/// reported.
pub fn compare<'a>(
    scripts: &ScriptDirectory,
    applied: impl IntoIterator<Item = &'a String>,
    recorded: &BTreeMap<String, String>,
    now: &dyn Fn(&Revision) -> Now,
) -> Vec<Edited> {
    let mut edited = Vec::new();
    // A squash applied through the revisions it replaces (or those of an inner squash): theirs
    // are the files applied.
    let applied = applied.into_iter().flat_map(|id| {
        let replaced = scripts.revision(id).map(|r| r.all_replaced());
        std::iter::once(id).chain(replaced.into_iter().flatten())
    });
    for id in applied {
        let Some(rev) = scripts.revision(id) else {
            continue;
        };
        let Some(stored) = recorded.get(&rev.version) else {
            continue;
        };
        let Now {
            checksum: now,
            steps,
            not_compiled,
        } = now(rev);
        if !not_compiled.is_empty() {
            edited.push(Edited {
                revision: rev.id.clone(),
                path: rev.path.clone(),
                files: Vec::new(),
                steps: [Vec::new(), Vec::new()],
                not_compiled,
            });
            continue;
        }
        let mut files = Vec::new();
        if stored.get(..HALF) != Some(&now[..HALF]) {
            files.push("up.sql");
        }
        if stored.get(HALF..) != Some(&now[HALF..]) {
            files.push("down.sql");
        }
        if !files.is_empty() {
            edited.push(Edited {
                revision: rev.id.clone(),
                path: rev.path.clone(),
                files,
                steps,
                not_compiled: Vec::new(),
            });
        }
    }
    edited
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::NewRevision;
    use chrono::{DateTime, Utc};

    #[test]
    fn line_endings_do_not_change_a_checksum() {
        assert_eq!(
            checksum("SELECT 1;\r\nSELECT 2;\r\n", "x"),
            checksum("SELECT 1;\nSELECT 2;\n", "x")
        );
    }

    #[test]
    fn checksums_are_two_sha256_halves() {
        // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855
        let empty = checksum("", "");
        assert_eq!(empty.len(), 64);
        assert_eq!(&empty[..32], "e3b0c44298fc1c149afbf4c8996fb924");
        assert_eq!(&empty[32..], "e3b0c44298fc1c149afbf4c8996fb924");
        let c = checksum("CREATE TABLE a (id INTEGER);\n", "");
        assert_ne!(&c[..32], &empty[..32]);
        assert_eq!(&c[32..], &empty[32..]);
        assert_ne!(checksum("a", "b"), checksum("b", "a"));
    }

    #[test]
    fn compare_names_the_changed_files() {
        let tmp = tempfile::tempdir().unwrap();
        let mut dir = ScriptDirectory::create(tmp.path()).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-25T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let rev = dir
            .write_revision(
                NewRevision {
                    message: "one".into(),
                    parents: vec![],
                    up_sql: "CREATE TABLE a (id INTEGER);\n".into(),
                    down_sql: "DROP TABLE a;\n".into(),
                    ..NewRevision::default()
                },
                now,
            )
            .unwrap();
        let applied = vec![rev.id.clone()];
        let mut recorded = BTreeMap::new();
        assert!(
            compare(&dir, &applied, &recorded, &files_now).is_empty(),
            "no row: nothing to compare"
        );
        recorded.insert(rev.version.clone(), of(&rev));
        assert!(compare(&dir, &applied, &recorded, &files_now).is_empty());
        recorded.insert(
            rev.version.clone(),
            checksum("CREATE TABLE a (id BIGINT);\n", &rev.down_sql),
        );
        let edited = compare(&dir, &applied, &recorded, &files_now);
        assert_eq!(edited.len(), 1);
        assert_eq!(edited[0].files, ["up.sql"]);
        assert!(edited[0]
            .to_string()
            .contains(&format!("revision {}", rev.id)));
        recorded.insert(rev.version.clone(), checksum("x", "y"));
        assert_eq!(
            compare(&dir, &applied, &recorded, &files_now)[0].files,
            ["up.sql", "down.sql"]
        );
        // Not applied: not compared.
        assert!(compare(&dir, &Vec::new(), &recorded, &files_now).is_empty());
    }

    #[test]
    fn bookkeeping_sql_quotes_values() {
        let tmp = tempfile::tempdir().unwrap();
        let mut dir = ScriptDirectory::create(tmp.path()).unwrap();
        let rev = dir
            .write_revision(
                NewRevision {
                    message: "one".into(),
                    parents: vec![],
                    up_sql: String::new(),
                    down_sql: String::new(),
                    ..NewRevision::default()
                },
                Utc::now(),
            )
            .unwrap();
        let sql = record_sql(&rev, &of(&rev));
        assert_eq!(
            sql,
            format!(
                "DELETE FROM __retort_checksums WHERE version = '{v}';\nINSERT INTO __retort_checksums (version, checksum) VALUES ('{v}', '{c}');\n",
                v = rev.version,
                c = checksum("", "")
            )
        );
    }
}
