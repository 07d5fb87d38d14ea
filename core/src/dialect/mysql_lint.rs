//! MariaDB's lint rules: statements that copy a busy table or hold its writers for the whole
//! build. MariaDB chooses the algorithm of an `ALTER TABLE` itself and falls back to copying
//! the table (`ALGORITHM=COPY`, writes blocked) when it cannot do better, silently; a statement
//! that says `LOCK=NONE` is done online or refused, never blocking. The names follow squawk's
//! style (squawk has no MariaDB rules); `ban-drop-column`, `renaming-column` and
//! `renaming-table` are the PostgreSQL rules of the same names. A table the revision creates
//! itself is never at risk.

use super::lint::{bare, LintStatement, Rule, Violation};
use crate::sql::{AlterAction, Ddl};

/// Every rule, in the order `retort lint` lists them.
pub(super) const RULES: &[Rule] = &[
    Rule {
        name: "require-lock-none",
        summary: "an ALTER TABLE or CREATE INDEX without LOCK=NONE may copy the table, blocking its writes",
    },
    Rule {
        name: "ban-algorithm-copy",
        summary: "ALGORITHM=COPY rebuilds the whole table while its writes wait",
    },
    Rule {
        name: "fulltext-index-creation",
        summary: "a FULLTEXT index cannot be built with LOCK=NONE: writes wait for the whole build",
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

/// The words of `sql` in upper case, `=` apart (`LOCK = NONE` and `LOCK=NONE` alike), without
/// quoted names and strings.
fn words(sql: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c.to_ascii_uppercase());
            continue;
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        match c {
            '`' | '"' | '\'' => quote = Some(c),
            '=' => words.push("=".to_owned()),
            _ => {}
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The table of a `CREATE FULLTEXT|SPATIAL INDEX name ON table ...` (which the generic
/// statement reader does not know).
fn special_index_table(sql: &str) -> Option<String> {
    let words = words(sql);
    let kind = words.get(1).map(String::as_str);
    if words.first().map(String::as_str) != Some("CREATE")
        || !matches!(kind, Some("FULLTEXT" | "SPATIAL"))
    {
        return None;
    }
    let upper = sql.to_ascii_uppercase();
    let at = upper.find(" ON ")? + 4;
    let rest = sql[at..].trim_start();
    let end = match rest.chars().next()? {
        q @ ('`' | '"') => rest[1..].find(q)? + 2,
        _ => rest.find(|c: char| c.is_whitespace() || c == '(')?,
    };
    Some(crate::sql::table_key(&rest[..end]))
}

/// `KEY = VALUE` among `words`.
fn option<'a>(words: &'a [String], key: &str) -> Option<&'a str> {
    let at = words.iter().position(|w| w == key)?;
    match words.get(at + 1).map(String::as_str) {
        Some("=") => words.get(at + 2).map(String::as_str),
        other => other,
    }
}

/// The rules `statement` breaks.
pub(super) fn lint(statement: &LintStatement<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut say = |rule: &'static str, message: String| out.push(Violation { rule, message });
    let existing = |table: &str| !statement.new_tables.contains(bare(table));
    let special;
    let table = match statement.ddl {
        Ddl::CreateIndex { table, .. } => table,
        Ddl::AlterTable { table, .. } => table,
        _ => match special_index_table(statement.sql) {
            Some(table) => {
                special = table;
                &special
            }
            None => return out,
        },
    };
    if !existing(table) {
        return out;
    }
    let words = words(statement.sql);
    let has = |w: &str| words.iter().any(|x| x == w);
    // `DROP INDEX ix` (`KEY`, `FOREIGN KEY`, `CONSTRAINT`, `PRIMARY KEY`, `CHECK`) drops no
    // column, whatever the generic reader makes of it.
    let dropped_keyword = |column: &str| {
        let keyword = column.to_ascii_uppercase();
        matches!(
            keyword.as_str(),
            "INDEX" | "KEY" | "FOREIGN" | "CONSTRAINT" | "PRIMARY" | "CHECK"
        ) && words.windows(2).any(|w| w[0] == "DROP" && w[1] == keyword)
    };
    let drops_column = |a: &AlterAction| matches!(a, AlterAction::DropColumn { column } if !dropped_keyword(column));
    let algorithm = option(&words, "ALGORITHM");
    let lock = option(&words, "LOCK");
    if algorithm == Some("COPY") {
        say(
            "ban-algorithm-copy",
            format!(
                "ALGORITHM=COPY copies every row of `{table}` into a new table while its writes \
                 wait; use ALGORITHM=INPLACE (or INSTANT), LOCK=NONE, or a new column filled in \
                 batches"
            ),
        );
    }
    let fulltext = has("FULLTEXT");
    if fulltext {
        say(
            "fulltext-index-creation",
            format!(
                "InnoDB builds a FULLTEXT index with writes to `{table}` blocked (LOCK=SHARED at \
                 best; the first one rebuilds the table): build it in a quiet hour and accept the \
                 rule with `lint_allow`, or search elsewhere"
            ),
        );
    }
    // What changes no row and no index entry is instant whatever the lock: drops of indexes
    // and keys, renames, comments.
    let metadata_only = match statement.ddl {
        Ddl::AlterTable { actions, .. } => {
            !has("ADD")
                && !has("MODIFY")
                && !has("CHANGE")
                && !has("CONVERT")
                && !has("FORCE")
                && !actions
                    .iter()
                    .any(|a| drops_column(a) || matches!(a, AlterAction::AlterType { .. }))
        }
        _ => false,
    };
    let online = lock == Some("NONE") || matches!(algorithm, Some("INSTANT" | "NOCOPY"));
    if !online && !metadata_only && !fulltext && algorithm != Some("COPY") {
        let fix = if matches!(statement.ddl, Ddl::CreateIndex { .. }) {
            "end it with `ALGORITHM=INPLACE LOCK=NONE`"
        } else {
            "add `, ALGORITHM=INPLACE, LOCK=NONE` (or `ALGORITHM=INSTANT` where the change allows)"
        };
        say(
            "require-lock-none",
            format!(
                "MariaDB picks how to change `{table}` itself and may copy it, blocking its writes \
                 for the whole copy; {fix}: MariaDB then makes the change online or refuses the \
                 statement, never blocking writers silently"
            ),
        );
    }
    if let Ddl::AlterTable { actions, .. } = statement.ddl {
        for action in actions {
            match action {
                AlterAction::DropColumn { column } if drops_column(action) => say(
                    "ban-drop-column",
                    format!(
                        "dropping `{table}.{column}` breaks the application instances still \
                         reading it: stop using it in the code first, then accept the rule"
                    ),
                ),
                AlterAction::RenameColumn { column } => say(
                    "renaming-column",
                    format!(
                        "renaming `{table}.{column}` breaks the instances still using the old \
                         name: add the new column, write both, then drop the old one"
                    ),
                ),
                AlterAction::RenameTable => say(
                    "renaming-table",
                    format!("renaming `{table}` breaks the instances still using the old name"),
                ),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn rules(sql: &str, new_tables: &[&str]) -> Vec<&'static str> {
        let new_tables: BTreeSet<String> = new_tables.iter().map(|t| (*t).to_owned()).collect();
        let ddl = crate::sql::ddl(sql);
        let statement = LintStatement {
            sql,
            ddl: &ddl,
            new_tables: &new_tables,
            in_transaction: true,
            proven_not_null: &BTreeSet::new(),
        };
        lint(&statement).into_iter().map(|v| v.rule).collect()
    }

    #[test]
    fn mariadb_rules_find_what_blocks_writers() {
        assert_eq!(
            rules("CREATE INDEX `ix` ON `posts` (`title`);", &[]),
            ["require-lock-none"]
        );
        assert!(rules(
            "CREATE INDEX `ix` ON `posts` (`title`) ALGORITHM=INPLACE LOCK=NONE;",
            &[]
        )
        .is_empty());
        assert!(rules("CREATE INDEX `ix` ON `posts` (`title`);", &["posts"]).is_empty());
        assert_eq!(
            rules(
                "ALTER TABLE `posts` MODIFY COLUMN `n` BIGINT NOT NULL;",
                &[]
            ),
            ["require-lock-none"]
        );
        assert!(rules(
            "ALTER TABLE `posts` ADD COLUMN `n` INT NULL, ALGORITHM = INSTANT;",
            &[]
        )
        .is_empty());
        assert!(rules(
            "ALTER TABLE `posts` ADD COLUMN `n` INT NULL, LOCK=NONE;",
            &[]
        )
        .is_empty());
        assert_eq!(
            rules("ALTER TABLE `posts` FORCE, ALGORITHM=COPY;", &[]),
            ["ban-algorithm-copy"]
        );
        assert_eq!(
            rules("CREATE FULLTEXT INDEX `ft` ON `posts` (`body`);", &[]),
            ["fulltext-index-creation"]
        );
        assert_eq!(
            rules(
                "ALTER TABLE `posts` ADD FULLTEXT `ft` (`body`), LOCK=NONE;",
                &[]
            ),
            ["fulltext-index-creation"]
        );
        // Drops of indexes and renames change no row.
        assert!(rules("ALTER TABLE `posts` DROP INDEX `ix`;", &[]).is_empty());
        assert_eq!(
            rules("ALTER TABLE `posts` RENAME COLUMN `a` TO `b`;", &[]),
            ["renaming-column"]
        );
        assert_eq!(
            rules(
                "ALTER TABLE `posts` DROP COLUMN `a`, ALGORITHM=INPLACE, LOCK=NONE;",
                &[]
            ),
            ["ban-drop-column"]
        );
        assert_eq!(
            rules("ALTER TABLE `posts` DROP COLUMN `a`;", &[]),
            ["require-lock-none", "ban-drop-column"]
        );
    }
}
