//! A small SQL lexer that finds top-level transaction control (`BEGIN`, `COMMIT`, `END`,
//! `ROLLBACK`, `ABORT`, `SAVEPOINT`, `RELEASE`, `START TRANSACTION`, `PREPARE TRANSACTION`) in a
//! migration script.
//!
//! Retort runs every revision inside a transaction (on SQLite the whole run is one), so a
//! `COMMIT;` in a hand-written `up.sql` would commit half a run behind the runner's back. The
//! runner, offline SQL and `check` refuse such scripts before anything runs
//! ([`crate::script::check_revision`]).
//!
//! A pure lexer over `&str`: it knows nothing of revisions or files.
//!
//! The lexer skips what cannot hold a statement: `'...'` strings (`''` escapes, and backslash
//! escapes in PostgreSQL `E'...'` strings), `"..."` and `` `...` `` identifiers, `--` line
//! comments, `/* */` block comments (nested, as PostgreSQL allows), PostgreSQL dollar-quoted
//! bodies (`$$...$$`, `$tag$...$tag$`), and the bodies of SQLite `CREATE TRIGGER ... BEGIN ...
//! END` and PostgreSQL `CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC ... END` (where `BEGIN` and
//! `END` are not transaction control). Only the first keywords of each statement are looked at.
//!
//! The same lexer splits a script into its statements ([`statements`]), which the runner
//! executes one at a time.

/// A transaction-control statement found in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionControl {
    /// The statement's keyword(s), upper case: `COMMIT`, `BEGIN`, `START TRANSACTION`...
    pub keyword: String,
    /// 1-based line of the keyword.
    pub line: usize,
}

impl TransactionControl {
    /// What the statement would do to the transaction the revision runs in.
    pub(crate) fn effect(&self) -> &'static str {
        match self.keyword.as_str() {
            "COMMIT" | "END" | "ROLLBACK" | "ABORT" | "PREPARE TRANSACTION" => "would end",
            _ => "would interfere with",
        }
    }
}

/// Every top-level transaction-control statement of `sql`, in order.
pub fn transaction_control(sql: &str) -> Vec<TransactionControl> {
    let mut found = Vec::new();
    let mut state = Statements::default();
    for token in Lexer::new(sql) {
        if let Some(f) = state.feed(token) {
            found.push(f);
        }
    }
    found
}

/// True when `sql` holds at least one statement (not only comments, white space and `;`).
pub fn has_statements(sql: &str) -> bool {
    Lexer::new(sql).any(|t| t != Token::Semicolon)
}

/// True when the last statement of `sql` is terminated by `;` (comments after it aside).
pub fn ends_with_semicolon(sql: &str) -> bool {
    Lexer::new(sql).last() == Some(Token::Semicolon)
}

mod constraint;
mod create_table;
mod ddl;
mod defaults;
mod drops;
mod index_def;
mod kept;
mod objects;
mod routine;
mod spelling;
mod split;
mod state;
mod view_def;
pub use constraint::{
    check_parts, column_clause, constraint_name, enum_check_labels, rewrite_column_clause,
    same_columns, same_constraint, table_constraint, unique_columns,
};
pub use create_table::{
    generated_parts, is_constraint_clause, is_generated, table_clauses, unquote, ForeignKeyClause,
    TableClauses,
};
pub use ddl::{ddl, table_key, AlterAction, Ddl};
pub use defaults::{is_literal_default, is_null_default, normalize_default};
pub use drops::{data_drops, DataDrop};
pub use index_def::{simplify_index, unquote_key};
pub use kept::{declared_trigger, kept, owned_only, owned_only_sql, rewrite_kept};
pub use objects::{object_statement, ObjectKind, ObjectStatement};
pub use routine::{
    function_header, mode_of, replace_span, routine_comparable, routine_language, routine_mentions,
    run_sql, trigger_header, under_mode, words, FunctionHeader, TriggerHeader,
};
pub use spelling::{canonical_index_statement, comparable, mentions, rename_identifier};
pub use split::{client_delimited, misplaced_steps, statements, Statement};
use state::Statements;
pub use view_def::view_query;

/// A view named `name` over `sql`, compared by its query's [`comparable`] text until a server
/// normalises it.
pub fn view(name: impl Into<String>, sql: &str, materialized: bool) -> crate::schema::View {
    let query = crate::schema::trim_query(sql);
    crate::schema::View::new(name, &query, comparable(&query), materialized)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// A bare word (keyword or identifier), with its line.
    Word(&'a str, usize),
    Semicolon,
    /// One ASCII punctuation character (`(`, `.`, `:`...).
    Punct(u8),
    /// Anything else: numbers, strings, quoted identifiers.
    Other,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    /// Byte offset where the last token returned starts (it ends at `pos`).
    start: usize,
    /// 1-based line where the last token returned starts.
    start_line: usize,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            line: 1,
            start: 0,
            start_line: 1,
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    /// Advances to `end` (exclusive), counting newlines.
    fn advance_to(&mut self, end: usize) {
        let end = end.min(self.bytes.len());
        self.line += self.bytes[self.pos..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.pos = end;
    }

    /// Skips a quoted run opened at `pos` by `quote`; a doubled quote is an escape, and so is a
    /// backslash when `backslash`.
    fn skip_quoted(&mut self, quote: u8, backslash: bool) {
        let mut i = self.pos + 1;
        while i < self.bytes.len() {
            let b = self.bytes[i];
            if backslash && b == b'\\' {
                i += 2;
            } else if b == quote {
                if self.bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    i += 1;
                    break;
                }
            } else {
                i += 1;
            }
        }
        self.advance_to(i);
    }

    /// Skips a (nested) block comment opened at `pos`.
    fn skip_block_comment(&mut self) {
        let mut depth = 0usize;
        let mut i = self.pos;
        while i < self.bytes.len() {
            if self.bytes[i..].starts_with(b"/*") {
                depth += 1;
                i += 2;
            } else if self.bytes[i..].starts_with(b"*/") {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    break;
                }
            } else {
                i += 1;
            }
        }
        self.advance_to(i);
    }

    /// Skips a dollar-quoted body when `$` at `pos` opens one (`$$` or `$tag$`); false when it
    /// does not (a parameter like `$1`, or a lone `$`).
    fn skip_dollar_quoted(&mut self) -> bool {
        let rest = &self.bytes[self.pos + 1..];
        let tag_len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b >= 0x80)
            .count();
        if rest.first().is_some_and(u8::is_ascii_digit) || rest.get(tag_len) != Some(&b'$') {
            return false;
        }
        let delimiter = &self.bytes[self.pos..self.pos + tag_len + 2];
        let body_start = self.pos + delimiter.len();
        let end = self.bytes[body_start..]
            .windows(delimiter.len())
            .position(|w| w == delimiter)
            .map_or(self.bytes.len(), |p| body_start + p + delimiter.len());
        self.advance_to(end);
        true
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let b = self.peek(0)?;
            (self.start, self.start_line) = (self.pos, self.line);
            match b {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                _ if b.is_ascii_whitespace() => self.pos += 1,
                b'-' if self.peek(1) == Some(b'-') => {
                    let end = self.bytes[self.pos..]
                        .iter()
                        .position(|b| *b == b'\n')
                        .map_or(self.bytes.len(), |p| self.pos + p);
                    self.pos = end;
                }
                b'/' if self.peek(1) == Some(b'*') => self.skip_block_comment(),
                b'\'' => {
                    self.skip_quoted(b'\'', false);
                    return Some(Token::Other);
                }
                b'"' | b'`' => {
                    self.skip_quoted(b, false);
                    return Some(Token::Other);
                }
                b'$' => {
                    if !self.skip_dollar_quoted() {
                        self.pos += 1;
                    }
                    return Some(Token::Other);
                }
                b';' => {
                    self.pos += 1;
                    return Some(Token::Semicolon);
                }
                _ if is_word_start(b) => {
                    let start = self.pos;
                    let len = self.bytes[start..]
                        .iter()
                        .take_while(|b| is_word_char(**b))
                        .count();
                    self.pos += len;
                    let word = &self.src[start..self.pos];
                    // PostgreSQL escape strings: E'it\'s'.
                    if word.eq_ignore_ascii_case("e") && self.peek(0) == Some(b'\'') {
                        self.skip_quoted(b'\'', true);
                        return Some(Token::Other);
                    }
                    return Some(Token::Word(word, self.line));
                }
                _ if b.is_ascii_digit() => {
                    let len = self.bytes[self.pos..]
                        .iter()
                        .take_while(|b| is_word_char(**b) || **b == b'.')
                        .count();
                    self.pos += len;
                    return Some(Token::Other);
                }
                _ => {
                    self.pos += 1;
                    return Some(if b.is_ascii_punctuation() {
                        Token::Punct(b)
                    } else {
                        Token::Other
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(sql: &str) -> Vec<(String, usize)> {
        transaction_control(sql)
            .into_iter()
            .map(|t| (t.keyword, t.line))
            .collect()
    }

    fn one(keyword: &str, line: usize) -> Vec<(String, usize)> {
        vec![(keyword.to_owned(), line)]
    }

    #[test]
    fn finds_commit_between_statements_with_its_line() {
        assert_eq!(
            found("CREATE TABLE t (id INTEGER);\nCOMMIT;\nCREATE TABLE u (id INTEGER);\n"),
            one("COMMIT", 2)
        );
        assert_eq!(
            found("CREATE TABLE t (id INTEGER); COMMIT; CREATE TABLE u (id INTEGER);"),
            one("COMMIT", 1)
        );
        // Without a final semicolon, and in lower case.
        assert_eq!(found("select 1;\n\n  commit"), one("COMMIT", 3));
    }

    #[test]
    fn finds_every_kind_of_transaction_control() {
        for (sql, keyword) in [
            ("BEGIN;", "BEGIN"),
            ("BEGIN TRANSACTION;", "BEGIN"),
            ("begin immediate;", "BEGIN"),
            ("BEGIN DEFERRED", "BEGIN"),
            ("BEGIN EXCLUSIVE;", "BEGIN"),
            ("BEGIN WORK;", "BEGIN"),
            ("BEGIN ISOLATION LEVEL SERIALIZABLE;", "BEGIN"),
            ("END;", "END"),
            ("END TRANSACTION;", "END"),
            ("COMMIT WORK;", "COMMIT"),
            ("COMMIT PREPARED 'x';", "COMMIT"),
            ("ROLLBACK;", "ROLLBACK"),
            ("ROLLBACK TO SAVEPOINT a;", "ROLLBACK"),
            ("ABORT;", "ABORT"),
            ("SAVEPOINT a;", "SAVEPOINT"),
            ("RELEASE SAVEPOINT a;", "RELEASE"),
            ("RELEASE a;", "RELEASE"),
            ("START TRANSACTION;", "START TRANSACTION"),
            ("start transaction read write;", "START TRANSACTION"),
            ("PREPARE TRANSACTION 'x';", "PREPARE TRANSACTION"),
        ] {
            assert_eq!(found(sql), one(keyword, 1), "{sql}");
        }
    }

    #[test]
    fn keywords_elsewhere_are_not_transaction_control() {
        for sql in [
            "SELECT 'COMMIT;' AS x;",
            "SELECT 'it''s; COMMIT' AS x;",
            "SELECT E'it\\'s; COMMIT' AS x;",
            "SELECT 1 AS \"COMMIT\";",
            "SELECT 1 AS \"a\"\";COMMIT\";",
            "CREATE TABLE \"commit\" (\"end\" INTEGER, begin_at INTEGER);",
            "SELECT 1; -- COMMIT;\nSELECT 2;",
            "SELECT 1; /* COMMIT; */ SELECT 2;",
            "SELECT 1; /* outer /* nested */ COMMIT; still a comment */ SELECT 2;",
            "SELECT CASE WHEN 1 THEN 2 END; SELECT 3;",
            "PREPARE q AS SELECT 1; EXECUTE q;",
            "UPDATE t SET x = 1 WHERE commit = 2;",
            "SELECT $1;",
            "",
            "-- only a comment\n",
        ] {
            assert_eq!(found(sql), vec![], "{sql}");
        }
    }

    #[test]
    fn dollar_quoted_bodies_are_skipped() {
        let sql = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n\
                   BEGIN\n  COMMIT;\n  RETURN NEW;\nEND;\n$$;\n\
                   DO $body$ BEGIN ROLLBACK; END $body$;\n\
                   SELECT $x$ ; COMMIT; $$ still inside $x$;\n\
                   COMMIT;\n";
        assert_eq!(found(sql), one("COMMIT", 9));
    }

    #[test]
    fn sqlite_trigger_bodies_are_not_transaction_control() {
        let sql = "CREATE TABLE t (id INTEGER);\n\
                   CREATE TRIGGER t_ai AFTER INSERT ON t\n\
                   BEGIN\n\
                     INSERT INTO log (msg) VALUES ('end; commit;');\n\
                     UPDATE t SET id = CASE WHEN id > 0 THEN id ELSE 0 END WHERE id = NEW.id;\n\
                   END;\n\
                   create temp trigger if not exists t_ad after delete on t begin delete from log; end;\n\
                   SELECT 1;\n\
                   END;\n";
        assert_eq!(found(sql), one("END", 9));
    }

    #[test]
    fn columns_named_end_and_begin_do_not_confuse_trigger_bodies() {
        let sql = "CREATE TABLE spans (id INTEGER PRIMARY KEY, start INTEGER, end INTEGER);\n\
                   CREATE TRIGGER spans_ai AFTER UPDATE OF begin ON spans BEGIN\n\
                     UPDATE spans SET end = start + 1 WHERE id = NEW.id AND end IS NULL;\n\
                   END;\n\
                   COMMIT;\n";
        assert_eq!(found(sql), one("COMMIT", 5));
        // A routine whose signature names `begin` has no body to open without ATOMIC.
        let sql =
            "CREATE FUNCTION f() RETURNS TABLE (begin INT) LANGUAGE sql AS 'SELECT 1';\nCOMMIT;\n";
        assert_eq!(found(sql), one("COMMIT", 2));
    }

    #[test]
    fn statements_and_terminators_ignore_comments() {
        assert!(!has_statements("-- nothing\n/* still nothing */\n;\n"));
        assert!(has_statements("/* c */ SELECT 1"));
        assert!(ends_with_semicolon("SELECT 1; -- done\n"));
        assert!(!ends_with_semicolon(
            "INSERT INTO t VALUES (1) -- seed row;\n"
        ));
        assert!(!ends_with_semicolon("SELECT ';'"));
    }

    #[test]
    fn postgres_begin_atomic_bodies_are_not_transaction_control() {
        let sql = "CREATE OR REPLACE FUNCTION add(a integer, b integer) RETURNS integer\n\
                   LANGUAGE SQL\n\
                   BEGIN ATOMIC\n\
                     SELECT a + b;\n\
                   END;\n\
                   CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n\
                   ROLLBACK;";
        assert_eq!(found(sql), one("ROLLBACK", 7));
    }

    #[test]
    fn strings_and_comments_span_lines() {
        let sql = "INSERT INTO t VALUES ('a\nb\nc');\n/* x\ny */\nCOMMIT;";
        assert_eq!(found(sql), one("COMMIT", 6));
        // Unterminated constructs swallow the rest without panicking.
        assert_eq!(found("SELECT 'abc; COMMIT;"), vec![]);
        assert_eq!(found("/* /* */ COMMIT;"), vec![]);
        assert_eq!(found("SELECT $$ COMMIT;"), vec![]);
    }

    #[test]
    fn reports_every_occurrence_in_order() {
        let sql = "BEGIN;\nCREATE TABLE t (id INTEGER);\nCOMMIT;\n";
        assert_eq!(
            found(sql),
            vec![("BEGIN".to_owned(), 1), ("COMMIT".to_owned(), 3)]
        );
    }
}
