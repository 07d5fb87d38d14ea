//! The rendering driver shared by every dialect: ops in order, each by itself when the dialect
//! can ([`Dialect::render_op`]), else a group of alterations of one table in one piece
//! ([`Dialect::rebuild_table`], SQLite's rebuild). The in-memory schema follows along
//! ([`Op::apply`]) so each op sees its table as it is at that point of the migration.

use super::{Dialect, RenderError};
use crate::ops::Op;
use crate::schema::Schema;

/// Renders `ops`, which apply to `before`, as one SQL script: for each op a `-- <op>` comment
/// line, its statements, and a blank line.
pub(super) fn render<D: Dialect + ?Sized>(
    dialect: &D,
    ops: &[Op],
    before: &Schema,
) -> Result<String, RenderError> {
    if ops.is_empty() {
        return Ok(String::new());
    }
    render_owned(dialect, ops, before.clone())
}

/// [`render`], applying the ops to `state` itself (the schema before them) instead of a copy.
pub(super) fn render_owned<D: Dialect + ?Sized>(
    dialect: &D,
    ops: &[Op],
    mut state: Schema,
) -> Result<String, RenderError> {
    let mut out = String::new();
    let mut rest = ops;
    while let Some(first) = rest.first() {
        // An enum type's op sees the whole schema (the columns that use the type) and the ops
        // after it (which may use a label it adds).
        if first.is_enum() {
            let sql = dialect.render_enum_op(first, &state, &rest[1..]).map_err(
                |super::Unsupported { hint }| RenderError::Unsupported {
                    dialect: dialect.name(),
                    what: format!("render `{first}`"),
                    hint,
                },
            )?;
            out.push_str(&format!("-- {first}\n"));
            out.push_str(&sql);
            out.push('\n');
            first.apply(&mut state);
            rest = &rest[1..];
            continue;
        }
        // A group: consecutive ops that alter the same existing table.
        let len = if is_alter(first) {
            1 + rest[1..]
                .iter()
                .take_while(|op| is_alter(op) && op.table() == first.table())
                .count()
        } else {
            1
        };
        let (group, tail) = rest.split_at(len);
        match render_each(dialect, group, &state) {
            Ok(statements) => {
                for (op, sql) in group.iter().zip(statements) {
                    out.push_str(&format!("-- {op}\n"));
                    out.push_str(&sql);
                    out.push('\n');
                    op.apply(&mut state);
                }
            }
            Err(unsupported) if is_alter(first) => {
                dialect.rebuild_table(group, &mut state, &mut out, unsupported)?;
            }
            Err(unsupported) => return Err(unsupported),
        }
        rest = tail;
    }
    Ok(out)
}

/// True for ops that change an existing table (all but creating and dropping one) and may
/// join a rebuild. Renames are rendered by themselves: a rebuild copies rows by column name.
/// A backfill changes rows only: it runs by itself, between the alterations around it.
fn is_alter(op: &Op) -> bool {
    !matches!(
        op,
        Op::CreateTable(_)
            | Op::DropTable(_)
            | Op::RenameTable { .. }
            | Op::RenameColumn { .. }
            | Op::RenameIndex { .. }
            | Op::RenameConstraint { .. }
            | Op::Backfill { .. }
    ) && !op.is_enum()
        && !op.is_schema()
}

/// Each op of `group` rendered by itself, or the error of the first that cannot be. `state` is
/// left as it is: the group's table is simulated on its own.
fn render_each<D: Dialect + ?Sized>(
    dialect: &D,
    group: &[Op],
    state: &Schema,
) -> Result<Vec<String>, RenderError> {
    let mut table = Schema::new();
    if let Some(t) = group.first().and_then(|op| state.get(op.table())) {
        table.tables.insert(t.name.clone(), t.clone());
    }
    let mut statements = Vec::with_capacity(group.len());
    for (i, op) in group.iter().enumerate() {
        statements.push(dialect.render_op(op, table.get(op.table()))?);
        if i + 1 < group.len() {
            op.apply(&mut table);
        }
    }
    Ok(statements)
}
