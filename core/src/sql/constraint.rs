//! The `UNIQUE` and `CHECK` constraints written inside an SQLite `CREATE TABLE` (a column's
//! clause or a table constraint, named or not), read into what they enforce, so that the diff
//! compares them with the models' `unique` and `check` declarations as the same constraints.

use super::create_table::{tokens, unquote, Tok};
use crate::schema::{ClauseKind, ColumnClause, ConstraintKind, TableConstraint};

/// A column clause of an SQLite `CREATE TABLE` (or a model's `check`), read into what it is,
/// its text kept as written.
pub fn column_clause(clause: impl Into<String>) -> ColumnClause {
    let sql = clause.into();
    let kind = if super::is_generated(&sql) {
        ClauseKind::Generated
    } else if unique_columns(&sql).is_some_and(|c| c.is_empty()) {
        ClauseKind::Unique
    } else if let Some((_, expr)) = check_parts(&sql) {
        ClauseKind::Check { expr }
    } else if super::is_constraint_clause(&sql) {
        ClauseKind::OtherConstraint
    } else {
        ClauseKind::Other
    };
    ColumnClause::from_parts(kind, sql)
}

/// Rewrites a column clause's text with `f` (a rename), reading what it is again.
pub fn rewrite_column_clause(clause: &mut ColumnClause, f: impl FnOnce(&str) -> String) {
    *clause = column_clause(f(clause.sql()));
}

/// A table constraint clause of an SQLite `CREATE TABLE` read into what it enforces, its text
/// kept as written: `[CONSTRAINT n] CHECK (expr)`, `[CONSTRAINT n] UNIQUE (a, b)` over plain
/// columns, or any other clause (kept as its text).
pub fn table_constraint(clause: &str) -> TableConstraint {
    let clause = clause.trim();
    let kind = if let Some((_, expr)) = check_parts(clause) {
        ConstraintKind::Check {
            expr,
            not_valid: false,
        }
    } else if let Some(columns) = unique_columns(clause).filter(|c| !c.is_empty()) {
        ConstraintKind::Unique { columns }
    } else {
        ConstraintKind::Other {
            sql: clause.to_owned(),
        }
    };
    TableConstraint {
        name: constraint_name(clause),
        kind,
        written: Some(clause.to_owned()),
    }
}

/// The constraint's name after a leading `CONSTRAINT name`, and the tokens after it.
fn named<'t, 'a>(toks: &'t [Tok<'a>]) -> (Option<String>, &'t [Tok<'a>]) {
    match toks {
        [first, name, rest @ ..] if first.is("CONSTRAINT") => (Some(unquote(name.text)), rest),
        _ => (None, toks),
    }
}

/// The columns a `UNIQUE` constraint clause makes unique: `[CONSTRAINT n] UNIQUE (a, b)` (a
/// table constraint) gives `a, b` (unquoted); a column's bare `[CONSTRAINT n] UNIQUE` gives an
/// empty list (its column). `None` for any other clause, and for one that says more than
/// uniqueness (`ON CONFLICT`, a `COLLATE` or `DESC` key, an expression), which the models
/// cannot declare: such a clause is kept and compared as its text.
pub fn unique_columns(clause: &str) -> Option<Vec<String>> {
    let toks = tokens(clause);
    let (_, rest) = named(&toks);
    let (first, rest) = rest.split_first()?;
    if !first.is("UNIQUE") {
        return None;
    }
    let Some((open, rest)) = rest.split_first() else {
        return Some(Vec::new());
    };
    let (close, keys) = rest.split_last()?;
    if open.text != "(" || close.text != ")" {
        return None;
    }
    let mut columns = Vec::new();
    for (i, t) in keys.iter().enumerate() {
        let expected_comma = i % 2 == 1;
        if expected_comma != (t.text == ",") {
            return None;
        }
        if !expected_comma {
            let quoted = t.text.starts_with(['"', '`', '[']);
            if !(t.word || quoted) {
                return None;
            }
            columns.push(unquote(t.text));
        }
    }
    (!columns.is_empty() && keys.len() % 2 == 1).then_some(columns)
}

/// A `CHECK` constraint clause split into its name (unquoted; `None` when unnamed) and its
/// expression (without the parentheses): `[CONSTRAINT n] CHECK (expr)`, a column's clause or a
/// table constraint. `None` for any other clause.
pub fn check_parts(clause: &str) -> Option<(Option<String>, String)> {
    let toks = tokens(clause);
    let (name, rest) = named(&toks);
    let (first, rest) = rest.split_first()?;
    if !first.is("CHECK") {
        return None;
    }
    let (open, rest) = rest.split_first()?;
    let (close, _) = rest.split_last()?;
    if open.text != "(" || close.text != ")" {
        return None;
    }
    // The parenthesis that closes the first must be the last token.
    let mut depth = 0;
    for (i, t) in toks
        .iter()
        .enumerate()
        .skip_while(|(_, t)| t.start < open.start)
    {
        match t.text {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 && i + 1 != toks.len() {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some((name, clause[open.end..close.start].trim().to_owned()))
}

/// The name a constraint clause gives after `CONSTRAINT` (unquoted), if any.
pub fn constraint_name(clause: &str) -> Option<String> {
    named(&tokens(clause)).0
}

/// Whether two table constraints are the same constraint, spelling aside
/// ([`super::comparable`]): two checks with the same expression and validity whose names agree
/// where both have one (an unnamed SQLite check is whatever the models call it: SQLite has no
/// way to name it afterwards), two `UNIQUE` constraints over the same columns (names aside:
/// SQLite reports neither), or two other clauses of the same text.
pub fn same_constraint(a: &TableConstraint, b: &TableConstraint) -> bool {
    match (&a.kind, &b.kind) {
        (
            ConstraintKind::Check {
                expr: ea,
                not_valid: va,
            },
            ConstraintKind::Check {
                expr: eb,
                not_valid: vb,
            },
        ) => {
            va == vb
                && super::comparable(ea) == super::comparable(eb)
                && (a.name.is_none() || b.name.is_none() || a.name == b.name)
        }
        (ConstraintKind::Unique { columns: ca }, ConstraintKind::Unique { columns: cb }) => {
            same_columns(ca, cb)
        }
        (ConstraintKind::Other { sql: sa }, ConstraintKind::Other { sql: sb }) => {
            super::comparable(sa) == super::comparable(sb)
        }
        _ => false,
    }
}

/// Column lists equal as SQLite compares names (ASCII case aside).
pub fn same_columns(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// The labels of a column's label check among `extra` (`CHECK ("c" IN ('a', 'b'))`: how a
/// dialect without enum types holds an enum, see `DialectFacts::enum_labels_in`), if it has one.
pub fn enum_check_labels<'a>(
    column: &str,
    extra: impl IntoIterator<Item = &'a str>,
) -> Option<Vec<String>> {
    let prefix = format!("CHECK (\"{}\" IN (", column.replace('"', "\"\""));
    extra.into_iter().find_map(|clause| {
        let mut rest = clause.strip_prefix(&prefix)?.strip_suffix("))")?;
        let mut labels = Vec::new();
        loop {
            rest = rest.strip_prefix('\'')?;
            let mut label = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                let (i, c) = chars.next()?;
                if c == '\'' {
                    if rest[i + 1..].starts_with('\'') {
                        label.push('\'');
                        chars.next();
                        continue;
                    }
                    break i + 1;
                }
                label.push(c);
            };
            labels.push(label);
            rest = &rest[end..];
            if rest.is_empty() {
                return Some(labels);
            }
            rest = rest.strip_prefix(", ")?;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_clauses_say_what_they_are() {
        let kind = |c: &str| column_clause(c).kind().clone();
        assert_eq!(
            kind("CONSTRAINT ck CHECK (a > 0)"),
            ClauseKind::Check {
                expr: "a > 0".into()
            }
        );
        assert_eq!(kind("unique"), ClauseKind::Unique);
        assert_eq!(kind("CONSTRAINT u UNIQUE"), ClauseKind::Unique);
        assert_eq!(
            kind("UNIQUE ON CONFLICT REPLACE"),
            ClauseKind::OtherConstraint
        );
        assert_eq!(
            kind("GENERATED ALWAYS AS (a * 2) STORED"),
            ClauseKind::Generated
        );
        assert_eq!(kind("AS (a * 2)"), ClauseKind::Generated);
        assert_eq!(kind("COLLATE NOCASE"), ClauseKind::Other);
        let mut check = column_clause("CHECK (\"old\" <> '')");
        assert!(check.is_constraint() && !check.is_unique());
        rewrite_column_clause(&mut check, |sql| {
            super::super::rename_identifier(sql, "old", "new")
        });
        assert_eq!(check.check_expr(), Some("\"new\" <> ''"));
    }

    fn same(a: &str, b: &str) -> bool {
        same_constraint(&table_constraint(a), &table_constraint(b))
    }

    #[test]
    fn reads_unique_clauses() {
        let cols = |c: &str| unique_columns(c);
        assert_eq!(cols("UNIQUE"), Some(vec![]));
        assert_eq!(cols("constraint u unique"), Some(vec![]));
        assert_eq!(
            cols(r#"UNIQUE (a, "B c", `d`)"#),
            Some(vec!["a".into(), "B c".into(), "d".into()])
        );
        assert_eq!(
            cols(r#"CONSTRAINT "x" UNIQUE(timestamp, cwd, command)"#),
            Some(vec!["timestamp".into(), "cwd".into(), "command".into()])
        );
        for not_plain in [
            "UNIQUE ON CONFLICT REPLACE",
            "UNIQUE (a) ON CONFLICT IGNORE",
            "UNIQUE (a COLLATE NOCASE)",
            "UNIQUE (a DESC)",
            "UNIQUE (a,)",
            "UNIQUE ()",
            "CHECK (a > 0)",
            "COLLATE NOCASE",
        ] {
            assert_eq!(cols(not_plain), None, "{not_plain}");
        }
    }

    #[test]
    fn reads_check_clauses() {
        assert_eq!(
            check_parts("CHECK (length(title) > 0)"),
            Some((None, "length(title) > 0".into()))
        );
        assert_eq!(
            check_parts(r#"CONSTRAINT "ck ""1""" CHECK(a>0)"#),
            Some((Some("ck \"1\"".into()), "a>0".into()))
        );
        assert_eq!(check_parts("CHECK (a > 0) NOT VALID"), None);
        assert_eq!(check_parts("CHECK (a > 0) OR (b > 0)"), None);
        assert_eq!(check_parts("UNIQUE"), None);
        assert!(same("CHECK (a>0)", r#"CONSTRAINT "ck_t_1" CHECK (a > 0)"#));
        assert!(!same(
            "CONSTRAINT ck_a CHECK (a>0)",
            r#"CONSTRAINT "ck_t_1" CHECK (a > 0)"#
        ));
        assert!(same(
            "CONSTRAINT ck_t_1 CHECK (a>0)",
            r#"CONSTRAINT "ck_t_1" CHECK (a > 0)"#
        ));
        assert!(!same("CHECK (a > 0)", "CHECK (a > 1)"));
        assert!(same("UNIQUE (A, b)", "CONSTRAINT u UNIQUE (a, b)"));
        assert!(!same("UNIQUE (b, a)", "UNIQUE (a, b)"));
    }
}
