//! Autogenerate: compare the live database with the models and write the migration.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use crate::db::Connection;
use crate::dialect::{RenderOptions, SqlPlan};
use crate::ignore::Ignore;
use crate::ops::{reverse_all, Op};
use crate::schema::Schema;
use crate::Error;

/// What a new migration would contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The operations, in the order `up_sql` runs them.
    pub ops: Vec<Op>,
    /// The upgrade script, statement by statement: each with the locks it takes and its
    /// hazards, under the lines of the ops it renders.
    pub up: SqlPlan,
    /// The downgrade script, statement by statement: the ops' exact reverse.
    pub down: SqlPlan,
    /// The upgrade script as text ([`SqlPlan::to_sql`] of [`Plan::up`]).
    pub up_sql: String,
    /// The downgrade script as text.
    pub down_sql: String,
    /// The columns the ops make NOT NULL with nothing to fill their existing rows (no default,
    /// no `--backfill`): `autogenerate` refuses the plan (`safety::needs_backfill`).
    pub needs_backfill: Vec<crate::safety::NeedsBackfill>,
    /// The type changes, up or down, that the database does not convert by itself and no
    /// `--using` (`--using-down`) converts: `autogenerate` refuses the plan
    /// ([`crate::convert::needs_using`]; asked of the database, so empty from
    /// [`plan_between`]).
    pub needs_using: Vec<crate::convert::NeedsUsing>,
    /// `renamed_from` hints that would turn a drop and an add into a rename, one line each
    /// (`#[model(renamed_from = "...")]` on a struct or a field).
    pub hints: Vec<String>,
    /// The indexes the database holds INVALID (see [`crate::schema::Table::invalid_indexes`]),
    /// one line each, naming the index and what the plan does with it.
    pub invalid: Vec<String>,
}

impl Plan {
    /// True when the database already matches the models.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Whether its revision must run statement by statement, outside one transaction
    /// (`run_in_transaction = false`): some statement of up.sql or down.sql cannot run inside
    /// one, or must have one of its own ([`SqlPlan::statement_by_statement`]).
    pub fn statement_by_statement(&self) -> bool {
        self.up.statement_by_statement() || self.down.statement_by_statement()
    }
}

/// Compares the connected database with `target` (usually [`crate::registry::schema`]) and
/// renders up and down SQL in the connection's dialect.
pub fn plan(conn: &mut Connection, target: &Schema) -> Result<Plan, Error> {
    plan_ignoring(conn, target, &Ignore::default())
}

/// Like [`plan`], leaving out the tables `ignore` matches: the plan never creates, alters or
/// drops them. A model table that `ignore` matches is an error naming both, and so is a plan
/// that drops a table or column an ignored table's foreign key references.
pub fn plan_ignoring(
    conn: &mut Connection,
    target: &Schema,
    ignore: &Ignore,
) -> Result<Plan, Error> {
    plan_with(conn, target, ignore, &[])
}

/// Like [`plan_ignoring`], with the command line's `--backfill` values applied to the ops
/// (`safety::apply_backfills`; one that matches nothing is an error).
pub fn plan_with(
    conn: &mut Connection,
    target: &Schema,
    ignore: &Ignore,
    backfills: &[crate::safety::Backfill],
) -> Result<Plan, Error> {
    plan_rendered(conn, target, ignore, backfills, &RenderOptions::default())
}

/// Like [`plan_with`], rendered with `render` (the CLI's `autogenerate` asks for the online
/// forms, [`RenderOptions::online`]).
pub fn plan_rendered(
    conn: &mut Connection,
    target: &Schema,
    ignore: &Ignore,
    backfills: &[crate::safety::Backfill],
    render: &RenderOptions,
) -> Result<Plan, Error> {
    plan_timed(conn, target, ignore, backfills, render).map(|(plan, _)| plan)
}

/// Like [`plan_rendered`], with the command line's `--using` and `--using-down` expressions
/// in the type changes they convert ([`crate::convert::apply`]), and [`Plan::needs_using`]
/// asked of the database.
pub fn plan_converted(
    conn: &mut Connection,
    target: &Schema,
    ignore: &Ignore,
    backfills: &[crate::safety::Backfill],
    usings: &[crate::convert::Using],
    render: &RenderOptions,
) -> Result<Plan, Error> {
    plan_timed_with(conn, target, ignore, (backfills, usings), render).map(|(plan, _)| plan)
}

/// How long each phase of [`plan_timed`] took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phases {
    /// Reading the live schema: the catalog queries and building the schema from their rows
    /// (with the dialect's normalisation of it).
    pub introspect: Duration,
    /// The server's spelling of the models' types, defaults, checks and indexes
    /// ([`server_normalized`]: PostgreSQL's round trips; nothing to ask on SQLite).
    pub normalize: Duration,
    /// The dialect's normalisation of the models, the diff and its checks.
    pub diff: Duration,
    /// Rendering the up and down SQL.
    pub render: Duration,
}

/// [`plan_rendered`], also returning how long each phase took (the benchmark prints them).
pub fn plan_timed(
    conn: &mut Connection,
    target: &Schema,
    ignore: &Ignore,
    backfills: &[crate::safety::Backfill],
    render: &RenderOptions,
) -> Result<(Plan, Phases), Error> {
    plan_timed_with(conn, target, ignore, (backfills, &[]), render)
}

/// The values the command line gives the plan: `--backfill`s, and `--using`s and
/// `--using-down`s.
type Given<'a> = (&'a [crate::safety::Backfill], &'a [crate::convert::Using]);

fn plan_timed_with(
    conn: &mut Connection,
    target: &Schema,
    ignore: &Ignore,
    given: Given<'_>,
    render: &RenderOptions,
) -> Result<(Plan, Phases), Error> {
    let mut phases = Phases::default();
    ignore.check_models(target)?;
    let start = Instant::now();
    let mut current = conn.introspect_schemas(&target.other_schemas())?;
    phases.introspect = start.elapsed();
    let ignored = ignore.ignored_tables(&current);
    ignore.remove_from(&mut current);
    let start = Instant::now();
    let mut target = target.clone();
    conn.spell_as_server(&mut target)?;
    phases.normalize = start.elapsed();
    ignore.keep_objects_in(&current, &mut target);
    let dialect = conn.dialect();
    let mut plan = plan_between_phases(
        dialect,
        Cow::Owned(current),
        target,
        given,
        render,
        &mut phases,
    )?;
    Ignore::check_plan(&plan.ops, &ignored)?;
    plan.needs_using = crate::convert::needs_using(conn, &plan.ops)?;
    Ok((plan, phases))
}

/// `target` with its column types and defaults spelled the way the connected server spells
/// them (see [`Connection::server_spelling`]: PostgreSQL asks the server in a few statements
/// whatever the number of tables; SQLite keeps the models' spelling). [`plan_between`] applies
/// the dialect's own normalisation afterwards either way.
pub fn server_normalized(conn: &mut Connection, target: &Schema) -> Result<Schema, Error> {
    Ok(conn.server_spelling(target)?)
}

/// The plan between two schemas; `current` must already be normalised by `dialect`.
pub fn plan_between(
    dialect: &dyn crate::dialect::Dialect,
    current: &Schema,
    target: &Schema,
) -> Result<Plan, Error> {
    plan_between_with(dialect, current, target, &[])
}

/// [`plan_between`] with `--backfill` values (`safety::apply_backfills`).
pub fn plan_between_with(
    dialect: &dyn crate::dialect::Dialect,
    current: &Schema,
    target: &Schema,
    backfills: &[crate::safety::Backfill],
) -> Result<Plan, Error> {
    plan_between_converted(dialect, current, target, backfills, &[])
}

/// [`plan_between_with`] with `--using` and `--using-down` expressions
/// ([`crate::convert::apply`]).
pub fn plan_between_converted(
    dialect: &dyn crate::dialect::Dialect,
    current: &Schema,
    target: &Schema,
    backfills: &[crate::safety::Backfill],
    usings: &[crate::convert::Using],
) -> Result<Plan, Error> {
    plan_between_phases(
        dialect,
        Cow::Borrowed(current),
        target.clone(),
        (backfills, usings),
        &RenderOptions::default(),
        &mut Phases::default(),
    )
}

/// [`plan_between_with`], adding the time of the diff and of the rendering to `phases`. The
/// schemas are its own to change (`current` when owned): a copy of a large schema costs more
/// than the diff, so none is made that is not needed.
fn plan_between_phases(
    dialect: &dyn crate::dialect::Dialect,
    current: Cow<'_, Schema>,
    mut target: Schema,
    (backfills, usings): Given<'_>,
    options: &RenderOptions,
    phases: &mut Phases,
) -> Result<Plan, Error> {
    let start = Instant::now();
    dialect.check_models(&target)?;
    dialect.model_defaults(&mut target);
    dialect.normalize(&mut target);
    same_key_nullability(&current, &mut target);
    crate::rename::conflicts(&current, &target)?;
    let mut ops = crate::diff::diff(&current, &target);
    if dialect.foreign_keys_hold_their_key() {
        ops = crate::reattach::reattach_foreign_keys(&current, ops);
    }
    if dialect.foreign_keys_use_an_index() {
        ops = crate::reattach::index_before_its_foreign_key(ops);
    }
    let mut ops = crate::safety::apply_backfills(ops, backfills, &target)?;
    if dialect.typed_columns() {
        ops = crate::safety::retype_before_fills(ops);
    }
    let ops = crate::convert::apply(ops, usings)?;
    crate::depend::check(&ops, &current, dialect)?;
    crate::depend::check_declared(&ops, &target)?;
    let needs_backfill = crate::safety::unfilled(&ops, &target);
    let hints = crate::rename::suggestions(&ops);
    let invalid = invalid_indexes(&current, &ops);
    free_aside(target);
    phases.diff += start.elapsed();
    let start = Instant::now();
    let (up, down) = if ops.is_empty() {
        if let Cow::Owned(current) = current {
            free_aside(current);
        }
        (SqlPlan::default(), SqlPlan::default())
    } else {
        // Rendering up.sql applies the ops: what it leaves is the schema down.sql reverts.
        let (up, after) = dialect.render_plan_owned(&ops, current.into_owned(), options)?;
        let (down, before) = dialect.render_plan_owned(&reverse_all(&ops), after, options)?;
        free_aside(before);
        (up, down)
    };
    let (up_sql, down_sql) = (up.to_sql(), down.to_sql());
    phases.render += start.elapsed();
    Ok(Plan {
        ops,
        up,
        down,
        up_sql,
        down_sql,
        needs_backfill,
        needs_using: Vec::new(),
        hints,
        invalid,
    })
}

/// Frees a schema the plan is done with on a thread of its own when it is large: freeing the
/// allocations of 10,000 tables takes about as long as their diff, and nothing waits for it
/// (the command line prints the plan meanwhile, or exits).
fn free_aside(schema: Schema) {
    const LARGE: usize = 1000;
    if schema.tables.len() < LARGE {
        return;
    }
    // Should no thread be had, the schema is freed here (the closure is dropped).
    let _ = std::thread::Builder::new()
        .name("retort-free".into())
        .spawn(move || drop(schema));
}

/// One line per index `current` holds INVALID: its name, its table, and whether `ops` create
/// it again or only drop it.
fn invalid_indexes(current: &Schema, ops: &[Op]) -> Vec<String> {
    let created = |table: &str, name: &str| {
        ops.iter().any(|op| match op {
            Op::CreateIndex { table: t, index } => t == table && index.name == name,
            Op::CreateDefinition {
                table: t,
                definition,
            } => {
                t == table
                    && matches!(definition.kind(),
                        crate::schema::KeptKind::Index { name: n, .. } if n == name)
            }
            _ => false,
        })
    };
    let mut lines = Vec::new();
    for table in current.tables.values() {
        for name in &table.invalid_indexes {
            let what = if created(&table.name, name) {
                "dropped and created again"
            } else {
                "dropped (the models do not declare it)"
            };
            lines.push(format!(
                "INVALID index '{name}' on '{}' (a CREATE INDEX CONCURRENTLY failed or was \
                 interrupted; it enforces and serves nothing): {what}",
                table.name
            ));
        }
    }
    lines
}

/// A single integer primary key never holds NULL, whether its column says `NOT NULL` or not:
/// on SQLite it is the rowid (a NULL inserted there becomes a new id), and PostgreSQL makes key
/// columns NOT NULL. So its declared nullability is no difference: where the database has the
/// table, the models' key column takes the database's declaration (`id INTEGER PRIMARY KEY`
/// matches `id: i64`, and a later rebuild keeps the declaration as it is).
fn same_key_nullability(current: &Schema, target: &mut Schema) {
    for (name, table) in &mut target.tables {
        let Some(live) = current.tables.get(name) else {
            continue;
        };
        let [key] = table.primary_key.as_slice() else {
            continue;
        };
        if live.primary_key != table.primary_key {
            continue;
        }
        let (Some(model), Some(db)) = (
            table.columns.iter_mut().find(|c| &c.name == key),
            live.column(key),
        ) else {
            continue;
        };
        if model.ty.is_integer() && model.ty == db.ty {
            model.nullable = db.nullable;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Sqlite;
    use crate::schema::{Column, SqlType, Table};

    /// A table as introspection gives it (normalised by the dialect, as `current` must be).
    fn table(key: SqlType, key_nullable: bool) -> Schema {
        use crate::dialect::Dialect as _;
        let mut t = Table::new("t");
        t.columns.push(Column::new("id", key, key_nullable));
        t.primary_key = vec!["id".into()];
        let mut s = Schema::new();
        s.insert(t);
        Sqlite.normalize(&mut s);
        s
    }

    #[test]
    fn an_integer_keys_declared_nullability_is_no_difference() {
        let db = table(SqlType::Integer, true);
        let plan = plan_between(&Sqlite, &db, &table(SqlType::BigInt, false)).unwrap();
        assert!(plan.is_empty(), "{:?}", plan.ops);
        // A text key can hold NULL on SQLite: that is a difference.
        let db = table(SqlType::Text, true);
        let plan = plan_between(&Sqlite, &db, &table(SqlType::Text, false)).unwrap();
        assert!(!plan.is_empty());
    }
}
