//! [`Dialect::render_op`]: which rendering method each op goes to, one match for every
//! dialect (a dialect changes how an op renders by overriding that method).

use super::{rename_table_sql, routines, views, Dialect, RenderError, Unsupported};
use crate::ops::Op;
use crate::schema::{Kept, Table};

/// Renders one op by itself with `d`; see [`Dialect::render_op`].
pub(super) fn render_op<D: Dialect + ?Sized>(
    d: &D,
    op: &Op,
    current: Option<&Table>,
) -> Result<String, RenderError> {
    let sql = match op {
        Op::CreateView(_) | Op::DropView(_) | Op::ReplaceView { .. } => views::render(d, op),
        Op::CreateFunction(_) | Op::DropFunction(_) | Op::ReplaceFunction { .. } => {
            routines::render(d, op)
        }
        Op::CreateTable(t) => d.render_create_table(t),
        Op::DropTable(t) => d.render_drop_table(t),
        Op::AddColumn { table, column } => d.render_add_column(table, column),
        Op::DropColumn { table, column } => d.render_drop_column(table, column, current),
        Op::AlterColumn {
            table,
            from,
            to,
            conversion,
        } => match &conversion.using {
            Some(using) => d.render_converted_column(table, from, to, using, current),
            None => d.render_alter_column_of(table, from, to, current),
        },
        Op::AlterPrimaryKey { table, from, to } => {
            d.render_alter_primary_key(table, from, to, current)
        }
        Op::AlterIdentity { table, from, to } => {
            d.render_alter_identity(table, from.as_ref(), to.as_ref(), current)
        }
        Op::AlterSerial {
            table,
            column,
            from,
            to,
            fill,
            keep,
        } => d.render_alter_serial(
            table,
            column,
            (from.as_ref().map(Kept::sql), to.as_ref().map(Kept::sql)),
            *fill,
            *keep,
        ),
        // A clause of the key's column: only a rebuild (SQLite) changes it.
        Op::AlterAutoincrement { .. } => Err(Unsupported::new(
            "AUTOINCREMENT is part of CREATE TABLE: it changes only with a table rebuild",
        )),
        Op::CreateIndex { table, index } => d.render_create_index(table, index),
        Op::DropIndex { table, index } => d.render_drop_index(table, index),
        Op::AddForeignKey { table, fk } => d.render_add_foreign_key(table, fk),
        Op::DropForeignKey { table, fk } => d.render_drop_foreign_key(table, fk),
        Op::CreateDefinition { definition, .. } => Ok(crate::sql::run_sql(definition.sql())),
        Op::DropDefinition { table, definition } => d.render_drop_definition(table, definition),
        Op::AlterComment {
            table, column, to, ..
        } => d.render_alter_comment(table, column.as_deref(), to.as_deref()),
        Op::CreateSchema { name } => d.render_create_schema(name),
        Op::DropSchema { name } => Ok(format!("DROP SCHEMA {};\n", d.quote(name))),
        Op::Backfill {
            table,
            column,
            value,
            undo: false,
            ..
        } => Ok(format!(
            "UPDATE {} SET {} = {value} WHERE {} IS NULL;\n",
            d.quote_table(table),
            d.quote(column),
            d.quote(column)
        )),
        // The rows keep their values: nothing to run.
        Op::Backfill { undo: true, .. } => Ok(String::new()),
        Op::CreateEnum { .. } | Op::DropEnum { .. } | Op::AlterEnum { .. } => Err(
            Unsupported::new("an enum type's op renders with the whole schema (render_enum_op)"),
        ),
        Op::RenameTable { from, to } => Ok(rename_table_sql(d, from, to)),
        Op::RenameColumn { table, from, to } => Ok(format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {};\n",
            d.quote_table(table),
            d.quote(from),
            d.quote(to)
        )),
        Op::RenameIndex { table, from, to } => d.render_rename_index(table, from, to),
        Op::RenameConstraint { table, from, to } => d.render_rename_constraint(table, from, to),
        // A clause inside CREATE TABLE: only a rebuild (SQLite) changes it.
        Op::AddTableConstraint { .. } | Op::DropTableConstraint { .. } => Err(Unsupported::new(
            "a constraint inside CREATE TABLE changes only with a table rebuild",
        )),
    };
    sql.map_err(|Unsupported { hint }| RenderError::Unsupported {
        dialect: d.name(),
        what: format!("render `{op}`"),
        hint,
    })
}
