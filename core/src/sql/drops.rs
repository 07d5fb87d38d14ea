//! Finding the statements of a script that destroy data: `DROP TABLE` and
//! `ALTER TABLE ... DROP [COLUMN]`, so `downgrade` can list what it would lose and ask first.
//!
//! A table that a SQLite rebuild drops and then replaces (`DROP TABLE t` followed by
//! `ALTER TABLE tmp RENAME TO t`) is not a dropped table, nor is a table the script itself
//! created (the `TEMP` table of a guard in a SQLite rebuild); the columns such a rebuild leaves
//! out are not detected (the script alone does not say which columns the old table had).

use super::{statements, unquote, Lexer, Token};

/// Data a script destroys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DataDrop {
    /// `DROP TABLE name`: the table and its rows.
    Table(String),
    /// `ALTER TABLE table DROP [COLUMN] column`: the column's values.
    Column {
        /// The table, as written (schema-qualified when the script qualifies it).
        table: String,
        /// The column.
        column: String,
    },
}

impl std::fmt::Display for DataDrop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataDrop::Table(table) => write!(f, "table {table}"),
            DataDrop::Column { table, column } => write!(f, "column {table}.{column}"),
        }
    }
}

/// The tables and columns `sql` drops, in script order.
pub fn data_drops(sql: &str) -> Vec<DataDrop> {
    let mut found = Vec::new();
    // Tables renamed into place later in the script (a rebuild): their DROP loses nothing.
    let mut renamed_to = Vec::new();
    // Tables the script itself creates (a rebuild's scratch table, the TEMP table of a guard):
    // dropping one loses nothing that was there before the script ran.
    let mut created = Vec::new();
    for statement in statements(sql) {
        let tokens = tokens(statement.text);
        let words: Vec<String> = tokens.iter().map(|t| t.to_ascii_uppercase()).collect();
        let at = |i: usize| words.get(i).map_or("", String::as_str);
        match (at(0), at(1)) {
            ("CREATE", _) => {
                let mut i = 1;
                if matches!(at(i), "TEMP" | "TEMPORARY") {
                    i += 1;
                }
                // `IF NOT EXISTS` may leave a table that was there before: not ours.
                if at(i) == "TABLE" && at(i + 1) != "IF" {
                    let (name, _) = name_at(&tokens, i + 1);
                    if !name.is_empty() {
                        created.push(name);
                    }
                }
            }
            ("DROP", "TABLE") => {
                let mut i = 2;
                if at(i) == "IF" && at(i + 1) == "EXISTS" {
                    i += 2;
                }
                // DROP TABLE a, b [CASCADE | RESTRICT]
                loop {
                    let (name, next) = name_at(&tokens, i);
                    if name.is_empty() {
                        break;
                    }
                    if let Some(at) = created.iter().position(|c| *c == name) {
                        // Created by this script: gone again, and a later DROP of the same
                        // name would drop a table that was there before.
                        created.remove(at);
                    } else {
                        found.push(DataDrop::Table(name));
                    }
                    if at(next) != "," {
                        break;
                    }
                    i = next + 1;
                }
            }
            ("ALTER", "TABLE") => {
                let mut i = 2;
                if at(i) == "IF" && at(i + 1) == "EXISTS" {
                    i += 2;
                }
                if at(i) == "ONLY" {
                    i += 1;
                }
                let (table, mut i) = name_at(&tokens, i);
                if at(i) == "RENAME" && at(i + 1) == "TO" {
                    renamed_to.push(name_at(&tokens, i + 2).0);
                    continue;
                }
                // Each action starts after the table name or a top-level comma.
                let mut depth = 0usize;
                let mut action_start = true;
                while i < tokens.len() {
                    match at(i) {
                        "(" => depth += 1,
                        ")" => depth = depth.saturating_sub(1),
                        "," if depth == 0 => {
                            action_start = true;
                            i += 1;
                            continue;
                        }
                        "DROP" if action_start && depth == 0 => {
                            let mut j = i + 1;
                            if at(j) == "COLUMN" {
                                j += 1;
                            } else if matches!(
                                at(j),
                                "CONSTRAINT" | "DEFAULT" | "NOT" | "IDENTITY" | "EXPRESSION"
                            ) {
                                action_start = false;
                                i += 1;
                                continue;
                            }
                            if at(j) == "IF" && at(j + 1) == "EXISTS" {
                                j += 2;
                            }
                            let column = tokens.get(j).map(|t| unquote(t)).unwrap_or_default();
                            if !column.is_empty() && column != ";" {
                                found.push(DataDrop::Column {
                                    table: table.clone(),
                                    column,
                                });
                            }
                        }
                        _ => {}
                    }
                    action_start = false;
                    i += 1;
                }
            }
            _ => {}
        }
    }
    found.retain(|drop| !matches!(drop, DataDrop::Table(t) if renamed_to.contains(t)));
    found
}

/// The raw text of each token of one statement (comments and white space left out).
fn tokens(text: &str) -> Vec<&str> {
    let mut lexer = Lexer::new(text);
    let mut out = Vec::new();
    while let Some(token) = lexer.next() {
        if token != Token::Semicolon {
            out.push(&text[lexer.start..lexer.pos]);
        }
    }
    out
}

/// A possibly qualified name starting at token `i` (`s.t`, `"s"."t"`), unquoted and joined by
/// `.`, and the index of the token after it. Empty when there is none.
fn name_at(tokens: &[&str], mut i: usize) -> (String, usize) {
    let mut parts = Vec::new();
    while let Some(token) = tokens.get(i) {
        let first = token.as_bytes()[0];
        if !(first.is_ascii_alphabetic() || b"_\"`[".contains(&first) || first >= 0x80) {
            break;
        }
        parts.push(unquote(token));
        if tokens.get(i + 1) == Some(&".") {
            i += 2;
        } else {
            i += 1;
            break;
        }
    }
    (parts.join("."), i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(t: &str) -> DataDrop {
        DataDrop::Table(t.into())
    }

    fn column(t: &str, c: &str) -> DataDrop {
        DataDrop::Column {
            table: t.into(),
            column: c.into(),
        }
    }

    #[test]
    fn finds_dropped_tables_and_columns() {
        let sql = "-- DROP TABLE in_a_comment;\n\
                   DROP TABLE \"users\";\n\
                   drop table if exists public.posts, tags cascade;\n\
                   ALTER TABLE accounts DROP COLUMN bio;\n\
                   ALTER TABLE ONLY \"a b\" DROP \"x\", DROP COLUMN IF EXISTS y, ADD z INT;\n\
                   ALTER TABLE t DROP CONSTRAINT fk, ALTER COLUMN c DROP DEFAULT, ALTER c DROP NOT NULL;\n\
                   INSERT INTO log VALUES ('DROP TABLE x;');\n\
                   CREATE TABLE k (a INT);";
        assert_eq!(
            data_drops(sql),
            [
                table("users"),
                table("public.posts"),
                table("tags"),
                column("accounts", "bio"),
                column("a b", "x"),
                column("a b", "y"),
            ]
        );
    }

    #[test]
    fn a_sqlite_rebuild_is_not_a_dropped_table() {
        let sql = "CREATE TABLE \"_retort_tmp_users\" (id INTEGER);\n\
                   INSERT INTO \"_retort_tmp_users\" (id) SELECT id FROM \"users\";\n\
                   DROP TABLE \"users\";\n\
                   ALTER TABLE \"_retort_tmp_users\" RENAME TO \"users\";\n\
                   DROP TABLE gone;";
        assert_eq!(data_drops(sql), [table("gone")]);
    }

    #[test]
    fn a_table_the_script_creates_is_not_lost_data() {
        // The guard a SQLite rebuild of a referenced table runs, then real drops.
        let sql = "CREATE TEMP TABLE \"_retort_guard\" (n INTEGER CHECK (n = 0));\n\
                   INSERT INTO \"_retort_guard\" SELECT foreign_keys FROM pragma_foreign_keys;\n\
                   DROP TABLE \"_retort_guard\";\n\
                   create temporary table scratch (a INT); drop table scratch;\n\
                   DROP TABLE scratch;\n\
                   CREATE TABLE IF NOT EXISTS kept (a INT); DROP TABLE kept;";
        assert_eq!(data_drops(sql), [table("scratch"), table("kept")]);
    }
}
