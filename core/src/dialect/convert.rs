//! Rendering a type change whose rows a user's expression converts (`--using`, see
//! [`crate::ops::Conversion`]): PostgreSQL's `ALTER COLUMN ... TYPE ... USING`, the expression
//! SQLite's table rebuild copies the column through, and MariaDB's new column beside the old
//! one.

use super::{standard_alter_column, Dialect, OpSql, Unsupported};
use crate::ops::Op;
use crate::schema::{Column, Table};

/// The column MariaDB's conversion fills before it takes the old column's place.
const STAGED_COLUMN: &str = "_retort_using";

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

/// MariaDB: `MODIFY COLUMN` takes no expression, so the converted values are staged in a new
/// column of the new type, placed after the old one (`ADD COLUMN ... AFTER`), filled by
/// `UPDATE ... SET staged = (expr)` (the expression reads the old column by its name); then one
/// `ALTER TABLE` drops the old column with the indexes over it and renames the staged column to
/// it with its whole new definition (its default, NOT NULL, comment), and the indexes are created
/// again. A column that a key, a foreign key, a check or a generated column needs is refused,
/// with the reason: MariaDB cannot drop it under them.
pub(super) fn staged_column_using<D: Dialect + ?Sized>(
    dialect: &D,
    table: &str,
    to: &Column,
    using: &str,
    current: Option<&Table>,
) -> OpSql {
    let Some(current) = current else {
        return Err(Unsupported::new("the table is not known before the change"));
    };
    let column = &to.name;
    if to.generated.is_some() {
        return Err(Unsupported::new(format!(
            "column '{table}.{column}' is generated: its values are computed, so --using cannot \
             convert them; leave it out"
        )));
    }
    let refuse = |what: &str| {
        Err(Unsupported::new(format!(
            "--using converts '{table}.{column}' through a new column that then takes its place, \
             and {what} needs the column all along; convert it in a hand-written revision \
             (`retort revision -m ...`) that drops and re-creates what needs it"
        )))
    };
    if current.primary_key.contains(column) {
        return refuse("the primary key");
    }
    if current
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.contains(column))
    {
        return refuse("a foreign key");
    }
    let mentioned = |sql: &str| crate::sql::mentions(sql, column);
    if current
        .table_constraints
        .iter()
        .any(|c| mentioned(&dialect.table_constraint_clause(c)))
    {
        return refuse("a check constraint");
    }
    if current
        .columns
        .iter()
        .any(|c| c.name != *column && c.generated.as_ref().is_some_and(|g| mentioned(&g.expr)))
    {
        return refuse("a generated column");
    }
    let t = dialect.quote_table(table);
    let (old, staged) = (dialect.quote(column), dialect.quote(STAGED_COLUMN));
    let mut s = format!(
        "ALTER TABLE {t} ADD COLUMN {} AFTER {old};\n",
        dialect.column_definition(&Column::new(STAGED_COLUMN, to.ty.clone(), true))
    );
    s.push_str(&format!("UPDATE {t} SET {staged} = ({});\n", using.trim()));
    let indexes: Vec<_> = current
        .indexes
        .iter()
        .filter(|i| i.columns.contains(column))
        .collect();
    let mut parts: Vec<String> = indexes
        .iter()
        .map(|i| format!("DROP INDEX {}", dialect.quote(&i.name)))
        .collect();
    parts.push(format!("DROP COLUMN {old}"));
    parts.push(format!(
        "CHANGE COLUMN {staged} {}",
        dialect.column_definition(to)
    ));
    s.push_str(&format!("ALTER TABLE {t} {};\n", parts.join(", ")));
    for index in indexes {
        s.push_str(&dialect.create_index(table, index));
    }
    Ok(s)
}
