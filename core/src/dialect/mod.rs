//! SQL dialects: rendering ops to SQL, and normalising schemas so that what a database reports
//! compares equal to what the models declare.

pub mod postgres;
pub mod sqlite;

use crate::ops::Op;
use crate::schema::{Column, ForeignKey, Index, Schema, Table};

pub use postgres::Postgres;
pub use sqlite::Sqlite;

/// A problem rendering ops for a dialect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    #[error("{dialect} cannot {what}: {hint}")]
    Unsupported {
        dialect: &'static str,
        what: String,
        hint: String,
    },
}

/// What a backend contributes to diffing and rendering. Default methods write generic SQL; a
/// dialect overrides what differs.
pub trait Dialect {
    fn name(&self) -> &'static str;

    /// Rewrites a schema into the dialect's canonical spelling, on both sides of a diff.
    fn normalize(&self, schema: &mut Schema) {
        for table in schema.tables.values_mut() {
            self.normalize_table(table);
            table.canonicalize();
        }
    }

    /// Canonical spelling of one table.
    fn normalize_table(&self, table: &mut Table) {
        for column in &mut table.columns {
            column.default = column.default.as_deref().map(normalize_default);
        }
    }

    /// Renders ops as an SQL script. `before` is the schema the ops apply to.
    fn render(&self, ops: &[Op], before: &Schema) -> Result<String, RenderError>;

    fn quote(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    fn render_type(&self, column: &Column) -> String {
        column.ty.to_string()
    }

    fn render_default(&self, expr: &str) -> String {
        expr.to_owned()
    }

    fn column_definition(&self, column: &Column) -> String {
        let mut s = format!("{} {}", self.quote(&column.name), self.render_type(column));
        if !column.nullable {
            s.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            s.push_str(" DEFAULT ");
            s.push_str(&self.render_default(default));
        }
        s
    }

    fn foreign_key_clause(&self, fk: &ForeignKey) -> String {
        let mut s = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            self.quote(&fk.name),
            self.quote_list(&fk.columns),
            self.quote(&fk.ref_table),
            self.quote_list(&fk.ref_columns)
        );
        if fk.on_delete != Default::default() {
            s.push_str(" ON DELETE ");
            s.push_str(fk.on_delete.as_sql());
        }
        if fk.on_update != Default::default() {
            s.push_str(" ON UPDATE ");
            s.push_str(fk.on_update.as_sql());
        }
        s
    }

    fn quote_list(&self, idents: &[String]) -> String {
        idents
            .iter()
            .map(|i| self.quote(i))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `CREATE TABLE` with columns, primary key and foreign keys (indexes come separately).
    fn create_table(&self, table: &Table, name: &str) -> String {
        let mut lines: Vec<String> = table
            .columns
            .iter()
            .map(|c| self.column_definition(c))
            .collect();
        if !table.primary_key.is_empty() {
            lines.push(format!(
                "PRIMARY KEY ({})",
                self.quote_list(&table.primary_key)
            ));
        }
        lines.extend(
            table
                .foreign_keys
                .iter()
                .map(|fk| self.foreign_key_clause(fk)),
        );
        format!(
            "CREATE TABLE {} (\n    {}\n);\n",
            self.quote(name),
            lines.join(",\n    ")
        )
    }

    fn create_index(&self, table: &str, index: &Index) -> String {
        format!(
            "CREATE {}INDEX {} ON {} ({});\n",
            if index.unique { "UNIQUE " } else { "" },
            self.quote(&index.name),
            self.quote(table),
            self.quote_list(&index.columns)
        )
    }
}

/// Trims a default expression and removes parentheses that wrap all of it.
pub fn normalize_default(expr: &str) -> String {
    let mut s = expr.trim();
    while s.starts_with('(') && s.ends_with(')') && wraps_whole(s) {
        s = s[1..s.len() - 1].trim();
    }
    s.to_owned()
}

/// True when the parenthesis opening `s` closes at its last character.
fn wraps_whole(s: &str) -> bool {
    let mut depth = 0i32;
    let mut in_str = false;
    for (i, c) in s.char_indices() {
        match c {
            '\'' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth == 0 {
                    return i == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// True for a default that is a plain literal rather than an expression.
pub fn is_literal_default(expr: &str) -> bool {
    let e = expr.trim();
    let upper = e.to_ascii_uppercase();
    let number = e
        .strip_prefix(['-', '+'])
        .unwrap_or(e)
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.')
        && !e.is_empty();
    number
        || (e.len() >= 2
            && e.starts_with('\'')
            && e.ends_with('\'')
            && !e[1..e.len() - 1].replace("''", "").contains('\''))
        || matches!(upper.as_str(), "NULL" | "TRUE" | "FALSE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_normalise() {
        assert_eq!(normalize_default(" (0) "), "0");
        assert_eq!(normalize_default("((datetime('now')))"), "datetime('now')");
        assert_eq!(normalize_default("(a) + (b)"), "(a) + (b)");
        assert_eq!(normalize_default("'(x'"), "'(x'");
    }

    #[test]
    fn literal_defaults() {
        assert!(is_literal_default("0"));
        assert!(is_literal_default("-1.5"));
        assert!(is_literal_default("'it''s'"));
        assert!(is_literal_default("true"));
        assert!(!is_literal_default("'a' || 'b'"));
        assert!(!is_literal_default("CURRENT_TIMESTAMP"));
        assert!(!is_literal_default("datetime('now')"));
    }
}
