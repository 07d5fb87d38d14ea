//! The MySQL / MariaDB dialect: backtick quoting, MariaDB's column types (`TINYINT(1)` for
//! booleans, `DATETIME(6)`, inline `ENUM(...)`, `JSON` as checked `LONGTEXT`), `AUTO_INCREMENT`
//! keys, `MODIFY COLUMN` with the column's whole definition (MariaDB has no per-property
//! `ALTER COLUMN` for types, nullability or comments), foreign keys dropped with
//! `DROP FOREIGN KEY`, indexes with `DROP INDEX ... ON`. What MariaDB cannot hold (partial
//! indexes, `INCLUDE`, `NULLS NOT DISTINCT`, `NOT VALID`, deferrable keys, schemas inside a
//! database) is refused by [`Dialect::check_models`] with the reason, before anything is
//! compared.
//!
//! Both sides of a diff are brought to one spelling by [`Dialect::normalize_table`]: the generic
//! [`SqlType`]s (introspection parses MariaDB's `COLUMN_TYPE` into them, see
//! [`parse_column_type`]), `DEFAULT` expressions as MariaDB reports them (`current_timestamp(6)`
//! is `CURRENT_TIMESTAMP`, `0.00` on a `DECIMAL` is `0`, `true` on a boolean is `1`), `RESTRICT`
//! (InnoDB's default) is `NO ACTION`, and `CHECK` and generation expressions with identifiers in
//! double quotes instead of backticks (Retort's sessions run with `ANSI_QUOTES`).

use super::{Dialect, OpSql, RenderError, Unsupported};
use crate::ops::Op;
use crate::schema::{
    Column, ConstraintKind, Deferrable, FkAction, ForeignKey, IdentityColumn, IdentityKind, Index,
    Schema, SqlType, Table, TableConstraint,
};

/// The MySQL / MariaDB dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySql;

/// The longest identifier MariaDB accepts, in characters (longer ones are refused).
pub const IDENTIFIER_LIMIT: usize = 64;

/// `text` as a MariaDB string literal: quotes doubled, and backslashes too (MariaDB reads `\` as
/// an escape inside strings unless `NO_BACKSLASH_ESCAPES` is set).
pub fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

impl Dialect for MySql {
    fn name(&self) -> &'static str {
        "MariaDB"
    }

    fn key(&self) -> &'static str {
        "mysql"
    }

    /// InnoDB refuses to drop the index a foreign key uses, and a primary key a foreign key
    /// references.
    fn foreign_keys_hold_their_key(&self) -> bool {
        true
    }

    fn check_models(&self, schema: &Schema) -> Result<(), RenderError> {
        super::mysql_facts::check_models(schema)
    }

    fn model_defaults(&self, schema: &mut Schema) {
        for table in schema.tables.values_mut() {
            if table.identity.is_none() && !table.no_identity {
                table.identity = auto_increment_column(table).map(str::to_owned);
                table.identity_kind = IdentityKind::ByDefault;
            }
            table.no_identity = false;
            table.autoincrement = false;
            table.serial.clear();
            table.serial_options.clear();
            for index in &mut table.indexes {
                let snapshot = table.columns.clone();
                let mut probe = Table::new(&table.name);
                probe.columns = snapshot;
                crate::sql::simplify_index(&probe, index);
            }
            // A column's `check = "..."` is a CHECK constraint of the table on MariaDB.
            let mut checks = Vec::new();
            for column in &mut table.columns {
                column.extra.retain(|clause| match clause.check_expr() {
                    Some(expr) => {
                        checks.push(TableConstraint {
                            name: None,
                            kind: ConstraintKind::Check {
                                expr: expr.to_owned(),
                                not_valid: false,
                            },
                            written: None,
                        });
                        false
                    }
                    None => true,
                });
            }
            table.table_constraints.extend(checks);
        }
    }

    fn normalize_table(&self, table: &mut Table) {
        // MariaDB names every primary key `PRIMARY`; a UNIQUE constraint is a unique index.
        table.primary_key_name = None;
        table.serial.clear();
        if table.comment.as_deref() == Some("") {
            table.comment = None;
        }
        for column in &mut table.columns {
            column.ty = canonical_type(&column.ty);
            // MariaDB's generated columns take no NOT NULL (they are as NULL as their
            // expression); the expression compares as MariaDB stores it, quotes aside.
            if let Some(generated) = &mut column.generated {
                column.nullable = true;
                generated.expr = crate::sql::comparable(&ansi_quoted(&generated.expr));
            }
            column.default = column
                .default
                .as_deref()
                .map(|d| normalize_default(d, &column.ty));
            if column.comment.as_deref() == Some("") {
                column.comment = None;
            }
        }
        for index in &mut table.indexes {
            index.constraint = false;
        }
        for fk in &mut table.foreign_keys {
            for action in [&mut fk.on_delete, &mut fk.on_update] {
                if *action == FkAction::Restrict {
                    *action = FkAction::NoAction;
                }
            }
        }
        for constraint in &mut table.table_constraints {
            constraint.written = None;
            if let ConstraintKind::Check { expr, .. } = &mut constraint.kind {
                *expr = ansi_quoted(expr);
            }
        }
    }

    fn render_type(&self, column: &Column) -> String {
        render_type(&column.ty)
    }

    fn render_default(&self, expr: &str) -> String {
        if crate::sql::is_literal_default(expr) || expr.eq_ignore_ascii_case("CURRENT_TIMESTAMP") {
            expr.to_owned()
        } else {
            format!("({expr})")
        }
    }

    fn quote(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn implicit_primary_key_name(&self, _table: &str) -> String {
        "PRIMARY".to_owned()
    }

    fn column_definition(&self, column: &Column) -> String {
        let mut s = format!("{} {}", self.quote(&column.name), self.render_type(column));
        if let Some(generated) = &column.generated {
            s.push_str(&format!(
                " GENERATED ALWAYS AS ({}) {}",
                generated.expr,
                if generated.stored {
                    "STORED"
                } else {
                    "VIRTUAL"
                }
            ));
        } else {
            s.push_str(if column.nullable {
                " NULL"
            } else {
                " NOT NULL"
            });
            if let Some(default) = &column.default {
                s.push_str(" DEFAULT ");
                s.push_str(&self.render_default(default));
            }
        }
        if let Some(comment) = &column.comment {
            s.push_str(" COMMENT ");
            s.push_str(&sql_string(comment));
        }
        s
    }

    /// Comments are part of the column's definition ([`Dialect::column_definition`]).
    fn column_comment(&self, _table: &str, _column: &Column) -> String {
        String::new()
    }

    fn comment_sql(&self, table: &str, column: Option<&str>, text: Option<&str>) -> String {
        let _ = column;
        format!(
            "ALTER TABLE {} COMMENT = {};\n",
            self.quote_table(table),
            sql_string(text.unwrap_or(""))
        )
    }

    fn create_table_column(&self, table: &Table, column: &Column) -> String {
        with_auto_increment(self.column_definition(column), table, &column.name)
    }

    fn create_table_primary_key(&self, table: &Table, _name: &str) -> String {
        format!("PRIMARY KEY ({})", self.quote_list(&table.primary_key))
    }

    fn render_create_table(&self, table: &Table) -> OpSql {
        let mut s = self.create_table(table, &table.name);
        if let Some(comment) = &table.comment {
            s.truncate(s.trim_end().trim_end_matches(';').len());
            s.push_str(&format!(" COMMENT = {};\n", sql_string(comment)));
        }
        for index in &table.indexes {
            s.push_str(&self.create_index(&table.name, index));
        }
        super::push_unmodeled(table, &mut s);
        Ok(s)
    }

    /// `MODIFY COLUMN` with the column's whole new definition (keeping its `AUTO_INCREMENT`).
    fn render_alter_column_of(
        &self,
        table: &str,
        _from: &Column,
        to: &Column,
        current: Option<&Table>,
    ) -> OpSql {
        Ok(self.modify_column(table, to, current))
    }

    fn render_alter_primary_key(
        &self,
        table: &str,
        from: &[String],
        to: &[String],
        _current: Option<&Table>,
    ) -> OpSql {
        let mut parts = Vec::new();
        if !from.is_empty() {
            parts.push("DROP PRIMARY KEY".to_owned());
        }
        if !to.is_empty() {
            parts.push(format!("ADD PRIMARY KEY ({})", self.quote_list(to)));
        }
        if parts.is_empty() {
            return Ok(String::new());
        }
        Ok(format!(
            "ALTER TABLE {} {};\n",
            self.quote_table(table),
            parts.join(", ")
        ))
    }

    fn render_alter_identity(
        &self,
        table: &str,
        from: Option<&IdentityColumn>,
        to: Option<&IdentityColumn>,
        current: Option<&Table>,
    ) -> OpSql {
        if to.is_some_and(|t| t.kind != IdentityKind::ByDefault) {
            return Err(Unsupported::new(
                "MariaDB's AUTO_INCREMENT always accepts explicit values: remove `identity = \"always\"`",
            ));
        }
        let Some(current) = current else {
            return Err(Unsupported::new("the table is not known before the change"));
        };
        let mut s = String::new();
        for (change, on) in [(from, false), (to, true)] {
            let Some(change) = change else { continue };
            let Some(column) = current.column(&change.column) else {
                continue;
            };
            let mut def = self.column_definition(column);
            if on {
                def.push_str(" AUTO_INCREMENT");
            }
            s.push_str(&format!(
                "ALTER TABLE {} MODIFY COLUMN {def};\n",
                self.quote_table(table)
            ));
        }
        Ok(s)
    }

    fn render_drop_index(&self, table: &str, index: &Index) -> OpSql {
        Ok(format!(
            "DROP INDEX {} ON {};\n",
            self.quote(&index.name),
            self.quote_table(table)
        ))
    }

    fn render_rename_index(&self, table: &str, from: &Index, to: &Index) -> OpSql {
        Ok(format!(
            "ALTER TABLE {} RENAME INDEX {} TO {};\n",
            self.quote_table(table),
            self.quote(&from.name),
            self.quote(&to.name)
        ))
    }

    fn render_rename_constraint(&self, _table: &str, from: &str, to: &str) -> OpSql {
        Err(Unsupported::new(format!(
            "MariaDB cannot rename a constraint: drop `{from}` and add `{to}` (or keep the old name)"
        )))
    }

    /// The foreign key, and the index InnoDB created for it when no other index served (named
    /// after the key), so that a downgrade leaves no index the models do not have.
    fn render_drop_foreign_key(&self, table: &str, fk: &ForeignKey) -> OpSql {
        Ok(format!(
            "ALTER TABLE {t} DROP FOREIGN KEY {n};\nALTER TABLE {t} DROP INDEX IF EXISTS {n};\n",
            t = self.quote_table(table),
            n = self.quote(&fk.name)
        ))
    }

    fn foreign_key_clause(&self, fk: &ForeignKey) -> String {
        let mut s = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            self.quote(&fk.name),
            self.quote_list(&fk.columns),
            self.quote_table(&fk.ref_table),
            self.quote_list(&fk.ref_columns)
        );
        for (clause, action) in [(" ON DELETE ", fk.on_delete), (" ON UPDATE ", fk.on_update)] {
            if action != FkAction::NoAction {
                s.push_str(clause);
                s.push_str(super::standard::fk_action(action));
            }
        }
        s
    }

    fn render_op_with(
        &self,
        op: &Op,
        current: Option<&Table>,
        options: &super::RenderOptions,
    ) -> Result<String, RenderError> {
        let _ = options;
        let unsupported = |hint: Unsupported| RenderError::Unsupported {
            dialect: self.name(),
            what: format!("render `{op}`"),
            hint: hint.hint,
        };
        match op {
            Op::AlterComment {
                table,
                column: Some(name),
                to,
                ..
            } => {
                let column = current
                    .and_then(|t| t.column(name))
                    .ok_or_else(|| {
                        unsupported(Unsupported::new(format!(
                            "the column `{name}` is not known before the change"
                        )))
                    })?
                    .clone();
                let column = Column {
                    comment: to.clone(),
                    ..column
                };
                Ok(self.modify_column(table, &column, current))
            }
            Op::RenameConstraint { table, from, to } => {
                let hint = Unsupported::new(format!(
                    "MariaDB cannot rename the constraint `{from}`, and `{table}` has no foreign \
                     key or check of that name to drop and add again"
                ));
                let current = current.ok_or_else(|| unsupported(hint.clone()))?;
                self.rename_constraint(table, from, to, current)
                    .ok_or_else(|| unsupported(hint))
            }
            Op::AddTableConstraint { table, constraint } => Ok(format!(
                "ALTER TABLE {} ADD {};\n",
                self.quote_table(table),
                self.table_constraint_clause(constraint)
            )),
            Op::DropTableConstraint { table, constraint } => match &constraint.name {
                Some(name) => Ok(format!(
                    "ALTER TABLE {} DROP CONSTRAINT {};\n",
                    self.quote_table(table),
                    self.quote(name)
                )),
                None => Err(unsupported(Unsupported::new(
                    "a constraint without a name cannot be dropped: name it in the model",
                ))),
            },
            _ => self.render_op(op, current),
        }
    }
}

impl MySql {
    /// A foreign key or check of `current` renamed: MariaDB renames neither, so it is dropped
    /// and added again under the new name, in one statement (with the index InnoDB made for a
    /// foreign key, which the new key makes again under its own name).
    fn rename_constraint(
        &self,
        table: &str,
        from: &str,
        to: &str,
        current: &Table,
    ) -> Option<String> {
        let t = self.quote_table(table);
        if let Some(fk) = current.foreign_keys.iter().find(|f| f.name == from) {
            let renamed = ForeignKey {
                name: to.to_owned(),
                ..fk.clone()
            };
            return Some(format!(
                "ALTER TABLE {t} DROP FOREIGN KEY {f};\nALTER TABLE {t} DROP INDEX IF EXISTS {f}, ADD {};\n",
                self.foreign_key_clause(&renamed),
                f = self.quote(from),
            ));
        }
        let check = current
            .table_constraints
            .iter()
            .find(|c| c.name.as_deref() == Some(from))?;
        let renamed = TableConstraint {
            name: Some(to.to_owned()),
            written: None,
            ..check.clone()
        };
        Some(format!(
            "ALTER TABLE {t} DROP CONSTRAINT {}, ADD {};\n",
            self.quote(from),
            self.table_constraint_clause(&renamed)
        ))
    }

    /// `ALTER TABLE ... MODIFY COLUMN` with `column`'s whole definition, and `AUTO_INCREMENT`
    /// when it is `current`'s identity.
    fn modify_column(&self, table: &str, column: &Column, current: Option<&Table>) -> String {
        let mut def = self.column_definition(column);
        if let Some(current) = current {
            def = with_auto_increment(def, current, &column.name);
        }
        format!(
            "ALTER TABLE {} MODIFY COLUMN {def};\n",
            self.quote_table(table)
        )
    }
}

/// `def` with ` AUTO_INCREMENT` when `column` is `table`'s identity.
fn with_auto_increment(mut def: String, table: &Table, column: &str) -> String {
    if table.identity.as_deref() == Some(column) {
        def.push_str(" AUTO_INCREMENT");
    }
    def
}

/// The column that gets `AUTO_INCREMENT`: the only primary key column, when it is an integer.
pub(super) fn auto_increment_column(table: &Table) -> Option<&str> {
    match table.primary_key.as_slice() {
        [pk] => table
            .column(pk)
            .filter(|c| c.ty.is_integer())
            .map(|c| c.name.as_str()),
        _ => None,
    }
}

/// A generic type as MariaDB's DDL spells it.
pub fn render_type(ty: &SqlType) -> String {
    match ty {
        SqlType::Boolean => "TINYINT(1)".into(),
        SqlType::SmallInt => "SMALLINT".into(),
        SqlType::Integer => "INT".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Real => "FLOAT".into(),
        SqlType::Double => "DOUBLE".into(),
        SqlType::Numeric { precision, scale } => format!(
            "DECIMAL({},{})",
            precision.unwrap_or(10),
            scale.unwrap_or(0)
        ),
        SqlType::Text => "TEXT".into(),
        SqlType::Varchar(n) => format!("VARCHAR({n})"),
        SqlType::Blob => "BLOB".into(),
        SqlType::Date => "DATE".into(),
        SqlType::Time => "TIME".into(),
        SqlType::Timestamp => "DATETIME(6)".into(),
        SqlType::TimestampTz => "TIMESTAMP(6)".into(),
        SqlType::Uuid => "UUID".into(),
        SqlType::Json | SqlType::Jsonb => "JSON".into(),
        SqlType::Enum { labels, .. } => format!(
            "ENUM({})",
            labels
                .iter()
                .map(|l| sql_string(l))
                .collect::<Vec<_>>()
                .join(",")
        ),
        SqlType::Custom(text) => {
            // The generic spellings of precisions: `TIMESTAMP(3)` has no zone (DATETIME),
            // `TIMESTAMPTZ(3)` is an instant (TIMESTAMP).
            if let Some(p) = text.strip_prefix("TIMESTAMPTZ(") {
                format!("TIMESTAMP({p}")
            } else if let Some(p) = text.strip_prefix("TIMESTAMP(") {
                format!("DATETIME({p}")
            } else {
                text.clone()
            }
        }
    }
}

/// A type both sides of a diff spell alike: `JSONB` is `JSON`, `NUMERIC` has MariaDB's default
/// precision (10, 0), an enum's name is not stored (MariaDB's enums are inline).
pub fn canonical_type(ty: &SqlType) -> SqlType {
    match ty {
        SqlType::Jsonb => SqlType::Json,
        SqlType::Numeric { precision, scale } => SqlType::Numeric {
            precision: Some(precision.unwrap_or(10)),
            scale: Some(scale.unwrap_or(0)),
        },
        SqlType::Enum { labels, .. } => SqlType::Enum {
            name: String::new(),
            labels: labels.clone(),
        },
        SqlType::Custom(text) if text == "TIMESTAMP(6)" || text == "DATETIME(6)" => {
            SqlType::Timestamp
        }
        SqlType::Custom(text) if text == "TIMESTAMPTZ(6)" => SqlType::TimestampTz,
        other => other.clone(),
    }
}

/// MariaDB's `COLUMN_TYPE` (`bigint(20)`, `tinyint(1)`, `datetime(6)`, `enum('a','b')`) as a
/// generic type. `json_checked`: the column carries MariaDB's `json_valid` check (its `JSON`).
pub fn parse_column_type(column_type: &str, json_checked: bool) -> SqlType {
    let t = column_type.trim().to_ascii_lowercase();
    if json_checked && t == "longtext" {
        return SqlType::Json;
    }
    if t.starts_with("enum(") && t.ends_with(')') {
        return SqlType::Enum {
            name: String::new(),
            labels: string_literals(&column_type.trim()[5..column_type.trim().len() - 1]),
        };
    }
    let (base, args) = match t.find('(') {
        Some(open) => (&t[..open], Some(&t[open..])),
        None => (t.as_str(), None),
    };
    // Display widths of integers mean nothing (`int(11)`), unless unsigned or zerofill follow.
    let rest = args
        .and_then(|a| a.find(')').map(|i| a[i + 1..].trim()))
        .unwrap_or("");
    match (base, args, rest) {
        ("tinyint", Some("(1)"), "") => SqlType::Boolean,
        ("smallint", _, "") => SqlType::SmallInt,
        ("int", _, "") => SqlType::Integer,
        ("bigint", _, "") => SqlType::BigInt,
        ("float", None, "") => SqlType::Real,
        ("double", None, "") => SqlType::Double,
        ("text", None, _) => SqlType::Text,
        ("blob", None, _) => SqlType::Blob,
        ("date", None, _) => SqlType::Date,
        ("time", None, _) => SqlType::Time,
        ("datetime", Some("(6)"), _) => SqlType::Timestamp,
        ("datetime", Some(p), _) => SqlType::Custom(format!("TIMESTAMP{p}")),
        ("datetime", None, _) => SqlType::Custom("TIMESTAMP(0)".into()),
        ("timestamp", Some("(6)"), _) => SqlType::TimestampTz,
        ("timestamp", Some(p), _) => SqlType::Custom(format!("TIMESTAMPTZ{p}")),
        ("timestamp", None, _) => SqlType::Custom("TIMESTAMPTZ(0)".into()),
        ("uuid", None, _) => SqlType::Uuid,
        ("tinyint" | "smallint" | "mediumint" | "int" | "bigint", _, _) => {
            // `bigint(20) unsigned` is `BIGINT UNSIGNED`.
            SqlType::Custom(format!("{base} {rest}").trim().to_ascii_uppercase())
        }
        _ => SqlType::parse(&t),
    }
}

/// A default as both sides compare it: the clock functions are `CURRENT_TIMESTAMP` (MariaDB
/// reports `current_timestamp(6)`), booleans are `1`/`0`, a number on a `DECIMAL` loses its
/// trailing zeros (`0.00` is `0`).
pub fn normalize_default(expr: &str, ty: &SqlType) -> String {
    let e = crate::sql::normalize_default(expr.trim());
    let e = e.trim();
    let lower = e.to_ascii_lowercase();
    let clock = lower
        .strip_suffix(')')
        .and_then(|l| l.split_once('('))
        .is_some_and(|(f, arg)| {
            matches!(f, "current_timestamp" | "now" | "localtimestamp")
                && arg.bytes().all(|b| b.is_ascii_digit())
        });
    if clock || matches!(lower.as_str(), "current_timestamp" | "localtimestamp") {
        return "CURRENT_TIMESTAMP".to_owned();
    }
    if *ty == SqlType::Boolean {
        match lower.as_str() {
            "true" | "'1'" => return "1".into(),
            "false" | "'0'" => return "0".into(),
            _ => {}
        }
    }
    if ty.is_numeric() || ty.is_integer() {
        let unquoted = e
            .strip_prefix('\'')
            .and_then(|x| x.strip_suffix('\''))
            .unwrap_or(e);
        if !unquoted.is_empty()
            && unquoted
                .strip_prefix('-')
                .unwrap_or(unquoted)
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.')
        {
            let mut n = unquoted.to_owned();
            if n.contains('.') {
                n = n.trim_end_matches('0').trim_end_matches('.').to_owned();
            }
            return n;
        }
    }
    e.to_owned()
}

/// An expression with MariaDB's backtick-quoted identifiers in double quotes, as the models
/// (standard SQL) write them: `` `last name` <> '' `` is `"last name" <> ''`. Still MariaDB's
/// SQL: Retort's sessions run with `ANSI_QUOTES`. Strings are left alone.
pub fn ansi_quoted(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                // A string (or an identifier already in double quotes), copied whole.
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' {
                        out.extend(chars.next());
                    } else if d == c {
                        if chars.peek() == Some(&c) {
                            out.extend(chars.next());
                        } else {
                            break;
                        }
                    }
                }
            }
            '`' => {
                let mut name = String::new();
                while let Some(d) = chars.next() {
                    if d == '`' {
                        if chars.peek() == Some(&'`') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    name.push(d);
                }
                out.push_str(&crate::dialect::standard::quote_ident(&name));
            }
            c => out.push(c),
        }
    }
    out
}

/// The string literals of a list (`'a','it''s'`), unquoted.
fn string_literals(list: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut label = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    label.push('\'');
                }
                '\'' => break,
                '\\' => label.extend(chars.next()),
                c => label.push(c),
            }
        }
        labels.push(label);
    }
    labels
}

/// Whether `fk` is one MariaDB can hold: checked at once.
pub(super) fn deferrable(fk: &ForeignKey) -> bool {
    fk.deferrable != Deferrable::No
}

#[cfg(test)]
#[path = "mysql_tests.rs"]
mod tests;
