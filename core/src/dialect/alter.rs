//! The standard `ALTER COLUMN` statements, shared by dialects that override
//! [`Dialect::render_alter_column`] for some changes only.

use super::{Dialect, OpSql};
use crate::schema::{Column, Table};

/// [`Dialect::render_alter_column`]'s standard SQL: one `ALTER COLUMN` statement per change. A
/// type change first drops the old default (it may not convert), then
/// [`Dialect::alter_column_type`].
pub fn standard_alter_column<D: Dialect + ?Sized>(
    dialect: &D,
    table: &str,
    from: &Column,
    to: &Column,
) -> OpSql {
    let alter = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        dialect.quote_table(table),
        dialect.quote(&to.name)
    );
    let mut s = String::new();
    let type_changes = from.ty != to.ty;
    let mut default = from.default.as_deref();
    if type_changes && default.is_some() {
        s.push_str(&format!("{alter} DROP DEFAULT;\n"));
        default = None;
    }
    if type_changes {
        s.push_str(&dialect.alter_column_type(table, from, to));
    }
    if default != to.default.as_deref() {
        match &to.default {
            Some(d) => s.push_str(&format!(
                "{alter} SET DEFAULT {};\n",
                dialect.render_default(d)
            )),
            None => s.push_str(&format!("{alter} DROP DEFAULT;\n")),
        }
    }
    if from.nullable != to.nullable {
        let verb = if to.nullable { "DROP" } else { "SET" };
        s.push_str(&format!("{alter} {verb} NOT NULL;\n"));
    }
    Ok(s)
}

/// [`Op::RenameTable`]: `ALTER TABLE … RENAME TO`; a table that changes schema (PostgreSQL
/// `renamed_from = "public.invoices"` on a model of `billing`) first moves with `SET SCHEMA`,
/// keeping its rows, indexes, constraints and sequences. Back to the default schema, whose name
/// only the session knows, the move runs as `EXECUTE format(..., current_schema())`.
pub(crate) fn rename_table_sql<D: Dialect + ?Sized>(dialect: &D, from: &str, to: &str) -> String {
    use crate::schema::{qualified_name, split_qualified};
    let ((from_schema, from_name), (to_schema, to_name)) =
        (split_qualified(from), split_qualified(to));
    let mut s = String::new();
    if from_schema != to_schema {
        match to_schema {
            Some(schema) => s.push_str(&format!(
                "ALTER TABLE {} SET SCHEMA {};\n",
                dialect.quote_table(from),
                dialect.quote(schema)
            )),
            None => s.push_str(&format!(
                "DO $$ BEGIN EXECUTE format('ALTER TABLE %s SET SCHEMA %I', '{}', current_schema()); END $$;\n",
                dialect.quote_table(from).replace('\'', "''")
            )),
        }
    }
    if from_name != to_name {
        s.push_str(&format!(
            "ALTER TABLE {} RENAME TO {};\n",
            dialect.quote_table(&qualified_name(to_schema, from_name)),
            dialect.quote(to_name)
        ));
    }
    s
}

/// `ALTER TABLE … ADD COLUMN` in `dialect`'s spelling (for overrides of
/// [`Dialect::render_add_column`] that add a check).
pub fn add_column_sql<D: Dialect + ?Sized>(dialect: &D, table: &str, column: &Column) -> String {
    format!(
        "ALTER TABLE {} ADD COLUMN {};\n",
        dialect.quote_table(table),
        dialect.column_definition(column)
    )
}

/// `ALTER TABLE … DROP COLUMN` in `dialect`'s spelling (for overrides of
/// [`Dialect::render_drop_column`] that add a check).
pub fn drop_column_sql<D: Dialect + ?Sized>(dialect: &D, table: &str, column: &Column) -> String {
    format!(
        "ALTER TABLE {} DROP COLUMN {};\n",
        dialect.quote_table(table),
        dialect.quote(&column.name)
    )
}

/// Appends the statements of `table` that the models do not describe (triggers, expression
/// indexes), as the database reported them. Only SQLite's introspection records any.
pub fn push_unmodeled(table: &Table, out: &mut String) {
    for definition in &table.unmodeled {
        out.push_str(&crate::sql::run_sql(definition.sql()));
    }
}
