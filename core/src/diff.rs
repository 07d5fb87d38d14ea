//! Compares two schemas and produces the ops that turn the current one into the target.
//!
//! Both schemas must already be normalised by the same dialect (see
//! [`crate::dialect::Dialect::normalize`]) so that spellings the database reports differently
//! from the models (type aliases, default quoting) compare equal.
//!
//! Order: the models' schemas the database lacks first ([`Op::CreateSchema`]), then enum types (new ones created, labels added: see [`Op::AlterEnum`]), so
//! tables and columns can use them; then changes to existing tables (by name; per table: drop indexes, drop foreign keys, add
//! columns, alter columns, comments (table, then columns), primary key, identity, drop columns, add foreign keys, create
//! indexes), then dropped tables (children before parents; a new table may reuse the index and
//! constraint names of a dropped one), then new tables (parents before children), then the
//! existing tables' new foreign keys that reference a new table, then the enum labels removed (after the defaults and columns that held them changed). So a new
//! table can reference a column the same migration adds, and a key column is dropped only after
//! the key that replaces it.
//!
//! Foreign keys that form a cycle between new tables (`a.b_id -> b`, `b.a_id -> a`) cannot all
//! be written inline: whatever the order, one `CREATE TABLE` would reference a table that does
//! not exist yet (PostgreSQL refuses it). Such a table is created without the keys that point to
//! a table created later, and those keys are added (`AddForeignKey`) after all creates.
//! Symmetrically, before dropping tables in a cycle, the keys that point to a table dropped
//! earlier are dropped first (`DropForeignKey`), and the dropped table carries its shape
//! without them; so the reverse of either list is valid too. A table referencing itself keeps
//! that key inline.
//!
//! Enum types ([`Schema::enums`], PostgreSQL) are the models' when a model uses them: one the
//! database has and no model uses is left alone (never dropped), like any type the models do
//! not describe. Only the reverse of a created type drops it, after the tables.

use crate::ops::Op;
use crate::schema::{
    Column, ColumnClause, ConstraintKind, ForeignKey, Kept, Schema, Table, TableConstraint,
};

mod function_users;
pub(crate) mod routines;
mod table;
mod triggers;
pub(crate) mod views;
use table::diff_table;

/// The ops that turn `current` into `target`. Deterministic: equal inputs give equal output.
pub fn diff(current: &Schema, target: &Schema) -> Vec<Op> {
    // Renames first (see `rename`); the rest compares the renamed tables.
    let (renames, renamed) = crate::rename::renames(current, target);
    let current = &renamed;
    // The schemas the models name that the database lacks come first (see `Op::CreateSchema`).
    let mut ops: Vec<Op> = target
        .other_schemas()
        .into_iter()
        .filter(|name| !current.schemas.contains(name))
        .map(|name| Op::CreateSchema { name })
        .collect();
    ops.extend(renames);

    // Labels are added before the tables change (a column may take a new label) and removed
    // after (a default moves off a label before it goes), so the reverse holds too.
    let mut removals = Vec::new();
    for (name, labels) in &target.enums {
        match current.enums.get(name) {
            None => ops.push(Op::CreateEnum {
                name: name.clone(),
                labels: labels.clone(),
            }),
            Some(have) if have != labels => {
                let mid = with_removed(have, labels);
                if mid != *have {
                    ops.push(Op::AlterEnum {
                        name: name.clone(),
                        from: have.clone(),
                        to: mid.clone(),
                    });
                }
                if mid != *labels {
                    removals.push(Op::AlterEnum {
                        name: name.clone(),
                        from: mid,
                        to: labels.clone(),
                    });
                }
            }
            Some(_) => {}
        }
    }

    let created: Vec<&str> = target
        .tables
        .keys()
        .filter(|name| !current.tables.contains_key(*name))
        .map(String::as_str)
        .collect();
    let created = target.dependency_order(&created);

    // Existing tables change first, so a new table's foreign key can reference a column (and
    // its unique index) that this migration adds; their new keys that reference a new table
    // wait until it exists.
    let mut to_new_tables = Vec::new();
    for (name, want) in &target.tables {
        if let Some(have) = current.tables.get(name) {
            let mut changes = Vec::new();
            let retyped = retyped_dependents(current, have, want);
            diff_table(have, want, &retyped, &mut changes);
            for op in changes {
                match op {
                    Op::AddForeignKey { ref fk, .. }
                        if created.contains(&fk.ref_table.as_str()) =>
                    {
                        to_new_tables.push(op)
                    }
                    op => ops.push(op),
                }
            }
        }
    }

    // Dropped tables go before the new ones: a table replaced by one of another name (no
    // `renamed_from`) frees its index and constraint names, which PostgreSQL keeps per schema.
    let dropped: Vec<&str> = current
        .tables
        .keys()
        .filter(|name| !target.tables.contains_key(*name))
        .map(String::as_str)
        .collect();
    let dropped = current.dependency_order(&dropped);
    let closing = forward_keys(current, &dropped);
    for (table, fk) in closing.iter().rev() {
        ops.push(Op::DropForeignKey {
            table: table.clone(),
            fk: fk.clone(),
        });
    }
    for name in dropped.iter().rev() {
        ops.push(Op::DropTable(without(&current.tables[*name], &closing)));
    }

    let deferred = forward_keys(target, &created);
    for name in &created {
        ops.push(Op::CreateTable(without(&target.tables[*name], &deferred)));
    }
    for (table, fk) in &deferred {
        ops.push(Op::AddForeignKey {
            table: table.clone(),
            fk: fk.clone(),
        });
    }
    ops.extend(to_new_tables);

    ops.extend(removals);

    // The models' defaults, indexes and checks calling a function the plan drops and creates
    // again: around it (see `function_users`).
    let users = function_users::around(current, target, &mut ops);
    // The models' views: dropped before the tables change (those that must be), created or
    // replaced after.
    let (before, after) = views::view_ops(current, target, &ops);
    // The models' functions and triggers: around the tables and views (see `routines`).
    let (before_renames, routines_before, routines_after) =
        routines::routine_ops(current, target, &ops, &after, users);
    // Views go before the renames (by their name; their text is the database's), and the
    // functions whose body names a renamed table; the triggers and the other functions after
    // them, by the tables' new names.
    let at = ops.iter().take_while(|op| op.is_schema()).count();
    let renamed = ops[at..].iter().take_while(|op| op.is_rename()).count();
    ops.splice(at + renamed..at + renamed, routines_before);
    ops.splice(at..at, before.into_iter().chain(before_renames));
    let (after, routines_after) = late_functions_before_their_views(after, routines_after);
    ops.extend(after);
    ops.extend(routines_after);
    ops
}

/// The views' ops `after` and the routines' ops after them, with each function created or
/// replaced there (a SQL function reading what the plan creates) moved just before the first
/// view that calls it: PostgreSQL checks a view's query when it is created.
fn late_functions_before_their_views(mut after: Vec<Op>, routines: Vec<Op>) -> (Vec<Op>, Vec<Op>) {
    let mut rest = Vec::with_capacity(routines.len());
    for op in routines {
        let called = match &op {
            Op::CreateFunction(f) | Op::ReplaceFunction { to: f, .. } => {
                let name = crate::schema::bare_name(&f.name);
                after.iter().position(|v| {
                    matches!(v, Op::CreateView(v) | Op::ReplaceView { to: v, .. }
                        if crate::sql::mentions(&v.sql, name))
                })
            }
            _ => None,
        };
        match called {
            Some(at) => after.insert(at, op),
            None => rest.push(op),
        }
    }
    (after, rest)
}

/// The labels `to` with those of `from` that it lacks put back, each right after the label
/// before it in `from` (first when it was first): the type on its way from `from` to `to`,
/// holding both.
fn with_removed(from: &[String], to: &[String]) -> Vec<String> {
    let mut mid = to.to_vec();
    for (i, label) in from.iter().enumerate() {
        if mid.contains(label) {
            continue;
        }
        let at = match i.checked_sub(1) {
            Some(p) => mid.iter().position(|l| *l == from[p]).map_or(0, |q| q + 1),
            None => 0,
        };
        mid.insert(at, label.clone());
    }
    mid
}

/// The foreign keys of `order`'s tables that point to a table later in `order` (other than
/// the table itself): keys closing a cycle, which cannot be created inline (or dropped with
/// their table) in that order. In `order`, then key, order.
fn forward_keys(schema: &Schema, order: &[&str]) -> Vec<(String, ForeignKey)> {
    let position = |name: &str| order.iter().position(|n| *n == name);
    let mut keys = Vec::new();
    for (i, name) in order.iter().enumerate() {
        for fk in &schema.tables[*name].foreign_keys {
            if fk.ref_table != *name && position(&fk.ref_table).is_some_and(|p| p > i) {
                keys.push((name.to_string(), fk.clone()));
            }
        }
    }
    keys
}

/// `table` without the keys of `keys` that belong to it.
fn without(table: &Table, keys: &[(String, ForeignKey)]) -> Table {
    let mut t = table.clone();
    let before = t.foreign_keys.len();
    t.foreign_keys
        .retain(|fk| !keys.iter().any(|(n, k)| *n == table.name && k == fk));
    if t.foreign_keys.len() != before {
        t.written.forget();
    }
    t.renamed_from = None;
    t.columns.iter_mut().for_each(|c| c.renamed_from = None);
    t
}

/// Equal in everything the models say: [`Column::extra`] (what introspection kept that the
/// models cannot say) is not a difference.
fn same_column(a: &Column, b: &Column) -> bool {
    // A column's constraint clauses are the models' (as the table's are); its other clauses
    // are not compared. Its comment is compared apart ([`Op::AlterComment`]), a rename is no
    // difference, and the spelling is how it was written. Compared field by field (no copy:
    // every column of a large schema passes here).
    let Column {
        name,
        ty,
        nullable,
        default,
        extra: _,
        comment: _,
        renamed_from: _,
        generated: _,
        spelling: _,
    } = a;
    *name == b.name
        && *ty == b.ty
        && *nullable == b.nullable
        && *default == b.default
        && same_generation(a, b)
        && owned_clauses(a) == owned_clauses(b)
}

/// The constraint clauses of a column (`CHECK`, `UNIQUE`): the models own them. In
/// `sql::comparable` form, for comparison only.
fn owned_clauses(c: &Column) -> Vec<ColumnClause> {
    c.extra
        .iter()
        .filter(|x| x.is_constraint())
        // A column's check is its expression: the models cannot name it.
        .map(|x| match x.check_expr() {
            Some(expr) => format!("CHECK ( {} )", crate::sql::comparable(expr)),
            None => crate::sql::comparable(x.sql()),
        })
        .map(crate::sql::column_clause)
        .collect()
}

/// Whether the columns are generated alike (or both plain), spelling aside.
fn same_generation(a: &Column, b: &Column) -> bool {
    match (&a.generated, &b.generated) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            x.stored == y.stored
                && crate::sql::comparable(&x.expr) == crate::sql::comparable(&y.expr)
        }
        _ => false,
    }
}

/// Whether `clauses` holds `clause` (a table-constraint clause or a kept definition), spelling
/// aside (`sql::comparable`): a hand-written `ON t(a) WHERE a>0` is the models'
/// `ON "t" ("a") WHERE a > 0`.
fn contains_clause(definitions: &[Kept], definition: &Kept) -> bool {
    definitions.iter().any(|d| d.same(definition))
}

/// Whether `clauses` (a table's constraint clauses) holds the constraint `clause` is
/// (`sql::same_constraint`: an unnamed SQLite check is the models' check of the same
/// expression, whatever they name it).
fn contains_constraint(constraints: &[TableConstraint], constraint: &TableConstraint) -> bool {
    constraints
        .iter()
        .any(|c| crate::sql::same_constraint(c, constraint))
}

/// The columns of each `UNIQUE` constraint written inside `table`'s `CREATE TABLE` (SQLite):
/// a table constraint's list, or a column's own clause.
fn inline_uniques(table: &Table) -> Vec<Vec<String>> {
    let of_table = table
        .table_constraints
        .iter()
        .filter_map(|c| match &c.kind {
            ConstraintKind::Unique { columns } => Some(columns.clone()),
            _ => None,
        });
    let of_columns = table.columns.iter().flat_map(|column| {
        column
            .extra
            .iter()
            .filter(|x| x.is_unique())
            .map(|_| vec![column.name.clone()])
    });
    of_table.chain(of_columns).collect()
}

/// Whether `table` has a plain unique index over `columns`: the models' `unique`, which an
/// SQLite `UNIQUE` constraint over the same columns written in `CREATE TABLE` is too.
fn declares_unique(table: &Table, columns: &[String]) -> bool {
    table
        .indexes
        .iter()
        .any(|i| i.unique && i.is_plain() && crate::sql::same_columns(&i.columns, columns))
}

/// A column's own `UNIQUE` clauses that `want` declares as a unique index over that column.
fn declared_unique_clauses<'a>(column: &'a Column, want: &Table) -> Vec<&'a ColumnClause> {
    column
        .extra
        .iter()
        .filter(|x| x.is_unique())
        .filter(|_| declares_unique(want, std::slice::from_ref(&column.name)))
        .collect()
}

/// The column `want` as the models describe it, keeping the clauses of `have` that the models
/// cannot say, and `have`'s comment: a comment changes by its own op ([`Op::AlterComment`]),
/// so that an `AlterColumn` and its reverse never touch comments. Those describe the column, not its type: SQLite accepts `CHECK`, `COLLATE`,
/// `UNIQUE` and `GENERATED` with every declared type, so they all stay across a type,
/// nullability or default change. The one clause that can no longer apply is the generation
/// of a column to which the models give a default (SQLite refuses both on one column): the
/// models then make it a plain column, and its current values are copied into it.
fn altered(have: &Column, want: &Column) -> Column {
    let mut to = want.clone();
    to.comment = have.comment.clone();
    to.renamed_from = None;
    // Where the models agree, the column stays written as it was (`DATETIME`, `DEFAULT NULL`).
    to.spelling = crate::schema::Spelling {
        ty: have.spelling.ty.clone().filter(|_| have.ty == want.ty),
        null_default: have.spelling.null_default && want.default.is_none(),
    };
    // The clauses the models do not own stay; the constraints are the models' own.
    to.extra = have
        .extra
        .iter()
        .filter(|c| !c.is_constraint())
        .filter(|c| !c.is_generated() || (want.default.is_none() && same_generation(have, want)))
        .chain(want.extra.iter().filter(|x| x.is_constraint()))
        .cloned()
        .collect();
    to
}

/// The names of the kept definitions on `have` that stand in the way of a type change the
/// models make (PostgreSQL re-checks them against the new type): those both sides declare are
/// dropped before the change and re-created after it.
fn retyped_dependents(current: &Schema, have: &Table, want: &Table) -> Vec<String> {
    current
        .dependents
        .iter()
        .filter(|d| d.table == have.name && d.blocks_type_change)
        .filter(|d| {
            d.column.as_deref().is_some_and(|c| {
                let (old, new) = (have.column(c), want.column(c));
                old.zip(new).is_some_and(|(o, n)| o.ty != n.ty)
            })
        })
        .map(|d| d.name.clone())
        .collect()
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
