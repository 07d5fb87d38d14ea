//! What a DDL statement does, read from its text: the table it changes and how (`CREATE INDEX
//! CONCURRENTLY ON t`, `ALTER TABLE t ADD CONSTRAINT ... NOT VALID`, `ALTER COLUMN c TYPE`...),
//! for the lint of hand-written revisions ([`crate::lint`]). Only the statements and clauses a
//! lint rule asks about are told apart; anything else is [`Ddl::Other`] or
//! [`AlterAction::Other`].

use super::create_table::{split_commas, tokens, unquote, Tok};

/// A statement, as far as the lint rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ddl {
    /// `CREATE TABLE t ...`.
    CreateTable {
        /// The table ([`table_key`] of its name).
        table: String,
    },
    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] ... ON t ...`.
    CreateIndex {
        /// The table.
        table: String,
        /// Built without blocking writes (`CONCURRENTLY`).
        concurrently: bool,
        /// The index's name as the catalog keys it ([`table_key`]; `s.i` when qualified),
        /// when the statement names it.
        index: Option<String>,
    },
    /// `DROP INDEX [CONCURRENTLY] ...`.
    DropIndex {
        /// Dropped without blocking reads and writes (`CONCURRENTLY`).
        concurrently: bool,
    },
    /// `ALTER TABLE [IF EXISTS] [ONLY] t action, action...`.
    AlterTable {
        /// The table.
        table: String,
        /// Its actions, in order.
        actions: Vec<AlterAction>,
    },
    /// Anything else.
    Other,
}

/// One action of an `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterAction {
    /// `ADD [COLUMN] c type ...`.
    AddColumn {
        /// The column.
        column: String,
        /// It says `NOT NULL`.
        not_null: bool,
        /// It has a `DEFAULT`.
        default: bool,
    },
    /// `ADD [CONSTRAINT name] CHECK | FOREIGN KEY | UNIQUE | PRIMARY KEY | EXCLUDE ...`.
    AddConstraint {
        /// What it is: `CHECK`, `FOREIGN KEY`, `UNIQUE`, `PRIMARY KEY`, `EXCLUDE`.
        kind: &'static str,
        /// Added without checking the rows already there (`NOT VALID`).
        not_valid: bool,
        /// Made from an index built beforehand (`USING INDEX`).
        using_index: bool,
    },
    /// `VALIDATE CONSTRAINT name`.
    ValidateConstraint,
    /// `ALTER [COLUMN] c [SET DATA] TYPE ...`.
    AlterType {
        /// The column.
        column: String,
    },
    /// `ALTER [COLUMN] c SET NOT NULL`.
    SetNotNull {
        /// The column.
        column: String,
    },
    /// `DROP [COLUMN] [IF EXISTS] c`.
    DropColumn {
        /// The column.
        column: String,
    },
    /// `RENAME [COLUMN] c TO d`.
    RenameColumn {
        /// The column.
        column: String,
    },
    /// `RENAME TO t2`.
    RenameTable,
    /// Anything else.
    Other,
}

/// What `statement` (one statement, with or without its `;`) does.
pub fn ddl(statement: &str) -> Ddl {
    let toks = tokens(statement);
    let toks: &[Tok<'_>] = match toks.last() {
        Some(t) if t.text == ";" => &toks[..toks.len() - 1],
        _ => &toks,
    };
    let is = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is(w));
    if is(0, "CREATE") {
        let mut i = 1;
        while ["UNLOGGED", "TEMP", "TEMPORARY", "GLOBAL", "LOCAL"]
            .iter()
            .any(|w| is(i, w))
        {
            i += 1;
        }
        if is(i, "TABLE") {
            let at = skip_if_not_exists(toks, i + 1);
            return table_at(toks, at).map_or(Ddl::Other, |(table, _)| Ddl::CreateTable { table });
        }
        let i = if is(1, "UNIQUE") { 2 } else { 1 };
        if is(i, "INDEX") {
            let concurrently = is(i + 1, "CONCURRENTLY");
            let Some(on) = toks.iter().position(|t| t.is("ON")) else {
                return Ddl::Other;
            };
            let named = skip_if_not_exists(toks, if concurrently { i + 2 } else { i + 1 });
            let index = (named < on)
                .then(|| table_at(toks, named))
                .flatten()
                .map(|(name, _)| name);
            let at = if is(on + 1, "ONLY") { on + 2 } else { on + 1 };
            return table_at(toks, at).map_or(Ddl::Other, |(table, _)| Ddl::CreateIndex {
                table,
                concurrently,
                index,
            });
        }
        return Ddl::Other;
    }
    if is(0, "DROP") && is(1, "INDEX") {
        return Ddl::DropIndex {
            concurrently: is(2, "CONCURRENTLY"),
        };
    }
    if is(0, "ALTER") && is(1, "TABLE") {
        let mut at = 2;
        if is(at, "IF") && is(at + 1, "EXISTS") {
            at += 2;
        }
        if is(at, "ONLY") {
            at += 1;
        }
        let Some((table, rest)) = table_at(toks, at) else {
            return Ddl::Other;
        };
        let actions = split_commas(&toks[rest..])
            .into_iter()
            .map(alter_action)
            .collect();
        return Ddl::AlterTable { table, actions };
    }
    Ddl::Other
}

/// The position after `IF NOT EXISTS` at `at`, or `at`.
fn skip_if_not_exists(toks: &[Tok<'_>], at: usize) -> usize {
    let is = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is(w));
    if is(at, "IF") && is(at + 1, "NOT") && is(at + 2, "EXISTS") {
        at + 3
    } else {
        at
    }
}

/// The table name at `at` (`t`, `"T"`, `s.t`) as [`table_key`] writes it, and the position
/// after it.
fn table_at(toks: &[Tok<'_>], at: usize) -> Option<(String, usize)> {
    let first = toks.get(at)?;
    if toks.get(at + 1).is_some_and(|t| t.text == ".") {
        let second = toks.get(at + 2)?;
        return Some((
            format!("{}.{}", table_key(first.text), table_key(second.text)),
            at + 3,
        ));
    }
    Some((table_key(first.text), at + 1))
}

/// An identifier as PostgreSQL reads it: quoted ones as written (in MariaDB's backticks too),
/// bare ones lower case.
pub fn table_key(ident: &str) -> String {
    if ident.starts_with(['"', '`']) {
        unquote(ident)
    } else {
        ident.to_ascii_lowercase()
    }
}

fn alter_action(toks: &[Tok<'_>]) -> AlterAction {
    let is = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is(w));
    let has = |w: &str| toks.iter().any(|t| t.is(w));
    let name = |i: usize| toks.get(i).map(|t| table_key(t.text)).unwrap_or_default();
    if is(0, "ADD") {
        let mut i = 1;
        if is(i, "CONSTRAINT") {
            i += 2;
        }
        let kind = ["CHECK", "FOREIGN", "UNIQUE", "PRIMARY", "EXCLUDE"]
            .into_iter()
            .find(|w| is(i, w));
        if let Some(kind) = kind {
            return AlterAction::AddConstraint {
                kind: match kind {
                    "FOREIGN" => "FOREIGN KEY",
                    "PRIMARY" => "PRIMARY KEY",
                    other => other,
                },
                not_valid: toks.len() >= 2
                    && toks[toks.len() - 2].is("NOT")
                    && toks[toks.len() - 1].is("VALID"),
                using_index: is(i + 1, "USING") || is(i + 2, "USING") && is(i + 3, "INDEX"),
            };
        }
        let at = if is(1, "COLUMN") { 2 } else { 1 };
        let at = skip_if_not_exists(toks, at);
        let not_null = toks.windows(2).any(|w| w[0].is("NOT") && w[1].is("NULL"));
        return AlterAction::AddColumn {
            column: name(at),
            not_null,
            default: has("DEFAULT"),
        };
    }
    if is(0, "VALIDATE") && is(1, "CONSTRAINT") {
        return AlterAction::ValidateConstraint;
    }
    if is(0, "ALTER") {
        let at = if is(1, "COLUMN") { 2 } else { 1 };
        let column = name(at);
        if is(at + 1, "TYPE") || (is(at + 1, "SET") && is(at + 2, "DATA") && is(at + 3, "TYPE")) {
            return AlterAction::AlterType { column };
        }
        if is(at + 1, "SET") && is(at + 2, "NOT") && is(at + 3, "NULL") {
            return AlterAction::SetNotNull { column };
        }
        return AlterAction::Other;
    }
    if is(0, "DROP") && !is(1, "CONSTRAINT") {
        let at = if is(1, "COLUMN") { 2 } else { 1 };
        let at = if is(at, "IF") && is(at + 1, "EXISTS") {
            at + 2
        } else {
            at
        };
        return AlterAction::DropColumn { column: name(at) };
    }
    if is(0, "RENAME") {
        if is(1, "TO") {
            return AlterAction::RenameTable;
        }
        if is(1, "CONSTRAINT") {
            return AlterAction::Other;
        }
        let at = if is(1, "COLUMN") { 2 } else { 1 };
        return AlterAction::RenameColumn { column: name(at) };
    }
    AlterAction::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_each_statement_does() {
        assert_eq!(
            ddl("create index concurrently if not exists ix on public.\"Users\" (name);"),
            Ddl::CreateIndex {
                table: "public.Users".into(),
                concurrently: true,
                index: Some("ix".into()),
            }
        );
        assert_eq!(
            ddl("CREATE UNIQUE INDEX ix ON ONLY users USING btree (a)"),
            Ddl::CreateIndex {
                table: "users".into(),
                concurrently: false,
                index: Some("ix".into()),
            }
        );
        assert_eq!(
            ddl("CREATE INDEX ON users (a)"),
            Ddl::CreateIndex {
                table: "users".into(),
                concurrently: false,
                index: None,
            }
        );
        assert_eq!(
            ddl("CREATE TABLE IF NOT EXISTS Notes (id int)"),
            Ddl::CreateTable {
                table: "notes".into()
            }
        );
        assert_eq!(
            ddl("DROP INDEX CONCURRENTLY ix"),
            Ddl::DropIndex { concurrently: true }
        );
        let Ddl::AlterTable { table, actions } = ddl(
            "ALTER TABLE ONLY users ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES t (id) NOT VALID, \
             ADD CONSTRAINT ck CHECK (a > 0), ADD COLUMN b int NOT NULL DEFAULT 0, \
             ALTER COLUMN c TYPE bigint, ALTER d SET NOT NULL, DROP COLUMN IF EXISTS e, \
             RENAME f TO g, VALIDATE CONSTRAINT ck, ADD CONSTRAINT u UNIQUE USING INDEX ix, \
             DROP CONSTRAINT x, ALTER COLUMN h SET DATA TYPE text",
        ) else {
            panic!("not an ALTER TABLE");
        };
        assert_eq!(table, "users");
        assert_eq!(
            actions,
            [
                AlterAction::AddConstraint {
                    kind: "FOREIGN KEY",
                    not_valid: true,
                    using_index: false
                },
                AlterAction::AddConstraint {
                    kind: "CHECK",
                    not_valid: false,
                    using_index: false
                },
                AlterAction::AddColumn {
                    column: "b".into(),
                    not_null: true,
                    default: true
                },
                AlterAction::AlterType { column: "c".into() },
                AlterAction::SetNotNull { column: "d".into() },
                AlterAction::DropColumn { column: "e".into() },
                AlterAction::RenameColumn { column: "f".into() },
                AlterAction::ValidateConstraint,
                AlterAction::AddConstraint {
                    kind: "UNIQUE",
                    not_valid: false,
                    using_index: true
                },
                AlterAction::Other,
                AlterAction::AlterType { column: "h".into() },
            ]
        );
        assert_eq!(
            ddl("ALTER TABLE users RENAME TO people"),
            Ddl::AlterTable {
                table: "users".into(),
                actions: vec![AlterAction::RenameTable]
            }
        );
        assert_eq!(ddl("UPDATE users SET a = 1"), Ddl::Other);
    }
}
