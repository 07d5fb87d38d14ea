//! The functions and triggers the models declare ([`Schema::functions`]; triggers as declared
//! kept definitions of their table): created, replaced, or dropped and created again, around the
//! table changes.
//!
//! The order a plan runs them in:
//! - before the tables change: the declared triggers that change (or stand on a column the
//!   plan drops or retypes, or call a function that must be dropped) are dropped, then the
//!   models' defaults, indexes and checks calling a function whose interface changes
//!   ([`super::function_users`]), then those functions (`CREATE OR REPLACE` cannot change a
//!   result type or an argument's name or default);
//! - still before: functions created or replaced, so that a new table's default, check, index
//!   or trigger can use them, then the defaults, indexes and checks dropped above;
//! - after the tables change (and the views): the SQL functions that read a table or view the
//!   plan creates (PostgreSQL checks a SQL function's body when it is created), then the
//!   declared triggers dropped above, and new ones on tables that were already there (a new
//!   table creates its triggers with it).
//!
//! As for views, a function or trigger is the models' when they declare it: one the database
//! has and no model declares is left alone, unless the models own every object
//! ([`Schema::owns_objects`], Retort.toml `objects = "owned"`): then it is dropped (triggers
//! before the tables change, functions at the end).

use crate::ops::Op;
use crate::schema::{Dependent, Function, Kept, Schema, Table};

/// The ops on functions and declared triggers, in three groups: the drops of functions whose
/// body names a renamed table ([`reads_renamed`]), before the renames; `before` the table changes (in
/// order: trigger drops, the drops of `users`, function drops, then function creations and
/// replacements, then the re-creations of `users`), `after` the table changes and views (late
/// functions, then triggers). `table_ops` are the tables' ops, `view_ops` the views' (to find
/// what a SQL function reads that the plan creates); `users` the models' defaults, indexes and
/// checks around the functions dropped and created again ([`super::function_users`]).
pub(super) fn routine_ops(
    current: &Schema,
    target: &Schema,
    table_ops: &[Op],
    view_ops: &[Op],
    users: (Vec<Op>, Vec<Op>),
) -> (Vec<Op>, Vec<Op>, Vec<Op>) {
    let (users_before, users_after) = users;
    let (mut drops, mut creates, mut late) = (Vec::new(), Vec::new(), Vec::new());
    let mut dropped_functions: Vec<&Function> = Vec::new();
    // The tables the plan creates or changes, and the views it creates: a SQL function whose
    // body reads one is created after the tables change (PostgreSQL checks the body).
    let created: Vec<&str> = table_ops
        .iter()
        .chain(view_ops)
        .filter_map(|op| match op {
            Op::CreateView(v) | Op::ReplaceView { to: v, .. } => Some(v.name.as_str()),
            Op::DropTable(_) | Op::DropView(_) => None,
            op if !op.is_schema() && !op.is_enum() && !op.is_function() => Some(op.table()),
            _ => None,
        })
        .collect();
    let called = called_by_triggers(target);
    // The functions the models' tables use (a default, a generated column, a check, an index
    // expression): created before the tables change, whatever they read.
    let used_by_tables = |name: &str| {
        target.tables.values().any(|t| {
            t.columns.iter().any(|c| {
                c.default
                    .as_deref()
                    .is_some_and(|d| crate::sql::mentions(d, name))
                    || c.generated
                        .as_ref()
                        .is_some_and(|g| crate::sql::mentions(&g.expr, name))
            }) || t.table_constraints.iter().any(|k| match &k.kind {
                crate::schema::ConstraintKind::Check { expr, .. } => {
                    crate::sql::mentions(expr, name)
                }
                crate::schema::ConstraintKind::Other { sql } => crate::sql::mentions(sql, name),
                crate::schema::ConstraintKind::Unique { .. } => false,
            }) || t
                .indexes
                .iter()
                .any(|i| i.options.keys.iter().any(|k| crate::sql::mentions(k, name)))
                || t.unmodeled
                    .iter()
                    .any(|k| k.trigger_name().is_none() && crate::sql::mentions(k.sql(), name))
        })
    };
    for key in creation_order(target) {
        let want = &target.functions[key];
        let op = match current.functions.get(key) {
            None => Op::CreateFunction(want.clone()),
            // A target as read (a squash) wants its comment too.
            Some(have)
                if !(have.differs_from(want)
                    || (target.objects_as_read && have.comment != want.comment)) =>
            {
                continue
            }
            Some(have) if !recreated(have, want, table_ops) => Op::ReplaceFunction {
                from: have.clone(),
                to: want.clone(),
            },
            Some(have) => {
                dropped_functions.push(have);
                // Created again with the comment the database has on it (a target as read
                // has its own).
                let comment = match target.objects_as_read {
                    true => want.comment.clone(),
                    false => have.comment.clone(),
                };
                Op::CreateFunction(Function {
                    comment,
                    ..want.clone()
                })
            }
        };
        let reads_new = created
            .iter()
            .any(|name| crate::sql::routine_mentions(&want.sql, crate::schema::bare_name(name)));
        let bare = crate::schema::bare_name(&want.name);
        if reads_new && !called.contains(&bare) && !used_by_tables(bare) {
            late.push(op);
        } else {
            creates.push(op);
        }
    }
    let mut trigger_drops = Vec::new();
    let mut trigger_creates = Vec::new();
    for (name, want) in &target.tables {
        let Some(have) = current.tables.get(name) else {
            continue; // a new table creates its triggers with it
        };
        let (drops, late_drops, creates) = super::triggers::table_trigger_ops(
            current,
            target,
            (have, want),
            table_ops,
            &dropped_functions,
        );
        trigger_drops.extend(drops);
        trigger_creates.extend(late_drops);
        trigger_creates.extend(creates);
    }
    let mut before = trigger_drops;
    before.extend(users_before);
    // A function dropped because its body names a renamed table goes before the renames (see
    // `recreated`); the others after them, with what uses them.
    let mut before_renames = Vec::new();
    for f in &dropped_functions {
        let op = Op::DropFunction((*f).clone());
        if reads_renamed(f, &target.functions[&f.key()], table_ops) {
            before_renames.push(op);
        } else {
            before.push(op);
        }
    }
    before.extend(creates);
    before.extend(users_after);
    drops.append(&mut before);
    let mut after = late;
    after.extend(trigger_creates);
    // Functions the models do not declare, where they own every function: dropped last, once
    // nothing the plan keeps or creates uses them; but one whose body reads a table or view
    // the plan drops (and that no trigger executes) before the tables change, so that the
    // reverse creates it once they are back (PostgreSQL checks a SQL function's body).
    if target.owns_objects {
        let gone: Vec<&str> = current
            .tables
            .keys()
            .filter(|t| !target.tables.contains_key(*t))
            .chain(
                current
                    .views
                    .keys()
                    .filter(|v| !target.views.contains_key(*v)),
            )
            .map(|n| crate::schema::bare_name(n))
            .collect();
        let executed = called_by_triggers(current);
        // Those that call others first: the reverse creates them after.
        let mut order = creation_order(current);
        order.reverse();
        for key in order {
            let f = &current.functions[key];
            if target.functions.contains_key(key) {
                continue;
            }
            let reads_gone = gone.iter().any(|n| crate::sql::routine_mentions(&f.sql, n));
            if reads_gone && !executed.contains(&crate::schema::bare_name(&f.name)) {
                drops.push(Op::DropFunction(f.clone()));
            } else {
                after.push(Op::DropFunction(f.clone()));
            }
        }
    }
    (before_renames, drops, after)
}

/// Whether the plan drops `have` and creates `want` rather than replacing it in place
/// (`CREATE OR REPLACE`): its interface changes (PostgreSQL cannot change a result type or an
/// argument's name or default in place), or it is a SQL function whose body, before or after,
/// names a table `ops` rename ([`reads_renamed`]).
pub(crate) fn recreated(have: &Function, want: &Function, ops: &[Op]) -> bool {
    have.differs_from(want) && (!have.replaceable_by(want) || reads_renamed(have, want, ops))
}

/// Whether `have` becoming `want` is a SQL function (`LANGUAGE sql`, whose body PostgreSQL
/// checks when it is created) whose body, before or after, names a table `ops` rename (by
/// either name). No single place for a `CREATE OR REPLACE` serves both directions then (up
/// needs the new name, down the old one), so the function is dropped before the rename and
/// created after it: each direction creates its body once the table has the name it reads.
pub(crate) fn reads_renamed(have: &Function, want: &Function, ops: &[Op]) -> bool {
    let sql = |f: &Function| crate::sql::routine_language(&f.sql).as_deref() == Some("sql");
    if !have.differs_from(want) || !(sql(have) || sql(want)) {
        return false;
    }
    ops.iter().any(|op| match op {
        Op::RenameTable { from, to } => [from, to].iter().any(|n| {
            let n = crate::schema::bare_name(n);
            crate::sql::routine_mentions(&have.sql, n) || crate::sql::routine_mentions(&want.sql, n)
        }),
        _ => false,
    })
}

/// `schema`'s functions (keys) in an order where a function comes after those whose names
/// its statement mentions (a SQL function's body calling another: PostgreSQL checks it when
/// it is created); ties and cycles by key.
fn creation_order(schema: &Schema) -> Vec<&str> {
    let keys: Vec<&str> = schema.functions.keys().map(String::as_str).collect();
    let name = |k: &str| crate::schema::bare_name(&schema.functions[k].name).to_owned();
    let mut out: Vec<&str> = Vec::with_capacity(keys.len());
    while out.len() < keys.len() {
        let ready = keys.iter().copied().find(|k| {
            !out.contains(k)
                && keys.iter().all(|other| {
                    other == k
                        || out.contains(other)
                        || name(other) == name(k)
                        || !crate::sql::routine_mentions(&schema.functions[*k].sql, &name(other))
                })
        });
        let next = ready.unwrap_or_else(|| {
            keys.iter()
                .copied()
                .find(|k| !out.contains(k))
                .expect("a remaining function")
        });
        out.push(next);
    }
    out
}

/// A trigger the models declare.
pub(crate) fn is_declared_trigger(k: &Kept) -> bool {
    k.trigger_name().is_some() && k.is_owned()
}

/// The (bare) names of the functions the triggers of `schema`'s tables and views execute.
fn called_by_triggers(schema: &Schema) -> Vec<&str> {
    let mut out = Vec::new();
    let triggers = schema
        .tables
        .values()
        .flat_map(|t| t.unmodeled.iter())
        .chain(schema.views.values().flat_map(|v| v.triggers.iter()));
    for k in triggers.filter(|k| k.trigger_name().is_some()) {
        if let Some((f, _)) = crate::sql::trigger_header(k.sql()).and_then(|h| h.function) {
            let at = k.sql().find(&f).unwrap_or(0);
            // The name as written in the statement, borrowed from it.
            out.push(crate::schema::bare_name(&k.sql()[at..at + f.len()]));
        }
    }
    out
}

/// Whether trigger `live` executes one of `functions`.
pub(super) fn calls(live: &Kept, functions: &[&Function]) -> bool {
    let Some((f, _)) = crate::sql::trigger_header(live.sql()).and_then(|h| h.function) else {
        return false;
    };
    functions
        .iter()
        .any(|g| crate::schema::bare_name(&g.name) == crate::schema::bare_name(&f))
}

/// Whether trigger `name` of `have` uses a column that `table_ops` drop or retype (the
/// database's dependency catalog says which): it goes before and comes back after.
pub(super) fn under_change(
    current: &Schema,
    have: &Table,
    want: &Table,
    name: &str,
    table_ops: &[Op],
) -> bool {
    let id = format!("{name} on {}", have.name);
    current
        .dependents
        .iter()
        .filter(|d: &&Dependent| d.kind == "trigger" && d.name == id && d.table == have.name)
        .any(|d| {
            let Some(c) = d.column.as_deref() else {
                return false;
            };
            let retyped = have
                .column(c)
                .zip(want.column(c))
                .is_some_and(|(o, n)| o.ty != n.ty);
            let dropped = table_ops.iter().any(
                |op| matches!(op, Op::DropColumn { table, column } if *table == have.name && column.name == c),
            );
            retyped || dropped
        })
}
