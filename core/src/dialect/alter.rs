//! The standard `ALTER COLUMN` statements, shared by dialects that override
//! [`Dialect::render_alter_column`] for some changes only.

use super::{Dialect, OpSql};
use crate::schema::Column;

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
