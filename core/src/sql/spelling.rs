//! How SQL text is spelled, for comparing and rewriting what a database keeps: a statement in a
//! form that compares equal across spellings ([`comparable`]), a `CREATE INDEX` in
//! `pg_get_indexdef`'s spelling ([`canonical_index_statement`]), and finding
//! ([`mentions`]) or renaming ([`rename_identifier`]) an identifier in a clause or statement.
//!
//! Built on the tokens of [`super::create_table`] (strings, quoted identifiers and comments are
//! one token each), so nothing inside a string literal or comment is ever matched.

use super::create_table::{tokens, unquote, Tok};

/// `sql` in a form that compares equal across spellings a database may change: tokens joined
/// by single spaces (white space and comments aside), and quoted identifiers that need no
/// quotes (`"title"`) unquoted. For comparisons only; SQL is rendered from the original text.
/// (SQLite quotes the new name where `ALTER TABLE ... RENAME COLUMN` rewrites a `CHECK`.)
pub fn comparable(sql: &str) -> String {
    comparable_tokens(&tokens(sql))
}

/// [`comparable`] of a statement's tokens.
pub(super) fn comparable_tokens(toks: &[Tok<'_>]) -> String {
    let mut out = Vec::with_capacity(toks.len());
    for t in toks {
        let quoted = t.text.starts_with('"');
        let inner = unquote(t.text);
        if quoted && is_plain_identifier(&inner) {
            out.push(inner);
        } else if t.word {
            // Bare words are keywords and unquoted names, which neither database reads by
            // case (`where` is `WHERE`; PostgreSQL folds such a name, SQLite ignores its case).
            out.push(t.text.to_ascii_lowercase());
        } else {
            out.push(t.text.to_owned());
        }
    }
    out.join(" ")
}

/// A `CREATE [UNIQUE] INDEX` statement as a hand-written SQLite schema may keep it (`create
/// index ix on t(\n a,\n b\n)\nwhere x is null`) in the spelling PostgreSQL's `pg_get_indexdef`
/// uses: its own keywords upper case up to and including `WHERE`, and white space and comments
/// between tokens as one space (none where there was none). The predicate after `WHERE` keeps
/// its words as written.
pub fn canonical_index_statement(sql: &str) -> String {
    canonical_index_tokens(sql, &tokens(sql))
}

/// [`canonical_index_statement`] of a statement's tokens.
pub(super) fn canonical_index_tokens(sql: &str, toks: &[Tok<'_>]) -> String {
    const FRAME: [&str; 13] = [
        "CREATE", "UNIQUE", "INDEX", "IF", "NOT", "EXISTS", "ON", "USING", "INCLUDE", "NULLS",
        "DISTINCT", "WITH", "WHERE",
    ];
    let mut out = String::with_capacity(sql.len());
    let (mut depth, mut predicate) = (0i32, false);
    for (i, t) in toks.iter().enumerate() {
        if i > 0 && toks[i - 1].end < t.start {
            out.push(' ');
        }
        match t.text {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ => {}
        }
        if !predicate && depth == 0 && t.word && FRAME.iter().any(|k| t.is(k)) {
            out.push_str(&t.text.to_ascii_uppercase());
            predicate = t.is("WHERE");
        } else {
            out.push_str(t.text);
        }
    }
    out
}

/// `[a-z_][a-z0-9_]*`: an identifier that reads the same quoted or not.
fn is_plain_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `sql` with every bare or quoted identifier equal to `from` (as [`mentions`] matches it)
/// replaced by `to`: quoted when the original was quoted or `to` is not a plain lower-case
/// name, bare otherwise. What a rename does to the text a database keeps (SQLite rewrites
/// `CREATE` statements this way; PostgreSQL re-renders its own definitions).
pub fn rename_identifier(sql: &str, from: &str, to: &str) -> String {
    let plain = is_plain_identifier(to);
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for t in tokens(sql) {
        let quoted = t.text.starts_with(['"', '`', '[']);
        if (t.word || quoted) && unquote(t.text).eq_ignore_ascii_case(from) {
            out.push_str(&sql[last..t.start]);
            if t.text.starts_with('`') {
                // MariaDB's quotes stay (a body made without ANSI_QUOTES reads `"x"` as a
                // string).
                out.push_str(&format!("`{}`", to.replace('`', "``")));
            } else if quoted || !plain {
                out.push_str(&format!("\"{}\"", to.replace('"', "\"\"")));
            } else {
                out.push_str(to);
            }
            last = t.end;
        }
    }
    out.push_str(&sql[last..]);
    out
}

/// True when `clause` names `column` as a bare or quoted identifier (case-insensitively, as
/// SQLite compares names).
pub fn mentions(clause: &str, column: &str) -> bool {
    tokens(clause).iter().any(|t| {
        let quoted = t.text.starts_with(['"', '`', '[']);
        (t.word || quoted) && unquote(t.text).eq_ignore_ascii_case(column)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_compares_and_renames_identifiers() {
        assert!(mentions("CHECK (\"Author Id\" > 0)", "author id"));
        assert!(mentions("UNIQUE (a, [b])", "b"));
        assert!(!mentions("CHECK (x <> 'b')", "b"));
        assert_eq!(
            comparable(r#"CONSTRAINT "ck_t_1" CHECK ("title" <> '')"#),
            comparable(r#"CONSTRAINT "ck_t_1" CHECK (title <>  '')"#)
        );
        assert_ne!(
            comparable(r#"CHECK ("Title" > 0)"#),
            comparable("CHECK (title > 0)")
        );
        assert_eq!(
            rename_identifier(
                r#"CREATE INDEX ix ON "a" (name, "name_2") WHERE name <> 'name'"#,
                "name",
                "full"
            ),
            r#"CREATE INDEX ix ON "a" (full, "name_2") WHERE full <> 'name'"#
        );
        assert_eq!(
            rename_identifier(
                r#"ALTER TABLE "a" ADD CONSTRAINT x CHECK ("a".b > 0)"#,
                "a",
                "New"
            ),
            r#"ALTER TABLE "New" ADD CONSTRAINT x CHECK ("New".b > 0)"#
        );
        // MariaDB's backticks stay backticks.
        assert_eq!(
            rename_identifier(
                "CREATE TRIGGER `t` BEFORE INSERT ON `items` FOR EACH ROW SET NEW.a = \"x\"",
                "items",
                "products"
            ),
            "CREATE TRIGGER `t` BEFORE INSERT ON `products` FOR EACH ROW SET NEW.a = \"x\""
        );
    }
}
