//! The diesel adapter: a revision as a `diesel::migration::Migration`, so diesel's
//! `MigrationHarness` applies it and records its version in `__diesel_schema_migrations`, and
//! Retort's checksum row is written in the same transaction.

use diesel::backend::Backend as DieselBackend;
use diesel::connection::BoxableConnection;
use diesel::migration::{self, Migration, MigrationMetadata, MigrationName, MigrationVersion};

use crate::checksum;
use crate::script::Revision;

/// A revision as diesel sees it.
pub(crate) struct ScriptMigration<'a> {
    rev: &'a Revision,
    name: VersionName,
    /// `false` when stamping: only the bookkeeping is written.
    execute: bool,
}

struct VersionName {
    dir_name: String,
    version: String,
}

impl std::fmt::Display for VersionName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.dir_name)
    }
}

impl MigrationName for VersionName {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.version.as_str())
    }
}

struct Meta(bool);

impl MigrationMetadata for Meta {
    fn run_in_transaction(&self) -> bool {
        self.0
    }
}

impl<'a> ScriptMigration<'a> {
    pub(crate) fn new(rev: &'a Revision, execute: bool) -> Self {
        ScriptMigration {
            rev,
            name: VersionName {
                dir_name: rev.dir_name.clone(),
                version: rev.version.clone(),
            },
            execute,
        }
    }
}

/// A failed statement of a script, located by the database's error position when it gives one.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct StatementError {
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
}

fn execute_script<DB: DieselBackend>(
    conn: &mut dyn BoxableConnection<DB>,
    sql: &str,
) -> migration::Result<()> {
    // PostgreSQL rejects a script without statements ("empty query"): merge revisions and fresh
    // `revision` placeholders hold only comments.
    if !crate::sql::has_statements(sql) {
        return Ok(());
    }
    conn.batch_execute(sql).map_err(|e| {
        let (line, mut message) = match &e {
            diesel::result::Error::DatabaseError(_, info) => {
                let line = info
                    .statement_position()
                    .and_then(|p| usize::try_from(p).ok())
                    .map(|p| line_of(sql, p));
                // PostgreSQL's detail names the offending key (`Key (code)=(x) is duplicated`).
                let mut message = info.message().to_owned();
                for extra in [info.details(), info.hint()].into_iter().flatten() {
                    message.push_str(" (");
                    message.push_str(extra.trim_end_matches('.'));
                    message.push(')');
                }
                (line, message)
            }
            other => (None, other.to_string()),
        };
        if let Some(l) = line {
            if let Some(text) = sql.lines().nth(l - 1) {
                message = format!("{message} (in `{}`)", text.trim());
            }
        }
        Box::new(StatementError { line, message }) as Box<dyn std::error::Error + Send + Sync>
    })
}

/// The 1-based line of the 1-based character position `pos`.
fn line_of(sql: &str, pos: usize) -> usize {
    sql.chars()
        .take(pos.saturating_sub(1))
        .filter(|c| *c == '\n')
        .count()
        + 1
}

impl<DB: DieselBackend> Migration<DB> for ScriptMigration<'_> {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        if self.execute {
            execute_script(conn, &self.rev.up_sql)?;
        }
        // In the same transaction as the migration and diesel's version row.
        conn.batch_execute(&checksum::record_sql(self.rev))?;
        Ok(())
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        if self.execute {
            execute_script(conn, &self.rev.down_sql)?;
        }
        conn.batch_execute(&checksum::forget_sql(self.rev))?;
        Ok(())
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        // Inside a whole-run transaction this is a savepoint.
        if self.rev.run_in_transaction {
            &Meta(true)
        } else {
            &Meta(false)
        }
    }

    fn name(&self) -> &dyn MigrationName {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_positions_become_lines() {
        assert_eq!(super::line_of("SELECT 1;\nSELECT x;", 15), 2);
        assert_eq!(super::line_of("SELECT x;", 8), 1);
    }
}
