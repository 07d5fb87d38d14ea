//! The models' column defaults, indexes and check constraints that call a function the plan
//! drops to create it again (its interface changes, which `CREATE OR REPLACE` cannot do):
//! dropped before the `DROP FUNCTION` and created again after the `CREATE FUNCTION`, in the same
//! migration, as the declared views and triggers that use it are. `down.sql` is the exact
//! reverse.
//!
//! Only what the models own is moved so: a view or trigger no declaration names, or anything on
//! a table the models do not describe, still blocks the drop ([`crate::depend`] refuses it,
//! naming the user).

use crate::ops::Op;
use crate::schema::{bare_name, Dependent, Schema, Table};

/// What goes around the functions the plan drops and creates again: `before` (ahead of the
/// `DROP FUNCTION`s) and `after` (behind the `CREATE FUNCTION`s). A user that the table changes
/// `ops` drop anyway has its drop moved from `ops` to `before` (and is not created again here:
/// `ops` create the models' new version, if any, after the functions); a default that `ops`
/// change or drop with its column loses it in `before`, and `ops` start from the column without
/// it.
pub(super) fn around(current: &Schema, target: &Schema, ops: &mut Vec<Op>) -> (Vec<Op>, Vec<Op>) {
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let mut done: Vec<(String, String)> = Vec::new();
    for (key, want) in &target.functions {
        let Some(have) = current.functions.get(key) else {
            continue;
        };
        if !have.differs_from(want) || have.replaceable_by(want) {
            continue;
        }
        for d in &have.used_by {
            let Some(table) = table_of(current, ops, d) else {
                continue;
            };
            if !target.tables.contains_key(&table) {
                continue; // a table the plan drops: not the models' any more
            }
            let id = (table.clone(), format!("{}\t{}", d.kind, d.name));
            if done.contains(&id) {
                continue;
            }
            let have_t = &current.tables[&table];
            let moved = match d.kind.as_str() {
                "default" => default(have_t, d, ops, &mut before, &mut after),
                "index" | "constraint" => definition(have_t, &d.name, ops, &mut before, &mut after),
                _ => false,
            };
            if moved {
                done.push(id);
            }
        }
    }
    (before, after)
}

/// The key of the table `d` is on in `current` (the plan's renames applied: the catalog names
/// it by its old name).
fn table_of(current: &Schema, ops: &[Op], d: &Dependent) -> Option<String> {
    let renamed = ops.iter().find_map(|op| match op {
        Op::RenameTable { from, to } if bare_name(from) == d.table => Some(to.clone()),
        _ => None,
    });
    renamed
        .or_else(|| {
            current
                .tables
                .keys()
                .find(|k| bare_name(k) == d.table)
                .cloned()
        })
        .filter(|t| current.tables.contains_key(t))
}

/// The default of column `d.column`: dropped in `before`; set again in `after` unless `ops`
/// change it (then they start from the column without it) or drop the column (which goes
/// without it, so that its reverse adds it back before the old function exists again).
fn default(
    have: &Table,
    d: &Dependent,
    ops: &mut Vec<Op>,
    before: &mut Vec<Op>,
    after: &mut Vec<Op>,
) -> bool {
    let Some(column) = d.column.as_deref().and_then(|c| have.column(c)) else {
        return false;
    };
    if column.default.is_none() {
        return false;
    }
    let mut bare = column.clone();
    bare.default = None;
    before.push(Op::AlterColumn {
        table: have.name.clone(),
        from: column.clone(),
        to: bare.clone(),
        conversion: Default::default(),
    });
    let at = ops.iter().position(|op| match op {
        Op::AlterColumn { table, from, .. } => *table == have.name && from.name == column.name,
        Op::DropColumn { table, column: c } => *table == have.name && c.name == column.name,
        _ => false,
    });
    match at.map(|i| (i, &mut ops[i])) {
        Some((i, Op::AlterColumn { from, to, .. })) => {
            from.default = None;
            if super::same_column(from, to) && from.comment == to.comment {
                ops.remove(i);
            }
        }
        Some((_, Op::DropColumn { column, .. })) => column.default = None,
        _ => after.push(Op::AlterColumn {
            table: have.name.clone(),
            from: bare,
            to: column.clone(),
            conversion: Default::default(),
        }),
    }
    true
}

/// The index or constraint `name` of `have` (a kept definition, or a plain index or a table
/// constraint): its drop moved from `ops` to `before` where `ops` drop it, else dropped in
/// `before` and created again as it is in `after`.
fn definition(
    have: &Table,
    name: &str,
    ops: &mut Vec<Op>,
    before: &mut Vec<Op>,
    after: &mut Vec<Op>,
) -> bool {
    let drops = |op: &Op| match op {
        Op::DropDefinition { table, definition } => {
            *table == have.name
                && definition.trigger_name().is_none()
                && definition.owned_name() == Some(name)
        }
        Op::DropIndex { table, index } => *table == have.name && index.name == name,
        Op::DropTableConstraint { table, constraint } => {
            *table == have.name && constraint.name.as_deref() == Some(name)
        }
        _ => false,
    };
    if let Some(i) = ops.iter().position(drops) {
        before.push(ops.remove(i));
        return true;
    }
    let table = have.name.clone();
    let (drop, create) = if let Some(k) = have
        .unmodeled
        .iter()
        .find(|k| k.trigger_name().is_none() && k.owned_name() == Some(name))
    {
        (
            Op::DropDefinition {
                table: table.clone(),
                definition: k.clone(),
            },
            Op::CreateDefinition {
                table,
                definition: k.clone(),
            },
        )
    } else if let Some(i) = have.indexes.iter().find(|i| i.name == name) {
        (
            Op::DropIndex {
                table: table.clone(),
                index: i.clone(),
            },
            Op::CreateIndex {
                table,
                index: i.clone(),
            },
        )
    } else if let Some(c) = have
        .table_constraints
        .iter()
        .find(|c| c.name.as_deref() == Some(name))
    {
        (
            Op::DropTableConstraint {
                table: table.clone(),
                constraint: c.clone(),
            },
            Op::AddTableConstraint {
                table,
                constraint: c.clone(),
            },
        )
    } else {
        return false;
    };
    before.push(drop);
    after.push(create);
    true
}
