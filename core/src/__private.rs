//! Support for the code that `#[derive(Model)]` generates. Not a public API.

pub use inventory;

pub use crate::model::{ColumnType, DbEnum, Model, ModelRegistration, VarLength};

/// The column type of a `#[derive(DbEnum)]`.
pub fn enum_type(name: &str, labels: &[&str]) -> SqlType {
    SqlType::Enum {
        name: name.to_owned(),
        labels: labels.iter().map(|l| (*l).to_owned()).collect(),
    }
}
pub use crate::schema::{Deferrable, FkAction, SqlType, Table};

use crate::naming::Unnamed;
use crate::naming::{foreign_key_name, index_name};
use crate::schema::{Column, ForeignKey, Index, TableConstraint};

/// Builds a [`Table`] from the pieces the derive knows.
#[derive(Debug)]
pub struct TableBuilder {
    table: Table,
}

impl TableBuilder {
    pub fn new(name: &str) -> Self {
        TableBuilder {
            table: Table::new(name),
        }
    }

    /// The schema the table lives in (`#[model(schema = "billing")]`): the table's name becomes
    /// the qualified `billing.invoices` (see [`crate::schema::split_qualified`]).
    pub fn schema(mut self, schema: &str) -> Self {
        self.table.name = crate::schema::qualified_name(Some(schema), &self.table.name);
        self
    }

    /// The table's comment (the model's doc comment).
    pub fn comment(mut self, text: &str) -> Self {
        self.table.comment = Some(text.to_owned());
        self
    }

    /// The table's previous name (`#[model(renamed_from = "...")]` on the struct).
    /// `#[model(primary_key_name = "...")]`: the key constraint's name (PostgreSQL), kept
    /// whatever the naming convention says.
    pub fn primary_key_name(mut self, name: &str) -> Self {
        self.table.primary_key_name = Some(name.to_owned());
        self
    }

    pub fn renamed_from(mut self, old: &str) -> Self {
        // `schema.table`: moved from another schema; a bare name: renamed within its own.
        let schema = crate::schema::split_qualified(&self.table.name).0;
        self.table.renamed_from = Some(match crate::schema::split_qualified(old) {
            (Some(_), _) => old.to_owned(),
            (None, _) => crate::schema::qualified_name(schema, old),
        });
        self
    }

    /// The previous name of the column added last (`#[model(renamed_from = "...")]` on its
    /// field).
    pub fn column_renamed_from(mut self, old: &str) -> Self {
        if let Some(column) = self.table.columns.last_mut() {
            column.renamed_from = Some(old.to_owned());
        }
        self
    }

    /// The column added last is generated (`#[model(generated = "...", stored)]`).
    pub fn generated(mut self, expr: &str, stored: bool) -> Self {
        if let Some(column) = self.table.columns.last_mut() {
            column.generated = Some(crate::schema::Generated {
                expr: expr.to_owned(),
                stored,
            });
        }
        self
    }

    /// The comment of the column added last (its field's doc comment).
    pub fn column_comment(mut self, text: &str) -> Self {
        if let Some(column) = self.table.columns.last_mut() {
            column.comment = Some(text.to_owned());
        }
        self
    }

    /// A column whose type comes from [`ColumnType`].
    pub fn column<T: ColumnType + ?Sized>(self, name: &str, default: Option<&str>) -> Self {
        self.push(name, T::sql_type(), T::NULLABLE, default)
    }

    /// A `#[model(max_length = N)]` column: `VARCHAR(N)`.
    pub fn varchar<T: VarLength + ?Sized>(
        self,
        name: &str,
        len: u32,
        default: Option<&str>,
    ) -> Self {
        self.push(name, SqlType::Varchar(len), T::NULLABLE, default)
    }

    /// A `#[model(sql_type = "...")]` column.
    pub fn column_sql(
        self,
        name: &str,
        sql_type: &str,
        nullable: bool,
        default: Option<&str>,
    ) -> Self {
        self.push(name, SqlType::parse(sql_type), nullable, default)
    }

    fn push(mut self, name: &str, ty: SqlType, nullable: bool, default: Option<&str>) -> Self {
        let mut column = Column::new(name, ty, nullable);
        column.default = default.map(str::to_owned);
        self.table.columns.push(column);
        self
    }

    pub fn primary_key(mut self, columns: &[&str]) -> Self {
        self.table.primary_key = columns.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    pub fn foreign_key(
        mut self,
        columns: &[&str],
        ref_table: &str,
        ref_columns: &[&str],
        on_delete: FkAction,
        on_update: FkAction,
    ) -> Self {
        let name = foreign_key_name(&self.table.name, columns, ref_table);
        self.table.unnamed.push(Unnamed::ForeignKey(name.clone()));
        self.table.foreign_keys.push(ForeignKey {
            name,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            ref_table: ref_table.to_owned(),
            ref_columns: ref_columns.iter().map(|c| (*c).to_owned()).collect(),
            on_delete,
            on_update,
            deferrable: Default::default(),
        });
        self
    }

    /// An index; `name: None` takes the conventional `ix_`/`uq_` name.
    pub fn index(mut self, name: Option<&str>, columns: &[&str], unique: bool) -> Self {
        let name = name.map_or_else(
            || {
                let name = index_name(&self.table.name, columns, unique);
                self.table.unnamed.push(Unnamed::Index(name.clone()));
                name
            },
            str::to_owned,
        );
        self.table.indexes.push(Index {
            name,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            unique,
            constraint: false,
            options: Default::default(),
            prefixes: Vec::new(),
        });
        self
    }

    /// A `#[model(unique(columns(...)))]` UNIQUE constraint; `name: None` takes the
    /// conventional `uq_<table>_<cols>`.
    pub fn unique_constraint(mut self, name: Option<&str>, columns: &[&str]) -> Self {
        self = self.index(name, columns, true);
        if let Some(index) = self.table.indexes.last_mut() {
            index.constraint = true;
        }
        self
    }

    fn last_index(&mut self) -> &mut Index {
        self.table
            .indexes
            .last_mut()
            .expect("an index option follows its index")
    }

    /// The keys of the index added last, as SQL (`lower(email)`, `created_at DESC`).
    pub fn index_keys(mut self, keys: &[&str]) -> Self {
        self.last_index().options.keys = keys.iter().map(|k| (*k).to_owned()).collect();
        self
    }

    /// The access method of the index added last (`gin`).
    pub fn index_method(mut self, method: &str) -> Self {
        self.last_index().options.method = Some(method.to_owned());
        self
    }

    /// The `INCLUDE` columns of the index added last.
    pub fn index_include(mut self, columns: &[&str]) -> Self {
        self.last_index().options.include = columns.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    /// The storage parameters of the index added last (`WITH (...)`, PostgreSQL).
    pub fn index_with(mut self, parameters: &str) -> Self {
        self.last_index().options.with = Some(parameters.trim().to_owned());
        self
    }

    /// The predicate of the index added last: a partial index.
    pub fn index_where(mut self, predicate: &str) -> Self {
        self.last_index().options.predicate = Some(predicate.trim().to_owned());
        self
    }

    /// The prefix lengths of key columns of the index added last (`prefix(body = 100)`).
    pub fn index_prefixes(mut self, prefixes: &[(&str, u32)]) -> Self {
        let index = self.last_index();
        for (column, length) in prefixes {
            if let Some(i) = index.columns.iter().position(|c| c == column) {
                index.set_prefix(i, Some(*length));
            }
        }
        self
    }

    /// `NULLS NOT DISTINCT` for the index or unique constraint added last.
    pub fn index_nulls_not_distinct(mut self) -> Self {
        self.last_index().options.nulls_not_distinct = true;
        self
    }

    /// The name of the foreign key added last (instead of `fk_<table>_<cols>_<ref_table>`).
    pub fn foreign_key_name(mut self, name: &str) -> Self {
        if let Some(fk) = self.table.foreign_keys.last_mut() {
            let given = Unnamed::ForeignKey(std::mem::replace(&mut fk.name, name.to_owned()));
            self.table.unnamed.retain(|u| *u != given);
        }
        self
    }

    /// When the foreign key added last is checked.
    pub fn deferrable(mut self, deferrable: Deferrable) -> Self {
        if let Some(fk) = self.table.foreign_keys.last_mut() {
            fk.deferrable = deferrable;
        }
        self
    }

    /// A `#[model(check(...))]` CHECK constraint.
    pub fn check(mut self, name: &str, expr: &str) -> Self {
        self.table
            .table_constraints
            .push(TableConstraint::check(name, expr, false));
        self
    }

    /// A `#[model(check(expr = ...))]` without a name, the `n`-th check of the model (from 1):
    /// named `ck_<table>_<n>` until [`crate::naming::apply`] applies the project's convention.
    pub fn unnamed_check(mut self, n: usize, expr: &str) -> Self {
        let name = format!("ck_{}_{n}", self.table.name);
        self.table.unnamed.push(Unnamed::Check {
            name: name.clone(),
            n,
        });
        self.check(&name, expr)
    }

    /// [`TableBuilder::unnamed_check`] of a `not_valid` check.
    pub fn unnamed_check_not_valid(mut self, n: usize, expr: &str) -> Self {
        let name = format!("ck_{}_{n}", self.table.name);
        self.table.unnamed.push(Unnamed::Check {
            name: name.clone(),
            n,
        });
        self.check_not_valid(&name, expr)
    }

    /// A `#[model(check(..., not_valid))]` CHECK constraint: PostgreSQL adds it `NOT VALID`.
    pub fn check_not_valid(mut self, name: &str, expr: &str) -> Self {
        self.table
            .table_constraints
            .push(TableConstraint::check(name, expr, true));
        self
    }

    /// `#[model(check = "...")]` on the last column: its own `CHECK (...)` clause (SQLite;
    /// PostgreSQL makes it a table constraint named `<table>_<column>_check`).
    pub fn column_check(mut self, expr: &str) -> Self {
        if let Some(column) = self.table.columns.last_mut() {
            column.extra.push(crate::sql::column_clause(format!(
                "CHECK ({})",
                expr.trim()
            )));
        }
        self
    }

    /// `#[model(primary_key, autoincrement)]`: the key never gives the id of a deleted row
    /// again (SQLite's `AUTOINCREMENT`).
    pub fn autoincrement(mut self) -> Self {
        self.table.autoincrement = true;
        self
    }

    /// `#[model(primary_key, identity = false)]`: the application assigns the key's values, so
    /// PostgreSQL gives the key no identity.
    pub fn no_identity(mut self) -> Self {
        self.table.no_identity = true;
        self
    }

    /// `identity = "always"` (`always`) or `identity = "by_default"` on the column added
    /// last: it is the table's identity.
    pub fn identity(mut self, always: bool) -> Self {
        if let Some(column) = self.table.columns.last() {
            self.table.identity = Some(column.name.clone());
            self.table.identity_kind = if always {
                crate::schema::IdentityKind::Always
            } else {
                crate::schema::IdentityKind::ByDefault
            };
        }
        self
    }

    /// `serial` on the column added last: a sequence it owns gives its values (PostgreSQL).
    pub fn serial(mut self) -> Self {
        if let Some(column) = self.table.columns.last() {
            self.table.serial.push(column.name.clone());
        }
        self
    }

    /// `serial = "name"` or `serial(name = "...", ty = "bigint")` on the column added last:
    /// serial, its sequence named `name` (not PostgreSQL's own `<table>_<column>_seq`) and of
    /// type `ty` (not the column's).
    pub fn serial_with(mut self, name: Option<&str>, ty: Option<&str>) -> Self {
        if let Some(column) = self.table.columns.last() {
            self.table.serial_options.insert(
                column.name.clone(),
                crate::schema::SerialOptions {
                    name: name.map(str::to_owned),
                    ty: ty.map(SqlType::parse),
                },
            );
        }
        self.serial()
    }

    /// Compiles only for an integer field type: `identity` and `serial` need one.
    pub fn integer<T: crate::model::IntegerColumn + ?Sized>(self) -> Self {
        self
    }

    pub fn build(mut self) -> Table {
        self.table.canonicalize();
        self.table
    }
}

pub use crate::model::{ViewModel, ViewRegistration};

/// Builds a [`crate::schema::View`] from `#[derive(View)]`.
#[derive(Debug)]
pub struct ViewBuilder {
    view: crate::schema::View,
}

impl ViewBuilder {
    /// The view `name` over `sql`; `materialized` for `#[view(materialized)]`.
    pub fn new(name: &str, sql: &str, materialized: bool) -> Self {
        ViewBuilder {
            view: crate::sql::view(name, sql, materialized),
        }
    }

    /// A column whose type comes from [`ColumnType`].
    pub fn column<T: ColumnType + ?Sized>(mut self, name: &str) -> Self {
        self.view
            .columns
            .push(Column::new(name, T::sql_type(), T::NULLABLE));
        self
    }

    /// A `#[view(sql_type = "...")]` column.
    pub fn column_sql(mut self, name: &str, sql_type: &str, nullable: bool) -> Self {
        self.view
            .columns
            .push(Column::new(name, SqlType::parse(sql_type), nullable));
        self
    }

    /// The columns print-schema writes as the `table!`'s key.
    pub fn key(mut self, columns: &[&str]) -> Self {
        self.view.key = columns.iter().map(|c| c.to_string()).collect();
        self
    }

    /// `#[view(options = "...")]`: what goes between `CREATE` and `VIEW`.
    pub fn options(mut self, options: &str) -> Self {
        self.view.options = options.trim().to_owned();
        self
    }

    pub fn build(self) -> crate::schema::View {
        self.view
    }
}
