//! What each op does to an in-memory schema ([`Op::apply`]): the state rendering reads each
//! table in. One function per family of ops; the renames are [`super::renames`]'.

use super::{renames, Op};
use crate::schema::{IdentityKind, KeptKind, Schema, Table};

impl Op {
    /// Applies the op to an in-memory schema (used to know each table's state while rendering).
    pub fn apply(&self, schema: &mut Schema) {
        match self {
            Op::CreateEnum { .. }
            | Op::AlterEnum { .. }
            | Op::DropEnum { .. }
            | Op::CreateSchema { .. }
            | Op::DropSchema { .. } => self.apply_to_types_and_schemas(schema),
            Op::CreateView(v) | Op::ReplaceView { to: v, .. } => {
                schema.views.insert(v.name.clone(), v.clone());
            }
            Op::DropView(v) => {
                schema.views.remove(&v.name);
            }
            Op::CreateFunction(f) | Op::ReplaceFunction { to: f, .. } => {
                schema.functions.insert(f.key(), f.clone());
            }
            Op::DropFunction(f) => {
                schema.functions.remove(&f.key());
            }
            Op::CreateTable(t) => schema.insert(t.clone()),
            Op::DropTable(t) => {
                schema.tables.remove(&t.name);
            }
            Op::RenameTable { from, to } => renames::rename_table(schema, from, to),
            Op::RenameColumn {
                table: name,
                from,
                to,
            } => renames::rename_column(schema, name, from, to),
            // Rows only: the schema is the same.
            Op::Backfill { .. } => {}
            _ => {
                // Every op that reaches a table through this changes it: its written text no
                // longer describes it.
                if let Some(t) = schema.tables.get_mut(self.table()) {
                    t.written.forget();
                    self.apply_to_table(t);
                }
            }
        }
    }

    /// An enum type's or a schema's op.
    fn apply_to_types_and_schemas(&self, schema: &mut Schema) {
        match self {
            Op::CreateEnum { name, labels: to } | Op::AlterEnum { name, to, .. } => {
                schema.enums.insert(name.clone(), to.clone());
            }
            Op::DropEnum { name, .. } => {
                schema.enums.remove(name);
            }
            Op::CreateSchema { name } => {
                schema.schemas.insert(name.clone());
            }
            Op::DropSchema { name } => {
                schema.schemas.remove(name);
            }
            _ => {}
        }
    }

    /// An op on one table, by family.
    fn apply_to_table(&self, t: &mut Table) {
        match self {
            Op::AddColumn { .. }
            | Op::DropColumn { .. }
            | Op::AlterColumn { .. }
            | Op::AlterComment { .. } => self.apply_to_columns(t),
            Op::AlterPrimaryKey { .. }
            | Op::AlterIdentity { .. }
            | Op::AlterSerial { .. }
            | Op::AlterAutoincrement { .. } => self.apply_to_keys(t),
            Op::CreateIndex { .. }
            | Op::DropIndex { .. }
            | Op::RenameIndex { .. }
            | Op::AddForeignKey { .. }
            | Op::DropForeignKey { .. } => self.apply_to_indexes_and_foreign_keys(t),
            _ => self.apply_to_constraints(t),
        }
    }

    /// Columns and comments.
    fn apply_to_columns(&self, t: &mut Table) {
        match self {
            Op::AddColumn { column, .. } => t.columns.push(column.clone()),
            Op::DropColumn { column, .. } => t.columns.retain(|c| c.name != column.name),
            Op::AlterColumn { to, .. } => {
                if let Some(c) = t.column_mut(&to.name) {
                    *c = to.clone();
                }
            }
            Op::AlterComment { column, to, .. } => match column {
                None => t.comment = to.clone(),
                Some(c) => {
                    if let Some(c) = t.columns.iter_mut().find(|x| x.name == *c) {
                        c.comment = to.clone();
                    }
                }
            },
            _ => {}
        }
    }

    /// The primary key and how the database assigns its values.
    fn apply_to_keys(&self, t: &mut Table) {
        match self {
            Op::AlterPrimaryKey { to, .. } => {
                t.primary_key = to.clone();
                t.settle_serial_key();
            }
            Op::AlterIdentity { to, .. } => {
                // A serial key stays serial: only the identity changes.
                if t.identity_kind == IdentityKind::Serial {
                    t.serial.extend(t.identity.take());
                }
                t.identity = to.as_ref().map(|i| i.column.clone());
                t.identity_kind = to.as_ref().map(|i| i.kind).unwrap_or_default();
                t.settle_serial_key();
            }
            Op::AlterSerial { .. } => self.apply_serial(t),
            Op::AlterAutoincrement { to, .. } => t.autoincrement = *to,
            _ => {}
        }
    }

    /// [`Op::AlterSerial`]: the column's sequence definition replaced (the old one kept
    /// without its default when asked), and the column among the serial ones or not.
    fn apply_serial(&self, t: &mut Table) {
        let Op::AlterSerial {
            column,
            from,
            to,
            keep,
            ..
        } = self
        else {
            return;
        };
        if let Some(sequence) = from {
            t.unmodeled.retain(|d| d != sequence);
            if *keep {
                t.unmodeled.push(crate::sql::owned_only(sequence));
            }
        }
        if let (Some(sequence), true) = (to, *keep) {
            let owned = crate::sql::owned_only(sequence);
            t.unmodeled.retain(|d| *d != owned);
        }
        if t.identity_kind == IdentityKind::Serial {
            t.serial.extend(t.identity.take());
        }
        t.serial.retain(|c| c != column);
        if let Some(sequence) = to {
            t.unmodeled.insert(0, sequence.clone());
            t.serial.push(column.clone());
        }
        t.settle_serial_key();
    }

    /// Indexes and foreign keys.
    fn apply_to_indexes_and_foreign_keys(&self, t: &mut Table) {
        match self {
            Op::CreateIndex { index, .. } => {
                t.indexes.push(index.clone());
                t.canonicalize();
            }
            Op::DropIndex { index, .. } => {
                t.indexes.retain(|i| i.name != index.name);
                t.invalid_indexes.retain(|i| *i != index.name);
            }
            Op::RenameIndex { from, to, .. } => {
                t.indexes.retain(|i| i.name != from.name);
                t.indexes.push(to.clone());
                t.canonicalize();
            }
            Op::AddForeignKey { fk, .. } => {
                t.foreign_keys.push(fk.clone());
                t.canonicalize();
            }
            Op::DropForeignKey { fk, .. } => t.foreign_keys.retain(|f| f != fk),
            _ => {}
        }
    }

    /// Kept definitions and table constraints.
    fn apply_to_constraints(&self, t: &mut Table) {
        match self {
            Op::CreateDefinition { definition, .. } => t.unmodeled.push(definition.clone()),
            Op::DropDefinition { definition, .. } => {
                t.unmodeled.retain(|d| d != definition);
                if let KeptKind::Index { name: index, .. } = definition.kind() {
                    t.invalid_indexes.retain(|i| i != index);
                }
            }
            Op::AddTableConstraint { constraint, .. } => {
                t.table_constraints.push(constraint.clone())
            }
            Op::DropTableConstraint { constraint, .. } => {
                t.table_constraints.retain(|c| c != constraint)
            }
            Op::RenameConstraint { from, to, .. } => renames::rename_constraint(t, from, to),
            _ => {}
        }
    }
}
