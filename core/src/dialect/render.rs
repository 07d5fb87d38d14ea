//! The rendering driver shared by every dialect: ops in order, each by itself when the dialect
//! can ([`Dialect::render_op`]), else a group of alterations of one table in one piece
//! ([`Dialect::rebuild_table`], SQLite's rebuild). The in-memory schema follows along
//! ([`Op::apply`]) so each op sees its table as it is at that point of the migration. Each
//! step's statements are then read for what they do ([`Dialect::statement_effects`]).

use super::plan::{Hazard, Header, RenderOptions, SqlPlan, Statement, Step, Transaction};
use super::{Dialect, RenderError};
use crate::ops::Op;
use crate::schema::Schema;

/// Renders `ops`, which apply to `before`, as a plan of steps: one per op, or one per table
/// rebuild.
pub(super) fn render<D: Dialect + ?Sized>(
    dialect: &D,
    ops: &[Op],
    before: &Schema,
    options: &RenderOptions,
) -> Result<SqlPlan, RenderError> {
    if ops.is_empty() {
        return Ok(SqlPlan::default());
    }
    Ok(render_owned(dialect, ops, before.clone(), options)?.0)
}

/// [`render`], applying the ops to `state` itself (the schema before them) instead of a copy.
pub(super) fn render_owned<D: Dialect + ?Sized>(
    dialect: &D,
    ops: &[Op],
    mut state: Schema,
    options: &RenderOptions,
) -> Result<(SqlPlan, Schema), RenderError> {
    let mut plan = SqlPlan::default();
    // The online forms are for tables others use: not for those this migration creates.
    let existing: std::collections::BTreeSet<String> = if options.online {
        state.tables.keys().cloned().collect()
    } else {
        Default::default()
    };
    let plain = RenderOptions::default();
    let mut at = 0;
    while at < ops.len() {
        let rest = &ops[at..];
        let first = &rest[0];
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
            plan.steps.push(step(dialect, ops, at..at + 1, sql, false));
            first.apply(&mut state);
            at += 1;
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
        let group = &rest[..len];
        let options = if existing.contains(first.table()) {
            options
        } else {
            &plain
        };
        match render_each(dialect, group, &state, options) {
            Ok(statements) => {
                for (i, (op, sql)) in group.iter().zip(statements).enumerate() {
                    plan.steps
                        .push(step(dialect, ops, at + i..at + i + 1, sql, false));
                    op.apply(&mut state);
                }
            }
            Err(unsupported) if is_alter(first) => {
                let mut body = String::new();
                dialect.rebuild_table(group, &mut state, &mut body, unsupported)?;
                plan.steps
                    .push(step(dialect, ops, at..at + len, body, true));
            }
            Err(unsupported) => return Err(unsupported),
        }
        at += len;
    }
    Ok((plan, state))
}

/// The step of `ops[range]` whose SQL is `body`; `rebuild` when it remakes their table.
fn step<D: Dialect + ?Sized>(
    dialect: &D,
    ops: &[Op],
    range: std::ops::Range<usize>,
    body: String,
    rebuild: bool,
) -> Step {
    let group = &ops[range.clone()];
    let headers: Vec<Header> = group
        .iter()
        .map(|op| Header {
            op: op.to_string(),
            data_loss: super::destructive(op, dialect).map(|d| d.what),
            notes: Vec::new(),
        })
        .collect();
    let loses = headers.iter().any(|h| h.data_loss.is_some());
    let statements = crate::sql::statements(&body)
        .into_iter()
        .map(|s| {
            let sql = s
                .text
                .trim_end()
                .trim_end_matches(';')
                .trim_end()
                .to_owned();
            let mut effects = dialect.statement_effects(group, &sql);
            if rebuild {
                effects.transaction = Some(Transaction::Inside);
                effects.hazards.push(Hazard::Rewrite);
            }
            if loses && destroys(&sql) {
                effects.hazards.push(Hazard::DataLoss);
            }
            effects.hazards.sort();
            effects.hazards.dedup();
            Statement {
                sql,
                transaction: effects.transaction.unwrap_or(Transaction::Either),
                locks: effects.locks,
                hazards: effects.hazards,
            }
        })
        .collect();
    Step {
        ops: range,
        headers,
        body,
        statements,
    }
}

/// True for a statement that removes stored values: `DROP TABLE`, `DROP COLUMN`, a type's
/// label removal (`DROP TYPE`).
fn destroys(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    upper.starts_with("DROP TABLE")
        || upper.starts_with("DROP TYPE")
        || upper.contains(" DROP COLUMN ")
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
        && !op.is_view()
        && !op.is_function()
}

/// Each op of `group` rendered by itself, or the error of the first that cannot be. `state` is
/// left as it is: the group's table is simulated on its own.
fn render_each<D: Dialect + ?Sized>(
    dialect: &D,
    group: &[Op],
    state: &Schema,
    options: &RenderOptions,
) -> Result<Vec<String>, RenderError> {
    let mut table = Schema::new();
    if let Some(t) = group.first().and_then(|op| state.get(op.table())) {
        table.tables.insert(t.name.clone(), t.clone());
    }
    let mut statements = Vec::with_capacity(group.len());
    for (i, op) in group.iter().enumerate() {
        statements.push(dialect.render_op_with(op, table.get(op.table()), options)?);
        if i + 1 < group.len() {
            op.apply(&mut table);
        }
    }
    Ok(statements)
}
