//! Splitting an SQLite `CREATE TABLE` statement (as `sqlite_schema.sql` stores it) into the
//! clauses the schema model cannot say, so that a table rebuild or a restore keeps them.
//!
//! Built on the lexer of [`crate::sql`] (strings, quoted identifiers and comments never split
//! anything): the definitions are the top-level comma-separated items between the first `(`
//! and its matching `)`. An item whose first word is `CONSTRAINT`, `PRIMARY`, `UNIQUE`,
//! `CHECK` or `FOREIGN` is a table constraint; any other is a column definition. Whatever
//! follows the closing parenthesis is the table's options (`STRICT`, `WITHOUT ROWID`).
//!
//! A column definition is its name, its type (words, and one parenthesised argument list), then
//! column constraints, each starting with `CONSTRAINT`, `PRIMARY`, `NOT`, `NULL`, `UNIQUE`,
//! `CHECK`, `DEFAULT`, `COLLATE`, `REFERENCES`, `GENERATED` or `AS`. `CONSTRAINT name` belongs
//! to the constraint after it; the value after `DEFAULT`, `NULL` after `NOT`, `AS` inside
//! `GENERATED ALWAYS AS`, and `SET NULL`/`SET DEFAULT`/`NOT DEFERRABLE` inside `REFERENCES`
//! do not start a constraint.
//!
//! Primary keys, foreign keys, `NOT NULL` and defaults are in the model already; only the
//! other clauses are returned, each exactly as written. Foreign keys are also returned as
//! [`ForeignKeyClause`]s, for what `pragma_foreign_key_list` does not report (`DEFERRABLE`).

use super::{Lexer, Token};
use crate::schema::{Deferrable, TableOptions};

/// The clauses of a `CREATE TABLE` that the schema model does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableClauses {
    /// Each column's name (unquoted) and its clauses the model cannot say (`CHECK (...)`,
    /// `COLLATE x`, `UNIQUE`, `GENERATED ALWAYS AS (...) STORED`), verbatim, in order.
    pub columns: Vec<(String, Vec<String>)>,
    /// Table constraints other than `PRIMARY KEY` and `FOREIGN KEY`, verbatim
    /// (`CONSTRAINT c CHECK (...)`, `UNIQUE (a, b)`).
    pub constraints: Vec<String>,
    /// What follows the closing parenthesis (`STRICT`, `WITHOUT ROWID, STRICT`), empty if none.
    pub options: TableOptions,
    /// Every foreign key, table constraint or column clause, in declaration order.
    pub foreign_keys: Vec<ForeignKeyClause>,
    /// The primary key says `AUTOINCREMENT` (on its column, or inside `PRIMARY KEY (...)`).
    pub autoincrement: bool,
}

/// A foreign key as a `CREATE TABLE` declares it: `[CONSTRAINT n] FOREIGN KEY (a, b) REFERENCES
/// t (x, y) ... DEFERRABLE INITIALLY DEFERRED`, or a column's `REFERENCES t (x) ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyClause {
    /// The referencing columns (unquoted): the constraint's list, or the column it is declared on.
    pub columns: Vec<String>,
    /// The referenced table (unquoted).
    pub ref_table: String,
    /// When the key is checked: `DEFERRABLE [INITIALLY IMMEDIATE]` is [`Deferrable::Deferrable`],
    /// `DEFERRABLE INITIALLY DEFERRED` is [`Deferrable::InitiallyDeferred`], `NOT DEFERRABLE
    /// ...` and nothing are [`Deferrable::No`] (as SQLite reads them).
    pub deferrable: Deferrable,
}

/// A token with its byte span in the statement.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tok<'a> {
    pub(super) text: &'a str,
    pub(super) word: bool,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Tok<'_> {
    pub(super) fn is(&self, word: &str) -> bool {
        self.word && self.text.eq_ignore_ascii_case(word)
    }
}

pub(super) fn tokens(sql: &str) -> Vec<Tok<'_>> {
    let mut lexer = Lexer::new(sql);
    let mut out = Vec::new();
    while let Some(token) = lexer.next() {
        out.push(Tok {
            text: &sql[lexer.start..lexer.pos],
            word: matches!(token, Token::Word(..)),
            start: lexer.start,
            end: lexer.pos,
        });
    }
    out
}

/// The source text from the first to the last of `toks` (comments in between included).
fn text(sql: &str, toks: &[Tok<'_>]) -> String {
    match (toks.first(), toks.last()) {
        (Some(a), Some(b)) => sql[a.start..b.end].to_owned(),
        _ => String::new(),
    }
}

/// An identifier as SQLite reads it: quotes (`"`, `` ` ``, `[ ]`) removed, doubled quotes undone.
pub fn unquote(ident: &str) -> String {
    let b = ident.as_bytes();
    match (b.first(), b.last()) {
        (Some(q @ (b'"' | b'`')), Some(e)) if q == e && b.len() >= 2 => {
            let q = *q as char;
            ident[1..ident.len() - 1].replace(&format!("{q}{q}"), &q.to_string())
        }
        (Some(b'['), Some(b']')) => ident[1..ident.len() - 1].to_owned(),
        _ => ident.to_owned(),
    }
}

/// Splits `toks` at top-level commas (depth 0 relative to the start).
pub(super) fn split_commas<'a, 'b>(toks: &'b [Tok<'a>]) -> Vec<&'b [Tok<'a>]> {
    let mut items = Vec::new();
    let (mut depth, mut from) = (0i32, 0usize);
    for (i, t) in toks.iter().enumerate() {
        match t.text {
            "(" => depth += 1,
            ")" => depth -= 1,
            "," if depth == 0 => {
                items.push(&toks[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    items.push(&toks[from..]);
    items
}

/// The clauses of the `CREATE TABLE` statement `sql` that the model cannot say; `None` when it
/// has no parenthesised definitions (`CREATE TABLE ... AS SELECT`) or they do not close.
pub fn table_clauses(sql: &str) -> Option<TableClauses> {
    let toks = tokens(sql);
    let open = toks.iter().position(|t| t.text == "(")?;
    let mut depth = 0i32;
    let mut close = None;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.text {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    if toks[..open].iter().any(|t| t.is("AS")) {
        return None;
    }
    let mut clauses = TableClauses {
        autoincrement: toks[open + 1..close].iter().any(|t| t.is("AUTOINCREMENT")),
        ..TableClauses::default()
    };
    for item in split_commas(&toks[open + 1..close]) {
        let Some(first) = item.first() else { continue };
        let table_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|w| first.is(w));
        if table_constraint {
            let kind = if first.is("CONSTRAINT") {
                item.get(2)
            } else {
                Some(first)
            };
            if kind.is_some_and(|k| k.is("FOREIGN")) {
                clauses.foreign_keys.extend(table_foreign_key(item));
            } else if !kind.is_some_and(|k| k.is("PRIMARY")) {
                clauses.constraints.push(text(sql, item));
            }
        } else {
            let name = unquote(first.text);
            let (extra, references) = column_clauses(sql, &item[1..]);
            clauses.foreign_keys.extend(
                references
                    .into_iter()
                    .filter_map(|seg| references_clause(seg, vec![name.clone()])),
            );
            clauses.columns.push((name, extra));
        }
    }
    let mut options = &toks[close + 1..];
    while options.last().is_some_and(|t| t.text == ";") {
        options = &options[..options.len() - 1];
    }
    clauses.options = table_options(sql, options);
    Some(clauses)
}

/// The table options (`STRICT`, `WITHOUT ROWID`, comma-separated in any order and case), with
/// their text as written.
fn table_options(sql: &str, toks: &[Tok<'_>]) -> TableOptions {
    if toks.is_empty() {
        return TableOptions::default();
    }
    let mut options = TableOptions {
        written: Some(text(sql, toks)),
        ..TableOptions::default()
    };
    for option in split_commas(toks) {
        match option {
            [s] if s.is("STRICT") => options.strict = true,
            [w, r] if w.is("WITHOUT") && r.is("ROWID") => options.without_rowid = true,
            _ => {}
        }
    }
    options
}

const STARTS: [&str; 11] = [
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

/// `[CONSTRAINT n] FOREIGN KEY (cols) REFERENCES ...`, a table constraint.
fn table_foreign_key(item: &[Tok<'_>]) -> Option<ForeignKeyClause> {
    let open = item.iter().position(|t| t.text == "(")?;
    let close = open + item[open..].iter().position(|t| t.text == ")")?;
    let columns = item[open + 1..close]
        .iter()
        .filter(|t| t.text != ",")
        .map(|t| unquote(t.text))
        .collect();
    references_clause(&item[close + 1..], columns)
}

/// `REFERENCES t [(cols)] [actions] [[NOT] DEFERRABLE [INITIALLY ...]]` (after an optional
/// `CONSTRAINT name`), for `columns`.
fn references_clause(toks: &[Tok<'_>], columns: Vec<String>) -> Option<ForeignKeyClause> {
    let at = toks.iter().position(|t| t.is("REFERENCES"))?;
    let ref_table = unquote(toks.get(at + 1)?.text);
    let rest = &toks[at + 2..];
    let deferrable = match rest.iter().position(|t| t.is("DEFERRABLE")) {
        Some(i) if i > 0 && rest[i - 1].is("NOT") => Deferrable::No,
        Some(i)
            if rest.get(i + 1).is_some_and(|t| t.is("INITIALLY"))
                && rest.get(i + 2).is_some_and(|t| t.is("DEFERRED")) =>
        {
            Deferrable::InitiallyDeferred
        }
        Some(_) => Deferrable::Deferrable,
        None => Deferrable::No,
    };
    Some(ForeignKeyClause {
        columns,
        ref_table,
        deferrable,
    })
}

/// The clauses after a column's name that the model cannot say, verbatim, and its
/// `REFERENCES` clauses.
fn column_clauses<'s, 'a>(sql: &str, toks: &'s [Tok<'a>]) -> (Vec<String>, Vec<&'s [Tok<'a>]>) {
    let starts = |t: &Tok<'_>| STARTS.iter().any(|w| t.is(w));
    // The type: words up to the first constraint keyword, and one argument list.
    let mut i = 0;
    while i < toks.len() && !starts(&toks[i]) {
        if toks[i].text == "(" {
            let mut depth = 0;
            while i < toks.len() {
                match toks[i].text {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            break;
        }
        i += 1;
    }
    // Each constraint: from its keyword to the next one that starts a constraint.
    let mut segments: Vec<&[Tok<'_>]> = Vec::new();
    let (mut from, mut depth) = (i, 0i32);
    let mut kind: Option<&str> = None;
    let mut named = false;
    while i < toks.len() {
        let t = toks[i];
        let prev = (i > from).then(|| toks[i - 1]);
        match t.text {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ => {}
        }
        let continues = depth > 0
            || !starts(&t)
            || i == from
            || named
            || prev.is_some_and(|p| p.is("DEFAULT") || (p.is("NOT") && t.is("NULL")))
            || (i >= from + 2
                && toks[i - 2].is("DEFAULT")
                && matches!(prev.map(|p| p.text), Some("-" | "+")))
            || (kind == Some("GENERATED") && t.is("AS"))
            || (kind == Some("REFERENCES")
                && (prev.is_some_and(|p| p.is("SET"))
                    || (t.is("NOT") && toks.get(i + 1).is_some_and(|n| n.is("DEFERRABLE")))));
        if !continues {
            segments.push(&toks[from..i]);
            from = i;
            kind = None;
        }
        if i == from && t.is("CONSTRAINT") {
            named = true;
        } else if named && i >= from + 2 {
            named = false;
        }
        if kind.is_none() && !t.is("CONSTRAINT") && (i == from || i == from + 2) {
            kind = STARTS.iter().copied().find(|w| t.is(w));
        }
        i += 1;
    }
    if from < toks.len() {
        segments.push(&toks[from..]);
    }
    let key = |seg: &[Tok<'a>]| -> Option<Tok<'a>> {
        if seg[0].is("CONSTRAINT") {
            seg.get(2).copied()
        } else {
            seg.first().copied()
        }
    };
    let extra = segments
        .iter()
        .filter(|seg| {
            key(seg).is_some_and(|k| {
                ["UNIQUE", "CHECK", "COLLATE", "GENERATED", "AS"]
                    .iter()
                    .any(|w| k.is(w))
            })
        })
        .map(|seg| text(sql, seg))
        .collect();
    let references = segments
        .into_iter()
        .filter(|seg| key(seg).is_some_and(|k| k.is("REFERENCES")))
        .collect();
    (extra, references)
}

/// True for a column clause that makes the column generated (`GENERATED ALWAYS AS (...)`,
/// `AS (...)`, either after `CONSTRAINT name`).
pub fn is_generated(clause: &str) -> bool {
    let toks = tokens(clause);
    let key = if toks.first().is_some_and(|t| t.is("CONSTRAINT")) {
        toks.get(2)
    } else {
        toks.first()
    };
    key.is_some_and(|k| k.is("GENERATED") || k.is("AS"))
}

/// The expression (without its parentheses) of a generated column's clause
/// (`GENERATED ALWAYS AS (expr) STORED`, `AS (expr)`), and whether it is `STORED`; `None` for
/// any other clause, or one naming its constraint (kept verbatim only).
pub fn generated_parts(clause: &str) -> Option<(String, bool)> {
    let toks = tokens(clause);
    if !is_generated(clause) || toks.first().is_some_and(|t| t.is("CONSTRAINT")) {
        return None;
    }
    let at = toks.iter().position(|t| t.is("AS"))?;
    let open = toks.get(at + 1).filter(|t| t.text == "(")?;
    let mut depth = 0;
    for (i, t) in toks.iter().enumerate().skip(at + 1) {
        match t.text {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    let expr = clause[open.end..t.start].trim().to_owned();
                    let stored = toks[i + 1..].iter().any(|t| t.is("STORED"));
                    return Some((expr, stored));
                }
            }
            _ => {}
        }
    }
    None
}

/// True for a column clause that is a constraint (`CHECK (...)`, `UNIQUE`, either after
/// `CONSTRAINT name`): the models own it, as they own the table's constraints. `COLLATE`,
/// `GENERATED` and `REFERENCES` (modelled as a foreign key) are not.
pub fn is_constraint_clause(clause: &str) -> bool {
    let toks = tokens(clause);
    let key = if toks.first().is_some_and(|t| t.is("CONSTRAINT")) {
        toks.get(2)
    } else {
        toks.first()
    };
    key.is_some_and(|k| k.is("CHECK") || k.is("UNIQUE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_constraints_are_checks_and_uniques() {
        assert!(is_constraint_clause("CHECK (a > 0)"));
        assert!(is_constraint_clause(
            "CONSTRAINT uq UNIQUE ON CONFLICT IGNORE"
        ));
        assert!(!is_constraint_clause("COLLATE NOCASE"));
        assert!(!is_constraint_clause("GENERATED ALWAYS AS (a * 2) STORED"));
        assert!(!is_constraint_clause("CONSTRAINT g AS (a * 2)"));
    }

    #[test]
    fn splits_columns_constraints_and_options() {
        let sql = r#"CREATE TABLE "books" (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            "author id" BIGINT NOT NULL REFERENCES authors (id) ON DELETE SET NULL NOT DEFERRABLE,
            title VARCHAR(200, 3) COLLATE NOCASE NOT NULL DEFAULT 'x, (y' CHECK (length(title) > 0),
            code TEXT CONSTRAINT uq_code UNIQUE ON CONFLICT IGNORE DEFAULT NULL,
            n INT DEFAULT -1 CHECK (n <> 0),
            twice INT GENERATED ALWAYS AS (n * 2) STORED,
            thrice INT AS (n * 3),
            -- a comment, with a comma
            CONSTRAINT "title, once" UNIQUE ("author id", title),
            CHECK (n < 100),
            PRIMARY KEY (id),
            CONSTRAINT fk FOREIGN KEY (n) REFERENCES other (x)
        ) WITHOUT ROWID, STRICT;"#;
        let c = table_clauses(sql).unwrap();
        let names: Vec<&str> = c.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["id", "author id", "title", "code", "n", "twice", "thrice"]
        );
        let extra = |n: usize| c.columns[n].1.clone();
        assert!(extra(0).is_empty());
        assert!(extra(1).is_empty(), "{:?}", extra(1));
        assert_eq!(extra(2), ["COLLATE NOCASE", "CHECK (length(title) > 0)"]);
        assert_eq!(extra(3), ["CONSTRAINT uq_code UNIQUE ON CONFLICT IGNORE"]);
        assert_eq!(extra(4), ["CHECK (n <> 0)"]);
        assert_eq!(extra(5), ["GENERATED ALWAYS AS (n * 2) STORED"]);
        assert_eq!(extra(6), ["AS (n * 3)"]);
        assert_eq!(
            c.constraints,
            [
                r#"CONSTRAINT "title, once" UNIQUE ("author id", title)"#,
                "CHECK (n < 100)"
            ]
        );
        assert_eq!(
            c.options,
            TableOptions {
                strict: true,
                without_rowid: true,
                written: Some("WITHOUT ROWID, STRICT".into())
            }
        );
        let c = table_clauses("create table t (a int primary key) without  rowid;").unwrap();
        assert!(c.options.without_rowid && !c.options.strict);
        assert_eq!(c.options.written.as_deref(), Some("without  rowid"));
    }

    #[test]
    fn plain_tables_have_nothing_extra() {
        let c = table_clauses("CREATE TABLE t (a INTEGER NOT NULL, b TEXT DEFAULT (lower('X')))")
            .unwrap();
        assert!(c.columns.iter().all(|(_, e)| e.is_empty()));
        assert!(c.constraints.is_empty() && c.options.is_empty());
        assert_eq!(table_clauses("CREATE TABLE t AS SELECT 1 AS (x)"), None);
    }

    #[test]
    fn reads_names_and_generated_columns() {
        assert_eq!(unquote("\"a\"\"b\""), "a\"b");
        assert!(is_generated("CONSTRAINT g GENERATED ALWAYS AS (1) VIRTUAL"));
        assert!(is_generated("as (1)"));
        assert!(!is_generated("CHECK (a AS b)"));
        assert_eq!(
            generated_parts("GENERATED ALWAYS AS ((a * 2) + f(b)) STORED"),
            Some(("(a * 2) + f(b)".to_owned(), true))
        );
        assert_eq!(
            generated_parts("as (lower(t))"),
            Some(("lower(t)".to_owned(), false))
        );
        assert_eq!(
            generated_parts("AS (x) VIRTUAL"),
            Some(("x".to_owned(), false))
        );
        assert_eq!(
            generated_parts("CONSTRAINT g GENERATED ALWAYS AS (1) STORED"),
            None
        );
        assert_eq!(generated_parts("CHECK (a > 0)"), None);
    }

    #[test]
    fn reads_foreign_keys_and_when_they_are_checked() {
        let c = table_clauses(
            r#"CREATE TABLE t (a INT REFERENCES "P" (id) ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,
                 b INT CONSTRAINT k REFERENCES p NOT DEFERRABLE INITIALLY DEFERRED CHECK (b > 0),
                 c INT, d INT,
                 CONSTRAINT f FOREIGN KEY ("c", d) REFERENCES q (x, y) MATCH SIMPLE DEFERRABLE,
                 FOREIGN KEY (d) REFERENCES p)"#,
        )
        .unwrap();
        let fk = |columns: &[&str], ref_table: &str, deferrable| ForeignKeyClause {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            ref_table: ref_table.into(),
            deferrable,
        };
        assert_eq!(
            c.foreign_keys,
            [
                fk(&["a"], "P", Deferrable::InitiallyDeferred),
                fk(&["b"], "p", Deferrable::No),
                fk(&["c", "d"], "q", Deferrable::Deferrable),
                fk(&["d"], "p", Deferrable::No),
            ]
        );
        assert_eq!(c.columns[1].1, ["CHECK (b > 0)"]);
        assert!(c.constraints.is_empty());
    }
}
