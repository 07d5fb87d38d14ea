//! Rendering a type change whose rows a user's expression converts (`--using`, see
//! [`crate::ops::Conversion`]): PostgreSQL's `ALTER COLUMN ... TYPE ... USING`, and the
//! expression SQLite's table rebuild copies the column through.

use super::{standard_alter_column, Dialect, OpSql, Unsupported};
use crate::ops::Op;
use crate::schema::Column;

/// PostgreSQL: the old default dropped (it may not convert), `ALTER COLUMN c TYPE t USING
/// expr`, then the column's other changes (its new default, its nullability).
pub(super) fn alter_type_using<D: Dialect + ?Sized>(
    dialect: &D,
    table: &str,
    from: &Column,
    to: &Column,
    using: &str,
) -> OpSql {
    if from.generated.is_some() || to.generated.is_some() {
        return Err(Unsupported::new(format!(
            "column '{table}.{}' is generated: its values are computed, so --using cannot \
             convert them; leave it out",
            to.name
        )));
    }
    let alter = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        dialect.quote_table(table),
        dialect.quote(&to.name)
    );
    let mut s = String::new();
    if from.default.is_some() {
        s.push_str(&format!("{alter} DROP DEFAULT;\n"));
    }
    s.push_str(&format!(
        "{alter} TYPE {} USING {};\n",
        dialect.render_type(to),
        using.trim()
    ));
    let retyped = Column {
        ty: to.ty.clone(),
        default: None,
        ..from.clone()
    };
    s.push_str(&standard_alter_column(dialect, table, &retyped, to)?);
    Ok(s)
}

/// The expression a table rebuild copies `column` of `table` through: the `--using`
/// expression of the type change of `group` that converts it, if any.
pub(super) fn copy_expression<'g>(group: &'g [Op], table: &str, column: &str) -> Option<&'g str> {
    group.iter().find_map(|op| match op {
        Op::AlterColumn {
            table: t,
            from,
            to,
            conversion,
        } if t == table && to.name == column && from.ty != to.ty => {
            conversion.using.as_deref().map(str::trim)
        }
        _ => None,
    })
}
