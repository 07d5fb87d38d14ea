//! Migration operations. Each op carries the state it replaces, so it can reverse itself:
//! the down migration is the reverse of every up op, in reverse order.

use crate::schema::{
    Column, ColumnClause, ForeignKey, Function, IdentityColumn, Index, Kept, Table,
    TableConstraint, View,
};

mod apply;
mod conversion;
mod describe;
mod renames;

pub use conversion::{conversion_effect, Conversion};

/// One schema change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Creates the table with its columns, keys and indexes; the reverse drops it.
    CreateTable(Table),
    /// Carries the dropped table so the reverse can re-create it.
    DropTable(Table),
    /// Adds a column; the reverse drops it.
    AddColumn {
        /// Name of the table the column is added to.
        table: String,
        /// The new column: name, type, nullability and default.
        column: Column,
    },
    /// Drops a column and its data; carries the full column so the reverse can re-add it.
    DropColumn {
        /// Name of the table the column is dropped from.
        table: String,
        /// The column as it was; the reverse re-creates it, but not its values.
        column: Column,
    },
    /// Type, nullability or default change: `from` is the column as it was.
    AlterColumn {
        /// Name of the table holding the column.
        table: String,
        /// The column before the change (what the reverse restores).
        from: Column,
        /// The column after the change; same name as `from` (a rename is a drop and an add).
        to: Column,
        /// How a type change converts the rows (`--using`), and how the reverse converts them
        /// back (`--using-down`); empty: the database's own conversion.
        conversion: Conversion,
    },
    /// Replaces the primary key's columns; `from` is the old key, for the reverse.
    AlterPrimaryKey {
        /// Name of the table whose primary key changes.
        table: String,
        /// Key columns before, in key order; empty when there was no primary key.
        from: Vec<String>,
        /// Key columns after, in key order; empty to drop the primary key.
        to: Vec<String>,
    },
    /// The column whose values the database assigns (PostgreSQL identity or serial key), or
    /// how it assigns them, changes.
    AlterIdentity {
        /// Name of the table whose identity column changes.
        table: String,
        /// The identity column before; `None` when there was none.
        from: Option<IdentityColumn>,
        /// The identity column after; `None` to remove the identity.
        to: Option<IdentityColumn>,
    },
    /// A column other than the identity becomes serial (PostgreSQL: a sequence owned by the
    /// column and its `nextval` default) or stops being it; the reverse changes it back.
    AlterSerial {
        /// Name of the table.
        table: String,
        /// The column.
        column: String,
        /// Its sequence's definition before (as [`Table::serial_sequence`]); `None` when the
        /// column was not serial.
        from: Option<Kept>,
        /// Its sequence's definition after; `None` when the column stops being serial.
        to: Option<Kept>,
        /// The column was just added: its rows get values from the sequence before it becomes
        /// NOT NULL.
        fill: bool,
        /// The column stays, and so does its sequence (still owned by it, with its current
        /// value): only the `nextval` default goes, or comes back. A column that is made plain
        /// keeps its sequence as a database left by hand does (atuin's `history.user_id`).
        keep: bool,
    },
    /// The key becomes `AUTOINCREMENT` or stops being it (SQLite: a table rebuild, which keeps
    /// the table's `sqlite_sequence` value); the reverse changes it back.
    AlterAutoincrement {
        /// Name of the table.
        table: String,
        /// Whether the key is `AUTOINCREMENT` after the op.
        to: bool,
    },
    /// Creates an index; the reverse drops it.
    CreateIndex {
        /// Name of the indexed table.
        table: String,
        /// The index to create: name, columns, uniqueness.
        index: Index,
    },
    /// Drops an index; carries its definition so the reverse can re-create it.
    DropIndex {
        /// Name of the indexed table.
        table: String,
        /// The index as it was, for the reverse to re-create.
        index: Index,
    },
    /// Adds a foreign key constraint; the reverse drops it.
    AddForeignKey {
        /// Name of the referencing table (the one that holds the constraint).
        table: String,
        /// The constraint to add.
        fk: ForeignKey,
    },
    /// Drops a foreign key constraint; carries it so the reverse can re-add it.
    DropForeignKey {
        /// Name of the referencing table (the one that holds the constraint).
        table: String,
        /// The constraint as it was, for the reverse to re-add.
        fk: ForeignKey,
    },
    /// Adds a definition the models own but cannot describe structurally (an expression or
    /// partial index, a `CHECK` constraint...), verbatim; the reverse drops it.
    CreateDefinition {
        /// Name of the table it belongs to.
        table: String,
        /// The SQL that creates it, as introspection kept it.
        definition: Kept,
    },
    /// Drops such a definition (the models do not declare it); carries its SQL so the reverse
    /// re-creates it exactly.
    DropDefinition {
        /// Name of the table it belongs to.
        table: String,
        /// The SQL that created it, for the reverse.
        definition: Kept,
    },
    /// Adds a constraint clause inside the table's `CREATE TABLE` (SQLite's `UNIQUE (...)`,
    /// `CHECK (...)`), which only a rebuild can do; the reverse drops it.
    AddTableConstraint {
        /// Name of the table.
        table: String,
        /// The constraint.
        constraint: TableConstraint,
    },
    /// Drops such a clause (the models do not declare it); carries it for the reverse.
    DropTableConstraint {
        /// Name of the table.
        table: String,
        /// The constraint as it was, for the reverse.
        constraint: TableConstraint,
    },
    /// Renames a table (`#[model(renamed_from = "...")]`); the reverse renames it back. Its rows,
    /// indexes and constraints stay, and other tables' foreign keys follow it.
    RenameTable {
        /// The table's name before.
        from: String,
        /// The table's name after.
        to: String,
    },
    /// Renames a column (`#[model(renamed_from = "...")]`); the reverse renames it back. Its
    /// values stay; keys, indexes and constraints over it follow it.
    RenameColumn {
        /// Name of the table holding the column.
        table: String,
        /// The column's name before.
        from: String,
        /// The column's name after.
        to: String,
    },
    /// Renames an index whose table or columns were renamed, so that it keeps its
    /// conventional name; `from` and `to` differ only by name.
    RenameIndex {
        /// Name of the indexed table.
        table: String,
        /// The index before.
        from: Index,
        /// The index after.
        to: Index,
    },
    /// Renames a foreign key, the primary key or a kept constraint whose table or columns were
    /// renamed, so that it keeps its conventional name.
    RenameConstraint {
        /// Name of the table holding the constraint.
        table: String,
        /// The constraint's name before.
        from: String,
        /// The constraint's name after.
        to: String,
    },
    /// Changes the comment of a table (`column: None`) or of one of its columns; `from` is the
    /// comment before, for the reverse. `None` is no comment.
    AlterComment {
        /// Name of the table.
        table: String,
        /// The column whose comment changes; `None` for the table's own comment.
        column: Option<String>,
        /// The comment before.
        from: Option<String>,
        /// The comment after.
        to: Option<String>,
    },
    /// `--backfill` (or the column's model default, see `from_default`): sets the column's
    /// NULLs to an SQL expression before it becomes NOT NULL. Its reverse (`undo: true`) runs
    /// nothing: the NULLs it replaced cannot come back, and `down.sql` says so
    /// (`safety::cannot_restore`).
    Backfill {
        /// Name of the table.
        table: String,
        /// The column whose NULLs are filled.
        column: String,
        /// The SQL expression written into the NULL rows, as given on the command line.
        value: String,
        /// True when `value` is the column's model default, used because no `--backfill`
        /// names the column (as Django fills them).
        from_default: bool,
        /// True for the reverse: nothing to run.
        undo: bool,
    },
    /// Creates an enum type (PostgreSQL `CREATE TYPE ... AS ENUM`); the reverse drops it.
    /// Comes before the tables that use it.
    CreateEnum {
        /// The type's name.
        name: String,
        /// Its labels, in order.
        labels: Vec<String>,
    },
    /// Drops an enum type; carries its labels so the reverse re-creates it. A diff never
    /// drops one (a type no model uses is left alone): only the reverse of a
    /// [`Op::CreateEnum`] does, after the tables that used it.
    DropEnum {
        /// The type's name.
        name: String,
        /// Its labels, in order, for the reverse.
        labels: Vec<String>,
    },
    /// Changes an enum type's labels from `from` to `to`. Labels only added (the old ones kept
    /// in order) are `ALTER TYPE ... ADD VALUE`s in place; a removed or reordered label swaps
    /// the type (a new type, every column converted, the old type dropped), which fails, and
    /// changes nothing, if a row still holds a removed label. Destructive when a label is
    /// removed ([`Op::is_destructive`]).
    AlterEnum {
        /// The type's name.
        name: String,
        /// The labels before, in order (what the reverse restores).
        from: Vec<String>,
        /// The labels after, in order.
        to: Vec<String>,
    },
    /// Creates a schema (PostgreSQL `CREATE SCHEMA`) that a model names
    /// (`#[model(schema = "...")]`) and the database lacks; comes first. The reverse drops it.
    CreateSchema {
        /// The schema's name.
        name: String,
    },
    /// Drops a schema (`DROP SCHEMA`, which refuses a schema that still holds anything). A
    /// diff never drops one: only the reverse of a [`Op::CreateSchema`] does, last.
    DropSchema {
        /// The schema's name.
        name: String,
    },
    /// Creates a function or procedure the models declare (`retort::function!`); the reverse
    /// drops it.
    CreateFunction(Function),
    /// Drops a function the models declare, before it is created again (its interface
    /// changes, which `CREATE OR REPLACE` cannot do); carries it for the reverse.
    DropFunction(Function),
    /// Replaces a function in place (`CREATE OR REPLACE`) with the models' definition.
    ReplaceFunction {
        /// The function as the database has it (what the reverse puts back).
        from: Function,
        /// The models' function.
        to: Function,
    },
    /// Creates a view the models declare (`#[derive(View)]`); the reverse drops it. Comes
    /// after the tables it reads.
    CreateView(View),
    /// Drops a view; carries it so the reverse re-creates it. A diff drops a view of the
    /// models only to re-create it: around a change of what it reads, or when it cannot be
    /// replaced in place. Comes before the tables change.
    DropView(View),
    /// Replaces a view's query: PostgreSQL's `CREATE OR REPLACE VIEW` when `to` keeps `from`'s
    /// columns and only adds after them ([`View::columns_kept_by`]), else a drop and a create.
    /// The reverse replaces it back.
    ReplaceView {
        /// The view before.
        from: View,
        /// The view after.
        to: View,
    },
}

impl Op {
    /// The op that undoes this one.
    pub fn reverse(&self) -> Op {
        match self.clone() {
            Op::CreateTable(t) => Op::DropTable(t),
            Op::DropTable(t) => Op::CreateTable(t),
            Op::AddColumn { table, column } => Op::DropColumn { table, column },
            Op::DropColumn { table, column } => Op::AddColumn { table, column },
            Op::AlterColumn {
                table,
                from,
                to,
                conversion,
            } => Op::AlterColumn {
                table,
                from: to,
                to: from,
                conversion: conversion.reversed(),
            },
            Op::AlterPrimaryKey { table, from, to } => Op::AlterPrimaryKey {
                table,
                from: to,
                to: from,
            },
            Op::AlterIdentity { table, from, to } => Op::AlterIdentity {
                table,
                from: to,
                to: from,
            },
            Op::AlterSerial {
                table,
                column,
                from,
                to,
                fill,
                keep,
            } => Op::AlterSerial {
                table,
                column,
                from: to,
                to: from,
                fill,
                keep,
            },
            Op::AlterAutoincrement { table, to } => Op::AlterAutoincrement { table, to: !to },
            Op::CreateIndex { table, index } => Op::DropIndex { table, index },
            Op::DropIndex { table, index } => Op::CreateIndex { table, index },
            Op::AddForeignKey { table, fk } => Op::DropForeignKey { table, fk },
            Op::DropForeignKey { table, fk } => Op::AddForeignKey { table, fk },
            Op::CreateDefinition { table, definition } => Op::DropDefinition { table, definition },
            Op::DropDefinition { table, definition } => Op::CreateDefinition { table, definition },
            Op::AddTableConstraint { table, constraint } => {
                Op::DropTableConstraint { table, constraint }
            }
            Op::DropTableConstraint { table, constraint } => {
                Op::AddTableConstraint { table, constraint }
            }
            Op::RenameTable { from, to } => Op::RenameTable { from: to, to: from },
            Op::RenameColumn { table, from, to } => Op::RenameColumn {
                table,
                from: to,
                to: from,
            },
            Op::RenameIndex { table, from, to } => Op::RenameIndex {
                table,
                from: to,
                to: from,
            },
            Op::RenameConstraint { table, from, to } => Op::RenameConstraint {
                table,
                from: to,
                to: from,
            },
            Op::AlterComment {
                table,
                column,
                from,
                to,
            } => Op::AlterComment {
                table,
                column,
                from: to,
                to: from,
            },
            Op::Backfill {
                table,
                column,
                value,
                from_default,
                undo,
            } => Op::Backfill {
                table,
                column,
                value,
                from_default,
                undo: !undo,
            },
            Op::CreateEnum { name, labels } => Op::DropEnum { name, labels },
            Op::DropEnum { name, labels } => Op::CreateEnum { name, labels },
            Op::CreateSchema { name } => Op::DropSchema { name },
            Op::DropSchema { name } => Op::CreateSchema { name },
            Op::CreateView(v) => Op::DropView(v),
            Op::DropView(v) => Op::CreateView(v),
            Op::ReplaceView { from, to } => Op::ReplaceView { from: to, to: from },
            Op::CreateFunction(f) => Op::DropFunction(f),
            Op::DropFunction(f) => Op::CreateFunction(f),
            Op::ReplaceFunction { from, to } => Op::ReplaceFunction { from: to, to: from },
            Op::AlterEnum { name, from, to } => Op::AlterEnum {
                name,
                from: to,
                to: from,
            },
        }
    }

    /// The table this op changes (a renamed table: by its name before the op); for an enum
    /// type's op ([`Op::is_enum`]), the type's name; for a schema's, the schema's.
    pub fn table(&self) -> &str {
        match self {
            Op::CreateEnum { name, .. }
            | Op::DropEnum { name, .. }
            | Op::AlterEnum { name, .. }
            | Op::CreateSchema { name }
            | Op::DropSchema { name } => name,
            Op::CreateTable(t) | Op::DropTable(t) => &t.name,
            Op::CreateView(v) | Op::DropView(v) | Op::ReplaceView { to: v, .. } => &v.name,
            Op::CreateFunction(f) | Op::DropFunction(f) | Op::ReplaceFunction { to: f, .. } => {
                &f.name
            }
            Op::RenameTable { from, .. } => from,
            Op::AddColumn { table, .. }
            | Op::DropColumn { table, .. }
            | Op::AlterColumn { table, .. }
            | Op::AlterPrimaryKey { table, .. }
            | Op::AlterIdentity { table, .. }
            | Op::AlterSerial { table, .. }
            | Op::AlterAutoincrement { table, .. }
            | Op::CreateIndex { table, .. }
            | Op::DropIndex { table, .. }
            | Op::AddForeignKey { table, .. }
            | Op::DropForeignKey { table, .. }
            | Op::CreateDefinition { table, .. }
            | Op::DropDefinition { table, .. }
            | Op::AddTableConstraint { table, .. }
            | Op::DropTableConstraint { table, .. }
            | Op::RenameColumn { table, .. }
            | Op::RenameIndex { table, .. }
            | Op::RenameConstraint { table, .. }
            | Op::AlterComment { table, .. }
            | Op::Backfill { table, .. } => table,
        }
    }

    /// True when the op can lose data that its reverse cannot bring back. An
    /// [`Op::AlterEnum`] that removes a label is: the upgrade fails while a row holds it, and
    /// once none does, the label is gone from the type. The dialect-aware rule `autogenerate`
    /// enforces (lossy type changes included) is `safety::destructive`.
    pub fn is_destructive(&self) -> bool {
        match self {
            Op::DropTable(_) | Op::DropColumn { .. } => true,
            Op::AlterEnum { from, to, .. } => from.iter().any(|l| !to.contains(l)),
            // The same for an enum held as a label check on its column.
            Op::AlterColumn { from, to, .. } => enum_labels(from, to)
                .is_some_and(|(before, after)| before.iter().any(|l| !after.contains(l))),
            _ => false,
        }
    }

    /// True for the ops on a schema ([`Op::CreateSchema`], [`Op::DropSchema`]).
    pub fn is_schema(&self) -> bool {
        matches!(self, Op::CreateSchema { .. } | Op::DropSchema { .. })
    }

    /// True for the ops on a view ([`Op::CreateView`], [`Op::DropView`], [`Op::ReplaceView`]).
    pub fn is_view(&self) -> bool {
        matches!(
            self,
            Op::CreateView(_) | Op::DropView(_) | Op::ReplaceView { .. }
        )
    }

    /// True for a rename ([`Op::RenameTable`], [`Op::RenameColumn`], [`Op::RenameIndex`],
    /// [`Op::RenameConstraint`]).
    pub fn is_rename(&self) -> bool {
        matches!(
            self,
            Op::RenameTable { .. }
                | Op::RenameColumn { .. }
                | Op::RenameIndex { .. }
                | Op::RenameConstraint { .. }
        )
    }

    /// True for the ops on a function ([`Op::CreateFunction`], [`Op::DropFunction`],
    /// [`Op::ReplaceFunction`]).
    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Op::CreateFunction(_) | Op::DropFunction(_) | Op::ReplaceFunction { .. }
        )
    }

    /// True for the ops on an enum type rather than on a table.
    pub fn is_enum(&self) -> bool {
        matches!(
            self,
            Op::CreateEnum { .. } | Op::DropEnum { .. } | Op::AlterEnum { .. }
        )
    }
}

/// The labels of `from`'s and `to`'s label checks (`CHECK ("col" IN ('a', 'b'))`, the clause in
/// which a dialect without enum types holds an enum: `DialectFacts::enum_labels_in`), when both
/// have one. Ops have no dialect: the form is recognised as written.
pub(crate) fn enum_labels(from: &Column, to: &Column) -> Option<(Vec<String>, Vec<String>)> {
    let labels =
        |c: &Column| crate::sql::enum_check_labels(&c.name, c.extra.iter().map(ColumnClause::sql));
    Some((labels(from)?, labels(to)?))
}

impl Op {
    /// For an op that drops a kept index or constraint, whether `plan` also creates one of the
    /// same name on the same table: the declaration changed, rather than the models no longer
    /// declaring it.
    pub fn is_replaced_in(&self, plan: &[Op]) -> bool {
        let name = |op: &Op| match op {
            Op::CreateDefinition { table, definition }
            | Op::DropDefinition { table, definition } => {
                Some((table.clone(), definition.describe()))
            }
            Op::AddTableConstraint { table, constraint }
            | Op::DropTableConstraint { table, constraint } => constraint
                .check_name()
                .map(|n| (table.clone(), format!("constraint '{n}'"))),
            _ => None,
        };
        let Some(dropped) = name(self).filter(|_| {
            matches!(
                self,
                Op::DropDefinition { .. } | Op::DropTableConstraint { .. }
            )
        }) else {
            return false;
        };
        plan.iter().any(|op| {
            matches!(
                op,
                Op::CreateDefinition { .. } | Op::AddTableConstraint { .. }
            ) && name(op).as_ref() == Some(&dropped)
        })
    }
}

/// The reverse of a whole list of ops: each op reversed, in reverse order.
pub fn reverse_all(ops: &[Op]) -> Vec<Op> {
    ops.iter().rev().map(Op::reverse).collect()
}

#[cfg(test)]
mod tests;
