//! `retort lint`: the statements of a revision's up.sql checked against rules that keep a
//! migration from stopping a busy table's writers (PostgreSQL: an index built without
//! `CONCURRENTLY`, a constraint added without `NOT VALID`, a type change that rewrites the
//! table...). Hand-written revisions above all: autogenerate's own output is rendered from a
//! plan. The rules are the dialect's ([`crate::dialect::Dialect::lint`]; squawk's names where
//! squawk has the rule); this module runs them over each statement, with what the revision
//! itself creates (a new table needs no care) and whether it runs in a transaction.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::dialect::lint::LintStatement;
pub use crate::dialect::lint::{Rule, Violation};
use crate::dialect::Dialect;
use crate::script::Revision;
use crate::sql::{ddl, Ddl};

/// A rule a revision's statement breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file (`<revision>/up.sql`).
    pub file: PathBuf,
    /// 1-based line of the statement.
    pub line: usize,
    /// The rule's name.
    pub rule: &'static str,
    /// What is wrong and the fix.
    pub message: String,
    /// The statement on one line, shortened.
    pub statement: String,
}

/// A revision's `lint_allow` names a rule the dialect does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{file}: lint_allow names `{rule}`, which is no lint rule; the rules are: {known}",
    file = file.display()
)]
pub struct UnknownRule {
    /// The revision's metadata.toml.
    pub file: PathBuf,
    /// The name it gives.
    pub rule: String,
    /// The rules there are, comma-separated.
    pub known: String,
}

/// The findings of `dialect`'s rules on `revision`'s up.sql, in the order of its statements,
/// but those its `lint_allow` accepts.
pub fn lint(revision: &Revision, dialect: &dyn Dialect) -> Result<Vec<Finding>, UnknownRule> {
    let rules = dialect.lint_rules();
    if let Some(rule) = revision
        .lint_allow
        .iter()
        .find(|r| !rules.iter().any(|known| known.name == r.as_str()))
    {
        return Err(UnknownRule {
            file: revision.path.join("metadata.toml"),
            rule: rule.clone(),
            known: rules.iter().map(|r| r.name).collect::<Vec<_>>().join(", "),
        });
    }
    Ok(lint_sql(
        &revision.up_sql,
        revision.run_in_transaction,
        &revision.lint_allow,
        &revision.path.join("up.sql"),
        dialect,
    ))
}

/// The findings of `dialect`'s rules on `up_sql` (a revision's up.sql at `file`, run in a
/// transaction or not), in the order of its statements, but those `allow` accepts: for a
/// revision not written yet (autogenerate records what its flags accepted).
pub fn lint_sql(
    up_sql: &str,
    in_transaction: bool,
    allow: &[String],
    file: &std::path::Path,
    dialect: &dyn Dialect,
) -> Vec<Finding> {
    let file = file.to_path_buf();
    let mut new_tables = BTreeSet::new();
    let mut not_null_checks: Vec<(String, String)> = Vec::new();
    let mut proven_not_null = BTreeSet::new();
    let mut findings = Vec::new();
    for statement in crate::sql::statements(up_sql) {
        let what = ddl(statement.text);
        let context = LintStatement {
            sql: statement.text,
            ddl: &what,
            new_tables: &new_tables,
            in_transaction,
            proven_not_null: &proven_not_null,
        };
        for violation in dialect.lint(&context) {
            if allow.iter().any(|r| r == violation.rule) {
                continue;
            }
            findings.push(Finding {
                file: file.clone(),
                line: statement.line,
                rule: violation.rule,
                message: violation.message,
                statement: statement.summary(80),
            });
        }
        if let Ddl::CreateTable { table } = &what {
            new_tables.insert(crate::dialect::lint::bare(table).to_owned());
        }
        if let Ddl::AlterTable { table, actions } = &what {
            let table = crate::dialect::lint::bare(table).to_owned();
            if let Some(column) = not_null_check_column(statement.text) {
                not_null_checks.push((table.clone(), column));
            }
            // Validated in its own transaction: the checks added before on the table hold.
            if !in_transaction && actions.contains(&crate::sql::AlterAction::ValidateConstraint) {
                for (t, column) in not_null_checks.iter().filter(|(t, _)| *t == table) {
                    proven_not_null.insert(format!("{t}.{column}"));
                }
            }
        }
    }
    findings
}

/// The column of an `ALTER TABLE ... ADD [CONSTRAINT name] CHECK (column IS NOT NULL) NOT
/// VALID`, unquoted.
fn not_null_check_column(statement: &str) -> Option<String> {
    let upper = statement.to_ascii_uppercase();
    if !upper
        .trim_end()
        .trim_end_matches(';')
        .ends_with("NOT VALID")
    {
        return None;
    }
    let open = upper.find("CHECK (")? + "CHECK (".len();
    let close = upper[open..].find(" IS NOT NULL)")? + open;
    let column = statement[open..close].trim().trim_start_matches('(').trim();
    Some(crate::sql::unquote(column))
}
