//! The SQL of Retort's progress records for revisions outside a transaction (see the runner's
//! `progress` module for how runs use them): the table, a row's statements and the digest of
//! the statements that took effect.

use sha2::{Digest, Sha256};

use crate::script::Revision;

/// Retort's table of partly applied revisions.
pub(crate) const PROGRESS_TABLE: &str = "__retort_progress";

/// One row per partly run revision: its version and its state, `<direction> <done> <digest>`
/// (one text column, read the same way on every backend).
pub(crate) const CREATE_PROGRESS_TABLE: &str = "CREATE TABLE IF NOT EXISTS __retort_progress (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       state VARCHAR(100) NOT NULL
);
";

/// The SQL that records `done` statements of `sql` (the file `direction` runs of `rev`) as
/// having taken effect.
pub(crate) fn record_sql(rev: &Revision, direction: &str, sql: &str, done: usize) -> String {
    format!(
        "{}\nINSERT INTO {PROGRESS_TABLE} (version, state) VALUES ('{}', '{} {done} {}');\n",
        forget_sql(rev).trim_end(),
        rev.version.replace('\'', "''"),
        direction,
        digest(sql, done),
    )
}

/// The SQL that removes `rev`'s progress row.
pub(crate) fn forget_sql(rev: &Revision) -> String {
    format!(
        "DELETE FROM {PROGRESS_TABLE} WHERE version = '{}';\n",
        rev.version.replace('\'', "''")
    )
}

/// A digest of the first `done` statements of `sql` (their text, without comments between
/// them): 64 hexadecimal digits of SHA-256.
pub(crate) fn digest(sql: &str, done: usize) -> String {
    let mut hasher = Sha256::new();
    for statement in crate::sql::statements(sql).iter().take(done) {
        hasher.update(statement.text.trim().replace("\r\n", "\n").as_bytes());
        hasher.update(b"\n;\n");
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_covers_the_first_statements_only() {
        let a = "CREATE INDEX CONCURRENTLY i ON t (a);\nALTER TABLE t VALIDATE CONSTRAINT c;\n";
        let b = "CREATE INDEX CONCURRENTLY i ON t (a);\n-- fixed\nALTER TABLE t VALIDATE CONSTRAINT d;\n";
        assert_eq!(digest(a, 1), digest(b, 1));
        assert_ne!(digest(a, 2), digest(b, 2));
        assert_eq!(digest(a, 0), digest("", 0));
        assert_eq!(digest(a, 0).len(), 64);
    }
}
