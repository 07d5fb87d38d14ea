//! PostgreSQL's lint rules: statements that stop a busy table's readers or writers for as long
//! as they scan or rewrite it, or that break the code still running against the old schema.
//! Names are squawk's where squawk has the rule. A table the revision creates itself is never
//! at risk (no other session uses it yet).

use super::lint::{bare, LintStatement, Rule, Violation};
use crate::sql::{AlterAction, Ddl};

/// Every rule, in the order `retort lint` lists them.
pub(super) const RULES: &[Rule] = &[
    Rule {
        name: "require-concurrent-index-creation",
        summary: "CREATE INDEX without CONCURRENTLY blocks the table's writes while it builds",
    },
    Rule {
        name: "require-concurrent-index-deletion",
        summary: "DROP INDEX without CONCURRENTLY blocks the table's reads and writes",
    },
    Rule {
        name: "ban-concurrent-index-creation-in-transaction",
        summary: "CONCURRENTLY cannot run inside a transaction block",
    },
    Rule {
        name: "constraint-missing-not-valid",
        summary: "a CHECK added without NOT VALID scans the table under ACCESS EXCLUSIVE",
    },
    Rule {
        name: "adding-foreign-key-constraint",
        summary: "a FOREIGN KEY added without NOT VALID scans the table, blocking writes to both tables",
    },
    Rule {
        name: "disallowed-unique-constraint",
        summary: "a UNIQUE or PRIMARY KEY constraint added without USING INDEX builds its index under ACCESS EXCLUSIVE",
    },
    Rule {
        name: "changing-column-type",
        summary: "a column type change rewrites the table under ACCESS EXCLUSIVE",
    },
    Rule {
        name: "adding-not-nullable-field",
        summary: "SET NOT NULL scans the table under ACCESS EXCLUSIVE; a NOT NULL column without a default fails on rows",
    },
    Rule {
        name: "ban-drop-column",
        summary: "a dropped column breaks the code still reading it",
    },
    Rule {
        name: "renaming-column",
        summary: "a renamed column breaks the code still using the old name",
    },
    Rule {
        name: "renaming-table",
        summary: "a renamed table breaks the code still using the old name",
    },
];

/// The rules `statement` breaks.
pub(super) fn lint(statement: &LintStatement<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut say = |rule: &'static str, message: String| out.push(Violation { rule, message });
    let existing = |table: &str| !statement.new_tables.contains(bare(table));
    match statement.ddl {
        Ddl::CreateIndex {
            table,
            concurrently,
            ..
        } => {
            if *concurrently && statement.in_transaction {
                say(
                    "ban-concurrent-index-creation-in-transaction",
                    "PostgreSQL refuses CREATE INDEX CONCURRENTLY inside a transaction block: set \
                     `run_in_transaction = false` in this revision's metadata.toml (and keep the \
                     statement alone in its revision)"
                        .into(),
                );
            }
            if !concurrently && existing(table) {
                say(
                    "require-concurrent-index-creation",
                    format!(
                        "building an index on '{table}' takes a SHARE lock: its writers wait until \
                         the index is built; write CREATE INDEX CONCURRENTLY, in a revision with \
                         `run_in_transaction = false`"
                    ),
                );
            }
        }
        Ddl::DropIndex { concurrently } => {
            if *concurrently && statement.in_transaction {
                say(
                    "ban-concurrent-index-creation-in-transaction",
                    "PostgreSQL refuses DROP INDEX CONCURRENTLY inside a transaction block: set \
                     `run_in_transaction = false` in this revision's metadata.toml"
                        .into(),
                );
            }
            if !concurrently {
                say(
                    "require-concurrent-index-deletion",
                    "DROP INDEX takes an ACCESS EXCLUSIVE lock on its table: its readers and \
                     writers wait; write DROP INDEX CONCURRENTLY, in a revision with \
                     `run_in_transaction = false`"
                        .into(),
                );
            }
        }
        Ddl::AlterTable { table, actions } if existing(table) => {
            for action in actions {
                if let AlterAction::SetNotNull { column } = action {
                    let proven = format!("{}.{column}", bare(table));
                    if statement.proven_not_null.contains(&proven) {
                        continue;
                    }
                }
                alter(table, action, &mut say);
            }
        }
        _ => {}
    }
    out
}

/// The rules one action of an `ALTER TABLE` of an existing table breaks.
fn alter(table: &str, action: &AlterAction, say: &mut dyn FnMut(&'static str, String)) {
    match action {
        AlterAction::AddConstraint {
            kind: "CHECK",
            not_valid: false,
            ..
        } => say(
            "constraint-missing-not-valid",
            format!(
                "adding a CHECK checks every row of '{table}' under an ACCESS EXCLUSIVE lock; add \
                 it NOT VALID, then VALIDATE CONSTRAINT in a later revision (which lets writes go on)"
            ),
        ),
        AlterAction::AddConstraint {
            kind: "FOREIGN KEY",
            not_valid: false,
            ..
        } => say(
            "adding-foreign-key-constraint",
            format!(
                "adding a foreign key checks every row of '{table}' while writes to it and to the \
                 referenced table wait; add it NOT VALID, then VALIDATE CONSTRAINT in a later revision"
            ),
        ),
        AlterAction::AddConstraint {
            kind: kind @ ("UNIQUE" | "PRIMARY KEY"),
            using_index: false,
            ..
        } => say(
            "disallowed-unique-constraint",
            format!(
                "adding a {kind} constraint builds its index on '{table}' under an ACCESS EXCLUSIVE \
                 lock; build a unique index CONCURRENTLY first, then ADD CONSTRAINT ... {kind} \
                 USING INDEX"
            ),
        ),
        AlterAction::AlterType { column } => say(
            "changing-column-type",
            format!(
                "changing the type of '{table}.{column}' rewrites the table under an ACCESS \
                 EXCLUSIVE lock (but for a longer VARCHAR or VARCHAR to TEXT); add a new column, \
                 fill it in batches, and switch the code over instead"
            ),
        ),
        AlterAction::SetNotNull { column } => say(
            "adding-not-nullable-field",
            format!(
                "SET NOT NULL checks every row of '{table}' under an ACCESS EXCLUSIVE lock; add \
                 CHECK ({column} IS NOT NULL) NOT VALID, VALIDATE it in its own transaction (a later \
                 revision, or this one with run_in_transaction = false), then SET NOT NULL \
                 (PostgreSQL 12+ then skips the scan) and drop the check"
            ),
        ),
        AlterAction::AddColumn {
            column,
            not_null: true,
            default: false,
        } => say(
            "adding-not-nullable-field",
            format!(
                "a NOT NULL column '{table}.{column}' without a default fails as soon as the table \
                 has rows; add it nullable (or with a default), fill it, then make it NOT NULL"
            ),
        ),
        AlterAction::DropColumn { column } => say(
            "ban-drop-column",
            format!(
                "dropping '{table}.{column}' breaks the application instances still reading it, \
                 and loses its values; stop using it in the code first, then allow this rule here"
            ),
        ),
        AlterAction::RenameColumn { column } => say(
            "renaming-column",
            format!(
                "renaming '{table}.{column}' breaks the application instances still using the old \
                 name; add the new column and copy instead, or allow this rule once no code uses it"
            ),
        ),
        AlterAction::RenameTable => say(
            "renaming-table",
            format!(
                "renaming '{table}' breaks the application instances still using the old name; \
                 allow this rule once no code uses it"
            ),
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The rules `sql` breaks, when the revision has created `new` before it.
    fn rules(sql: &str, new: &[&str], in_transaction: bool) -> Vec<&'static str> {
        let new_tables: BTreeSet<String> = new.iter().map(|t| t.to_string()).collect();
        let ddl = crate::sql::ddl(sql);
        lint(&LintStatement {
            sql,
            ddl: &ddl,
            new_tables: &new_tables,
            in_transaction,
            proven_not_null: &BTreeSet::new(),
        })
        .into_iter()
        .map(|v| v.rule)
        .collect()
    }

    #[test]
    fn each_rule_finds_its_statement_and_only_on_existing_tables() {
        for (sql, expected) in [
            (
                "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id)",
                vec!["adding-foreign-key-constraint"],
            ),
            (
                "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID",
                vec![],
            ),
            ("ALTER TABLE t VALIDATE CONSTRAINT fk", vec![]),
            (
                "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)",
                vec!["disallowed-unique-constraint"],
            ),
            (
                "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX ix",
                vec![],
            ),
            (
                "ALTER TABLE t ALTER COLUMN a TYPE bigint",
                vec!["changing-column-type"],
            ),
            (
                "ALTER TABLE t ADD COLUMN b int NOT NULL",
                vec!["adding-not-nullable-field"],
            ),
            ("ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0", vec![]),
            (
                "ALTER TABLE t RENAME COLUMN a TO b",
                vec!["renaming-column"],
            ),
            ("ALTER TABLE t RENAME TO u", vec!["renaming-table"]),
            ("DROP INDEX ix", vec!["require-concurrent-index-deletion"]),
            ("DROP INDEX CONCURRENTLY ix", vec![]),
            (
                "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0), DROP COLUMN b",
                vec!["constraint-missing-not-valid", "ban-drop-column"],
            ),
            ("UPDATE t SET a = 1", vec![]),
        ] {
            assert_eq!(rules(sql, &[], false), expected, "{sql}");
            // A table the revision creates itself is used by no one yet.
            if sql.starts_with("ALTER") {
                assert_eq!(rules(sql, &["t"], false), Vec::<&str>::new(), "{sql}");
            }
        }
        assert_eq!(
            rules("CREATE INDEX ix ON public.t (a)", &["t"], true),
            Vec::<&str>::new()
        );
        assert_eq!(
            rules("DROP INDEX CONCURRENTLY ix", &[], true),
            ["ban-concurrent-index-creation-in-transaction"]
        );
        assert!(RULES.iter().all(|r| !r.summary.is_empty()));
    }
}
