//! One table's differences ([`diff_table`]), in the order its ops run: what the models no
//! longer declare goes first (kept definitions, table constraints, indexes, foreign keys), then
//! new columns, altered columns, comments, the primary key, serial columns and the identity,
//! `AUTOINCREMENT`, dropped columns (after the key that replaces them), and what the models
//! newly declare (foreign keys, indexes, table constraints, kept definitions). One function per
//! step.

use super::{
    altered, contains_clause, contains_constraint, declared_unique_clauses, declares_unique,
    inline_uniques, same_column,
};
use crate::ops::Op;
use crate::schema::{Column, ConstraintKind, ForeignKey, Index, Kept, KeptKind, Table};

/// Pushes onto `ops` what turns `have` into `want`; `retyped`: the kept definitions re-created
/// around a type change of a column they use.
pub(super) fn diff_table(have: &Table, want: &Table, retyped: &[String], ops: &mut Vec<Op>) {
    let d = TableDiff {
        have,
        want,
        retyped,
    };
    d.drop_undeclared(ops);
    d.add_columns(ops);
    d.alter_columns(ops);
    d.alter_comments(ops);
    d.alter_primary_key(ops);
    d.alter_serials_and_identity(ops);
    if have.autoincrement != want.autoincrement {
        ops.push(Op::AlterAutoincrement {
            table: d.table(),
            to: want.autoincrement,
        });
    }
    d.drop_columns(ops);
    d.add_declared(ops);
}

/// The two sides of one table.
struct TableDiff<'a> {
    /// The database's.
    have: &'a Table,
    /// The models'.
    want: &'a Table,
    retyped: &'a [String],
}

/// Foreign keys are matched by content: SQLite does not report constraint names.
fn same_fk(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.ref_table == b.ref_table
        && a.ref_columns == b.ref_columns
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
        && a.deferrable == b.deferrable
}

impl TableDiff<'_> {
    fn table(&self) -> String {
        self.have.name.clone()
    }

    /// An index the catalog marks INVALID is not the models' index, whatever its definition:
    /// it goes, and comes again where the models declare it.
    fn invalid(&self, name: &String) -> bool {
        self.have.invalid_indexes.contains(name)
    }

    /// A definition both sides have, re-created around a type change of a column it uses (or
    /// an INVALID index).
    fn rebuilt(&self, d: &Kept) -> bool {
        match d.kind() {
            KeptKind::Index { name, .. } => self.retyped.contains(name) || self.invalid(name),
            KeptKind::Constraint { name, .. } => self.retyped.contains(name),
            _ => false,
        }
    }

    /// A UNIQUE constraint and a unique index enforce the same thing: how an index is made is
    /// not a difference. `a` is the database's.
    fn same_index(&self, a: &Index, b: &Index) -> bool {
        a.name == b.name
            && a.columns == b.columns
            && a.unique == b.unique
            && a.same_prefixes(b)
            && !self.invalid(&a.name)
    }

    /// A NOT NULL serial column the models drop (it goes NULL first, see
    /// [`TableDiff::alter_serials_and_identity`]).
    fn dropped_serial(&self, name: &str) -> Option<&Column> {
        let (have, want) = (self.have, self.want);
        have.column(name).filter(|c| {
            !c.nullable
                && want.column(name).is_none()
                && have.serial_columns().iter().any(|s| s == name)
        })
    }

    /// A new NOT NULL serial column (not a key's) is added NULL, filled from its sequence, then
    /// made NOT NULL: the rows already there get values as PostgreSQL's `ADD COLUMN ...
    /// serial` gives them.
    fn new_serial(&self, c: &Column) -> bool {
        !c.nullable
            && self.have.column(&c.name).is_none()
            && self.want.serial.contains(&c.name)
            && !self.want.primary_key.contains(&c.name)
    }

    /// Indexes and constraints kept as definitions belong to the table, which the models own:
    /// one they do not declare goes (its reverse re-creates it verbatim); so do the table
    /// constraints, indexes and foreign keys they do not declare. Triggers, comments and
    /// sequences are not the models' business.
    fn drop_undeclared(&self, ops: &mut Vec<Op>) {
        let (have, want) = (self.have, self.want);
        for definition in have.unmodeled.iter().filter(|d| d.is_owned()) {
            if !contains_clause(&want.unmodeled, definition) || self.rebuilt(definition) {
                ops.push(Op::DropDefinition {
                    table: self.table(),
                    definition: definition.clone(),
                });
            }
        }
        for constraint in &have.table_constraints {
            let declared = match &constraint.kind {
                ConstraintKind::Unique { columns } => declares_unique(want, columns),
                _ => false,
            };
            if !contains_constraint(&want.table_constraints, constraint) && !declared {
                ops.push(Op::DropTableConstraint {
                    table: self.table(),
                    constraint: constraint.clone(),
                });
            }
        }
        for index in &have.indexes {
            if !want.indexes.iter().any(|w| self.same_index(index, w)) {
                ops.push(Op::DropIndex {
                    table: self.table(),
                    index: index.clone(),
                });
            }
        }
        for fk in &have.foreign_keys {
            if !want.foreign_keys.iter().any(|w| same_fk(fk, w)) {
                ops.push(Op::DropForeignKey {
                    table: self.table(),
                    fk: fk.clone(),
                });
            }
        }
    }

    fn add_columns(&self, ops: &mut Vec<Op>) {
        for column in &self.want.columns {
            if self.have.column(&column.name).is_none() {
                ops.push(Op::AddColumn {
                    table: self.table(),
                    column: Column {
                        renamed_from: None,
                        nullable: column.nullable || self.new_serial(column),
                        ..column.clone()
                    },
                });
            }
        }
    }

    fn alter_columns(&self, ops: &mut Vec<Op>) {
        for column in &self.want.columns {
            if let Some(old) = self.have.column(&column.name) {
                // A column's `UNIQUE` clause is the models' `unique` on it: it stays as written.
                let kept = declared_unique_clauses(old, self.want);
                let compared = if kept.is_empty() {
                    std::borrow::Cow::Borrowed(old)
                } else {
                    let mut compared = old.clone();
                    compared.extra.retain(|x| !kept.contains(&x));
                    std::borrow::Cow::Owned(compared)
                };
                if !same_column(&compared, column) {
                    let mut to = altered(old, column);
                    to.extra.extend(kept.into_iter().cloned());
                    ops.push(Op::alter_column(self.table(), old.clone(), to));
                }
            }
        }
    }

    /// The table's comment, then its columns'.
    fn alter_comments(&self, ops: &mut Vec<Op>) {
        let (have, want) = (self.have, self.want);
        if have.comment != want.comment {
            ops.push(Op::AlterComment {
                table: self.table(),
                column: None,
                from: have.comment.clone(),
                to: want.comment.clone(),
            });
        }
        for column in &want.columns {
            if let Some(old) = have.column(&column.name) {
                if old.comment != column.comment {
                    ops.push(Op::AlterComment {
                        table: self.table(),
                        column: Some(column.name.clone()),
                        from: old.comment.clone(),
                        to: column.comment.clone(),
                    });
                }
            }
        }
    }

    /// The key's columns; its name is compared only when the models give one (a `pk` template
    /// of the naming convention), otherwise it is the backend's business.
    fn alter_primary_key(&self, ops: &mut Vec<Op>) {
        let (have, want) = (self.have, self.want);
        if have.primary_key != want.primary_key {
            ops.push(Op::AlterPrimaryKey {
                table: self.table(),
                from: have.primary_key.clone(),
                to: want.primary_key.clone(),
            });
        }
        if let (Some(from), Some(to)) = (&have.primary_key_name, &want.primary_key_name) {
            if from != to && !want.primary_key.is_empty() {
                ops.push(Op::RenameConstraint {
                    table: self.table(),
                    from: from.clone(),
                    to: to.clone(),
                });
            }
        }
    }

    /// Serial columns (a serial key included): the sequence goes before its column stops
    /// being generated or is dropped, and comes once the column is there and no identity holds
    /// it; the identity changes in between.
    fn alter_serials_and_identity(&self, ops: &mut Vec<Op>) {
        let (have, want) = (self.have, self.want);
        let (have_serial, want_serial) = (have.serial_columns(), want.serial_columns());
        for column in have_serial.iter().filter(|c| !want_serial.contains(c)) {
            self.drop_serial(column, ops);
        }
        if have.identity_column() != want.identity_column() {
            ops.push(Op::AlterIdentity {
                table: self.table(),
                from: have.identity_column(),
                to: want.identity_column(),
            });
        }
        for column in want_serial.iter().filter(|c| !have_serial.contains(c)) {
            self.add_serial(column, ops);
        }
    }

    /// A column the models no longer make serial (or drop).
    fn drop_serial(&self, column: &str, ops: &mut Vec<Op>) {
        let (have, want) = (self.have, self.want);
        // A dropped NOT NULL serial column goes NULL first: its reverse is re-added NULL,
        // filled from its sequence, then made NOT NULL again, as a new one is.
        let dropped = self.dropped_serial(column);
        if let Some(c) = dropped {
            ops.push(Op::AlterColumn {
                table: self.table(),
                from: c.clone(),
                to: Column {
                    nullable: true,
                    ..c.clone()
                },
                conversion: Default::default(),
            });
        }
        // A column that stays, with no identity taking over, keeps its sequence.
        let keep = want.column(column).is_some()
            && want.identity_column().is_none_or(|i| i.column != column);
        ops.push(Op::AlterSerial {
            table: self.table(),
            column: column.to_owned(),
            from: have.serial_sequence(column).cloned(),
            to: None,
            fill: dropped.is_some(),
            keep,
        });
    }

    /// A column the models make serial (a new NOT NULL one: added NULL, filled, then made NOT
    /// NULL).
    fn add_serial(&self, column: &str, ops: &mut Vec<Op>) {
        let (have, want) = (self.have, self.want);
        let added = want.column(column).filter(|c| self.new_serial(c));
        let to = want.serial_sequence(column).cloned();
        // The column still owns the sequence it had: it takes its values again.
        let keep = to.as_ref().is_some_and(|def| {
            let owned = crate::sql::owned_only(def);
            have.unmodeled.contains(&owned)
        });
        ops.push(Op::AlterSerial {
            table: self.table(),
            column: column.to_owned(),
            from: None,
            to,
            fill: added.is_some(),
            keep,
        });
        if let Some(c) = added {
            ops.push(Op::AlterColumn {
                table: self.table(),
                from: Column {
                    nullable: true,
                    renamed_from: None,
                    ..c.clone()
                },
                to: Column {
                    renamed_from: None,
                    ..c.clone()
                },
                conversion: Default::default(),
            });
        }
    }

    /// After the key changes: a key column is dropped only once the key that replaces it is in
    /// place.
    fn drop_columns(&self, ops: &mut Vec<Op>) {
        for column in &self.have.columns {
            if self.want.column(&column.name).is_none() {
                ops.push(Op::DropColumn {
                    table: self.table(),
                    column: Column {
                        nullable: column.nullable || self.dropped_serial(&column.name).is_some(),
                        ..column.clone()
                    },
                });
            }
        }
    }

    /// What the models newly declare: foreign keys, indexes (not a unique one a column's own
    /// `UNIQUE` clause already makes), table constraints, kept definitions.
    fn add_declared(&self, ops: &mut Vec<Op>) {
        let (have, want) = (self.have, self.want);
        for fk in &want.foreign_keys {
            if !have.foreign_keys.iter().any(|h| same_fk(h, fk)) {
                ops.push(Op::AddForeignKey {
                    table: self.table(),
                    fk: fk.clone(),
                });
            }
        }
        let inline = inline_uniques(have);
        for index in &want.indexes {
            let written = index.unique
                && index.is_plain()
                && inline
                    .iter()
                    .any(|cols| crate::sql::same_columns(cols, &index.columns));
            if !have.indexes.iter().any(|h| self.same_index(h, index)) && !written {
                ops.push(Op::CreateIndex {
                    table: self.table(),
                    index: index.clone(),
                });
            }
        }
        for constraint in &want.table_constraints {
            if !contains_constraint(&have.table_constraints, constraint) {
                ops.push(Op::AddTableConstraint {
                    table: self.table(),
                    constraint: constraint.clone(),
                });
            }
        }
        // Declared triggers are `super::routines`'.
        let owned = want
            .unmodeled
            .iter()
            .filter(|d| d.is_owned() && d.trigger_name().is_none());
        for definition in owned {
            if !contains_clause(&have.unmodeled, definition) || self.rebuilt(definition) {
                ops.push(Op::CreateDefinition {
                    table: self.table(),
                    definition: definition.clone(),
                });
            }
        }
    }
}
