//! The views the models declare ([`Schema::views`]): created after the tables change, dropped
//! before them, replaced when their definition changes, and dropped and created again around a
//! change of a table or column they read. A view's triggers ([`View::triggers`]) go with it.
//!
//! A view is the models' when the target declares it. One the database has and no model
//! declares is left alone: never dropped, and what depends on it is refused as before
//! ([`crate::depend`]).

use crate::ops::Op;
use crate::schema::{bare_name, Dependent, Kept, Schema, View};

/// The views to drop before the table changes `table_ops` and to create (or replace) after
/// them: `(before, after)`. A view's triggers ([`View::triggers`]) go with it: those that stay
/// are carried by its ops (a view created again gets them back); those that change are dropped
/// first and created after the views ([`trigger_changes`]).
pub(super) fn view_ops(current: &Schema, target: &Schema, table_ops: &[Op]) -> (Vec<Op>, Vec<Op>) {
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let (mut trigger_drops, mut trigger_creates) = (Vec::new(), Vec::new());
    let rebuilt = under_changes(current, target, table_ops);
    for name in creation_order(target) {
        let want = &target.views[name];
        let Some(have) = current.views.get(name) else {
            after.push(Op::CreateView(want.clone()));
            continue;
        };
        let (kept, drops, creates) = trigger_changes(current, target, have, want, table_ops);
        let carrying = |v: &View| View {
            triggers: kept.clone(),
            ..v.clone()
        };
        if rebuilt.contains(&name)
            || (have.differs_from(want) && (have.materialized || want.materialized))
            || (target.objects_as_read && other_indexes(have, want))
        {
            before.push(Op::DropView(carrying(have)));
            // A target as read (a squash) has the indexes it wants.
            let created = if target.objects_as_read {
                want.clone()
            } else {
                with_indexes(have, want)
            };
            after.push(Op::CreateView(carrying(&created)));
        } else if have.differs_from(want) {
            after.push(Op::ReplaceView {
                from: carrying(have),
                to: carrying(&with_indexes(have, want)),
            });
        }
        trigger_drops.extend(drops.into_iter().map(|definition| Op::DropDefinition {
            table: name.to_owned(),
            definition,
        }));
        trigger_creates.extend(creates.into_iter().map(|definition| Op::CreateDefinition {
            table: name.to_owned(),
            definition,
        }));
    }
    // Views the models do not declare, where they own every view: dropped, readers first.
    if target.owns_objects {
        for name in creation_order(current) {
            if !target.views.contains_key(name) {
                before.push(Op::DropView(current.views[name].clone()));
            }
        }
    }
    // Dropped in the reverse of their creation order: a view that reads another goes first;
    // the triggers that change before them.
    before.reverse();
    trigger_drops.append(&mut before);
    after.append(&mut trigger_creates);
    (trigger_drops, after)
}

/// The triggers of view `have` (the database's) against those the models declare on `want`:
/// `(kept, dropped, created)`. Kept: the database's that the models declare alike (and whose
/// function the plan does not drop and create again), and those they do not name unless they
/// own every object; dropped: the others; created: the declared ones not kept.
fn trigger_changes(
    current: &Schema,
    target: &Schema,
    have: &View,
    want: &View,
    table_ops: &[Op],
) -> (Vec<Kept>, Vec<Kept>, Vec<Kept>) {
    let recreated: Vec<&str> = target
        .functions
        .iter()
        .filter_map(|(key, f)| {
            let old = current.functions.get(key)?;
            crate::diff::routines::recreated(old, f, table_ops).then(|| bare_name(&old.name))
        })
        .collect();
    let calls_recreated = |k: &Kept| {
        crate::sql::trigger_header(k.sql())
            .and_then(|h| h.function)
            .is_some_and(|(f, _)| recreated.contains(&bare_name(&f)))
    };
    let (mut kept, mut dropped) = (Vec::new(), Vec::new());
    for live in &have.triggers {
        let declared = want
            .triggers
            .iter()
            .find(|k| k.trigger_name() == live.trigger_name());
        let keep = match declared {
            Some(d) => live.same(d) && !calls_recreated(live),
            None => !target.owns_objects,
        };
        if keep {
            kept.push(live.clone());
        } else {
            dropped.push(live.clone());
        }
    }
    let created = want
        .triggers
        .iter()
        .filter(|d| !kept.iter().any(|k| k.trigger_name() == d.trigger_name()))
        .cloned()
        .collect();
    (kept, dropped, created)
}

/// Whether materialized view `want` has other indexes than `have` (a target as read: the
/// indexes it wants are known).
fn other_indexes(have: &View, want: &View) -> bool {
    let sorted = |v: &View| {
        let mut i = v.indexes.clone();
        i.sort();
        i
    };
    want.materialized && sorted(have) != sorted(want)
}

/// `want` with the options of `have` when it has none of its own ([`View::options`]), and
/// the indexes of `have` (a materialized view the plan drops and creates again) that name none
/// of the columns `want` no longer has.
fn with_indexes(have: &View, want: &View) -> View {
    let mut view = want.clone();
    if view.options.is_empty() {
        view.options.clone_from(&have.options);
    }
    if !(have.materialized && want.materialized) {
        return view;
    }
    let gone: Vec<&str> = have
        .columns
        .iter()
        .filter(|c| !want.columns.iter().any(|w| w.name == c.name))
        .map(|c| c.name.as_str())
        .collect();
    view.indexes = have
        .indexes
        .iter()
        .filter(|i| !gone.iter().any(|c| crate::sql::mentions(i, c)))
        .cloned()
        .collect();
    view
}

/// The target's views in an order where a view comes after the views it reads: those the
/// dependency catalog says ([`View::needs`], PostgreSQL's `pg_depend`), else those its query
/// names (ties and cycles by name).
pub(crate) fn creation_order(target: &Schema) -> Vec<&str> {
    let names: Vec<&str> = target.views.keys().map(String::as_str).collect();
    let reads = |n: &str, other: &str| {
        let view = &target.views[n];
        if view.needs.is_empty() {
            crate::sql::mentions(&view.sql, other)
        } else {
            view.needs.iter().any(|x| x == other)
        }
    };
    let mut out: Vec<&str> = Vec::with_capacity(names.len());
    while out.len() < names.len() {
        let ready = names.iter().copied().find(|n| {
            !out.contains(n)
                && names
                    .iter()
                    .all(|other| other == n || out.contains(other) || !reads(n, other))
        });
        let next = ready.unwrap_or_else(|| {
            names
                .iter()
                .copied()
                .find(|n| !out.contains(n))
                .expect("a remaining view")
        });
        out.push(next);
    }
    out
}

/// The models' views (in both schemas) that read a table `table_ops` drops, or a column they
/// drop or retype: such a view must go before the change and come back after it.
fn under_changes<'a>(current: &'a Schema, target: &'a Schema, table_ops: &'a [Op]) -> Vec<&'a str> {
    let managed = |d: &&'a Dependent| {
        (d.kind == "view" || d.kind == "materialized view")
            && current.views.contains_key(&d.name)
            && target.views.contains_key(&d.name)
    };
    let mut out: Vec<&str> = Vec::new();
    // A managed view calling a function the plan drops to create it again (its interface
    // changes, or its SQL body names a renamed table): dropped before and created after (PostgreSQL refuses to drop a function a
    // view uses).
    for (key, want) in &target.functions {
        let Some(have) = current.functions.get(key) else {
            continue;
        };
        if crate::diff::routines::recreated(have, want, table_ops) {
            for d in have.used_by.iter().filter(|d| d.kind == "view") {
                if let Some((name, _)) = current
                    .views
                    .get_key_value(&d.name)
                    .filter(|(n, _)| target.views.contains_key(*n))
                {
                    if !out.contains(&name.as_str()) {
                        out.push(name);
                    }
                }
            }
        }
    }
    // A view naming a table or column the plan renames (either name): PostgreSQL rewrites a
    // view with a rename, so a replacement in place would run on the wrong side of it one way
    // or the other; it is dropped before the renames and created after.
    let renamed: Vec<&str> = table_ops
        .iter()
        .flat_map(|op| match op {
            Op::RenameTable { from, to } => vec![bare_name(from), bare_name(to)],
            Op::RenameColumn { from, to, .. } => vec![from.as_str(), to.as_str()],
            _ => Vec::new(),
        })
        .collect();
    for (name, want) in &target.views {
        let Some(have) = current.views.get(name) else {
            continue;
        };
        if renamed
            .iter()
            .any(|r| crate::sql::mentions(&have.sql, r) || crate::sql::mentions(&want.sql, r))
        {
            out.push(name);
        }
    }
    for op in table_ops {
        let hits: Vec<&Dependent> = match op {
            Op::DropTable(t) => current
                .dependents
                .iter()
                .filter(managed)
                .filter(|d| d.table == t.name)
                .collect(),
            Op::DropColumn { table, column } => on_column(current, table, &column.name)
                .filter(managed)
                .collect(),
            Op::AlterColumn {
                table, from, to, ..
            } if from.ty != to.ty => on_column(current, table, &from.name)
                .filter(managed)
                .collect(),
            _ => Vec::new(),
        };
        for d in hits {
            if !out.contains(&d.name.as_str()) {
                out.push(&d.name);
            }
        }
    }
    out
}

fn on_column<'s>(
    current: &'s Schema,
    table: &'s str,
    column: &'s str,
) -> impl Iterator<Item = &'s Dependent> {
    current
        .dependents
        .iter()
        .filter(move |d| d.table == table && d.column.as_deref() == Some(column))
}

/// Whether `view` (as `current` has it) is one the plan drops: what depends on it is then no
/// refusal.
pub(crate) fn dropped_by(ops: &[Op], name: &str) -> bool {
    ops.iter()
        .any(|op| matches!(op, Op::DropView(v) if v.name == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_follow_the_catalogs_dependencies_else_the_names_they_mention() {
        let mut schema = Schema::default();
        for (name, sql) in [
            ("a_totals", "SELECT sum(n) FROM b_counts"),
            ("b_counts", "SELECT count(*) AS n FROM items"),
            ("c_all", "SELECT * FROM items"),
        ] {
            schema
                .views
                .insert(name.into(), crate::sql::view(name, sql, false));
        }
        // By the names the queries mention: b_counts before a_totals.
        assert_eq!(creation_order(&schema), ["b_counts", "a_totals", "c_all"]);
        // The catalog's word wins over the text: c_all reads a_totals (a name built at run
        // time, say), and a_totals reads b_counts.
        schema.views.get_mut("c_all").unwrap().needs = vec!["a_totals".into()];
        schema.views.get_mut("a_totals").unwrap().needs = vec!["b_counts".into()];
        assert_eq!(creation_order(&schema), ["b_counts", "a_totals", "c_all"]);
        schema.views.get_mut("a_totals").unwrap().needs = vec!["c_all".into()];
        schema.views.get_mut("c_all").unwrap().needs.clear();
        assert_eq!(creation_order(&schema), ["b_counts", "c_all", "a_totals"]);
    }
}
