//! SQLite: rendering, normalisation and the table rebuild for changes `ALTER TABLE` cannot make.
//!
//! SQLite's `ALTER TABLE` can add a column (nullable, or with a constant default) and drop a
//! column that no key or index uses. Everything else — type, nullability or default changes,
//! primary key or foreign key changes — rebuilds the table: create the new shape under a
//! temporary name, copy the rows, drop the old table, rename, re-create its indexes. The new
//! table keeps the clauses introspection read from the old one's `CREATE TABLE`
//! ([`Table::table_constraints`], [`Table::options`], [`Column::extra`]); generated columns are
//! not copied, and a kept table constraint that names a dropped column goes with it. The runner
//! runs migrations with `PRAGMA foreign_keys = OFF` and checks `PRAGMA foreign_key_check`
//! before committing, so a rebuild neither cascades deletes nor leaves dangling references.
//!
//! This file holds the dialect and its choice between `ALTER TABLE` and a rebuild; the rebuild
//! itself (the copy, its guards, the rename) is in `sqlite_rebuild.rs`.

use super::{
    add_column_sql, drop_column_sql, is_literal_default, push_unmodeled, Dialect, OpSql,
    RenderError, Unsupported,
};
use crate::ops::Op;
use crate::schema::{Column, ForeignKey, Schema, SqlType, Table, TableOptions};

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

#[path = "sqlite_rebuild.rs"]
mod rebuild;
pub use rebuild::REBUILD_PREFIX;

impl Dialect for Sqlite {
    fn render_drop_trigger(&self, _table: &str, name: &str) -> String {
        format!("DROP TRIGGER {};\n", self.quote(name))
    }

    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn key(&self) -> &'static str {
        "sqlite"
    }

    /// SQLite stores any value in any column: a fill goes in before the rebuild that retypes
    /// the column and makes it NOT NULL, in one rebuild.
    fn typed_columns(&self) -> bool {
        false
    }

    /// A type change rebuilds the table; its guards (`misfit_condition`, in `sqlite_rebuild.rs`) refuse the rows whose
    /// values the new type cannot hold, and SQLite keeps everything else as it is.
    fn type_change_risk(&self, from: &SqlType, to: &SqlType) -> Option<String> {
        from.narrowing_to(to)?;
        let refused = |what: String| {
            format!("the table's rebuild refuses rows whose value is not {what}: the upgrade fails")
        };
        let number = |t: &SqlType| {
            matches!(
                t,
                SqlType::SmallInt
                    | SqlType::Integer
                    | SqlType::BigInt
                    | SqlType::Real
                    | SqlType::Double
                    | SqlType::Numeric { .. }
            )
        };
        Some(match to {
            SqlType::SmallInt => refused(format!("an integer from {} to {}", i16::MIN, i16::MAX)),
            SqlType::Integer => refused(format!("an integer from {} to {}", i32::MIN, i32::MAX)),
            SqlType::BigInt => refused("an integer".to_owned()),
            SqlType::Boolean => refused("0 or 1".to_owned()),
            SqlType::Real | SqlType::Double | SqlType::Numeric { .. } if number(from) => {
                "values are kept as they are: SQLite stores every number at full precision, \
                 whatever the declared type"
                    .to_owned()
            }
            SqlType::Real | SqlType::Double | SqlType::Numeric { .. } => {
                refused("a number".to_owned())
            }
            SqlType::Varchar(_) => {
                "values are kept as they are: SQLite does not enforce VARCHAR lengths, so longer \
                 strings stay whole"
                    .to_owned()
            }
            _ => "values are kept as they are: SQLite does not check them against the new type"
                .to_owned(),
        })
    }

    fn model_defaults(&self, schema: &mut Schema) {
        for table in schema.tables.values_mut() {
            // An INTEGER key is the rowid whatever the model says: `identity = false` changes
            // nothing here.
            table.no_identity = false;
            // SQLite has no `NOT VALID`: such a check is an ordinary CHECK here.
            for constraint in &mut table.table_constraints {
                if let crate::schema::ConstraintKind::Check { not_valid, .. } = &mut constraint.kind
                {
                    *not_valid = false;
                }
            }
            let mut plain = Vec::new();
            for mut index in std::mem::take(&mut table.indexes) {
                // SQLite cannot add a UNIQUE constraint after CREATE TABLE: a unique index
                // enforces the same.
                index.constraint = false;
                crate::sql::simplify_index(table, &mut index);
                if index.is_plain() {
                    plain.push(index);
                } else {
                    // SQLite keeps the statement's text verbatim: introspection reads it back.
                    let statement = super::standard::index_statement(self, &table.name, &index);
                    table.unmodeled.push(crate::sql::kept(statement));
                }
            }
            table.indexes = plain;
        }
    }

    fn check_models(&self, schema: &Schema) -> Result<(), RenderError> {
        super::refuse_prefixes(self.name(), schema)?;
        super::views::refuse_materialized(self, schema)?;
        super::routines::refuse_functions(self, schema)?;
        for table in schema.tables.values() {
            if let (Some(name), bare) = crate::schema::split_qualified(&table.name) {
                return Err(RenderError::Unsupported {
                    dialect: "SQLite",
                    what: format!("create table `{bare}` in schema `{name}`"),
                    hint: format!(
                        "SQLite has no schemas: remove `schema = \"{name}\"` from the model of \
                         `{bare}` (or migrate a PostgreSQL database)"
                    ),
                });
            }
            if table.autoincrement {
                let integer_key = match table.primary_key.as_slice() {
                    [key] => table.column(key).is_some_and(|c| c.ty.is_integer()),
                    _ => false,
                };
                if !integer_key {
                    return Err(RenderError::Unsupported {
                        dialect: "SQLite",
                        what: format!("make the key of `{}` AUTOINCREMENT", table.name),
                        hint: "SQLite allows AUTOINCREMENT only on a single INTEGER primary key \
                               column: remove `autoincrement`, or make the key one integer column"
                            .into(),
                    });
                }
            }
            for index in &table.indexes {
                let o = &index.options;
                let refuse = |what: &str, hint: &str| RenderError::Unsupported {
                    dialect: "SQLite",
                    what: format!(
                        "create index `{}` on `{}` with {what}",
                        index.name, table.name
                    ),
                    hint: hint.to_owned(),
                };
                if let Some(method) = o.method.as_deref() {
                    if !method.trim().eq_ignore_ascii_case("btree") {
                        return Err(refuse(
                            &format!("`method = \"{method}\"`"),
                            "SQLite has only B-tree indexes; remove `method` (or make it `btree`)",
                        ));
                    }
                }
                if !o.include.is_empty() {
                    return Err(refuse(
                        "`include(...)`",
                        "SQLite indexes have no INCLUDE columns; remove `include(...)` or make them keys",
                    ));
                }
                if o.with.is_some() {
                    return Err(refuse(
                        "`with = \"...\"`",
                        "SQLite indexes have no storage parameters; remove `with`",
                    ));
                }
                if o.nulls_not_distinct {
                    return Err(refuse(
                        "`nulls_not_distinct`",
                        "SQLite's unique indexes always treat NULLs as distinct; remove `nulls_not_distinct`",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The rebuild keeps every value or refuses the row ([`Dialect::type_change_risk`]).
    fn type_change_loss(&self, _from: &SqlType, _to: &SqlType) -> Option<String> {
        None
    }

    fn normalize_table(&self, table: &mut Table) {
        // SQLite has no comments: a model's doc comments are no difference.
        table.comment = None;
        for column in &mut table.columns {
            column.default = column.default.as_deref().map(super::normalize_default);
            column.comment = None;
            // An enum is TEXT checked against its labels: the clause is the models' own, so a
            // label change is a constraint change (a rebuild, whose copy refuses a row that
            // holds a removed label).
            if let SqlType::Enum { labels, .. } = &column.ty {
                let clause =
                    crate::sql::column_clause(enum_check(&self.quote(&column.name), labels));
                column.ty = SqlType::Text;
                if !column.extra.contains(&clause) {
                    column.extra.push(clause);
                }
            }
        }
        // A single integer primary key is rendered `INTEGER` so it becomes the rowid alias
        // (auto-assigned ids); every integer width is 64-bit in SQLite anyway.
        if let [pk] = table.primary_key.as_slice() {
            if let Some(col) = table.columns.iter_mut().find(|c| &c.name == pk) {
                if col.ty.is_integer() {
                    col.ty = SqlType::Integer;
                }
            }
        }
        // The rowid alias is the column whose values the database assigns: a new one fills
        // the rows already there (no backfill), whatever the models say (`identity = false`
        // changes nothing here). A WITHOUT ROWID table has no such column.
        let rowid = !table.options.without_rowid;
        // No sequences: `identity = "always"` and `serial` mean nothing here.
        table.identity_kind = Default::default();
        table.serial.clear();
        table.serial_options.clear();
        table.identity = match table.primary_key.as_slice() {
            [pk] if rowid && table.column(pk).is_some_and(|c| c.ty == SqlType::Integer) => {
                Some(pk.clone())
            }
            _ => None,
        };
    }

    /// A table restored as the database had it (the reverse of dropping it) is created from
    /// its own text, verbatim ([`crate::schema::Written`]); any other is rendered.
    fn render_create_table(&self, table: &Table) -> OpSql {
        let verbatim = |sql: &String| format!("{};\n", sql.trim_end().trim_end_matches(';'));
        let mut s = match &table.written.create {
            Some(create) => verbatim(create),
            None => self.create_table(table, &table.name),
        };
        for index in &table.indexes {
            match table.written.indexes.get(&index.name) {
                Some(sql) => s.push_str(&verbatim(sql)),
                None => s.push_str(&self.create_index(&table.name, index)),
            }
        }
        push_unmodeled(table, &mut s);
        Ok(s)
    }

    /// `STRICT`, `WITHOUT ROWID`: as the database has them written, else in that order.
    fn table_options_clause(&self, options: &TableOptions) -> String {
        if let Some(written) = &options.written {
            return written.clone();
        }
        let strict = options.strict.then_some("STRICT");
        let without_rowid = options.without_rowid.then_some("WITHOUT ROWID");
        [strict, without_rowid]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The type as the database has it written where it says the same type (`DATETIME` for
    /// `TIMESTAMP`, `text` for `TEXT`).
    fn render_type(&self, column: &Column) -> String {
        match &column.spelling.ty {
            Some(written) if SqlType::parse(written) == column.ty => written.clone(),
            _ => column.ty.to_string(),
        }
    }

    /// A column as written where the models agree (see [`Sqlite::render_type`]), with its
    /// `DEFAULT NULL`; the rowid key always `INTEGER` (any other spelling is no rowid alias).
    fn create_table_column(&self, table: &Table, column: &Column) -> String {
        let mut column = column.clone();
        if table.primary_key == [column.name.as_str()] && column.ty == SqlType::Integer {
            column.spelling.ty = None;
        }
        if column.default.is_none() && column.spelling.null_default {
            column.default = Some("NULL".to_owned());
        }
        self.column_definition(&column)
    }

    /// An `AUTOINCREMENT` key says so inside its `PRIMARY KEY` clause.
    fn create_table_primary_key(&self, table: &Table, _name: &str) -> String {
        let columns = self.quote_list(&table.primary_key);
        if table.autoincrement {
            format!("PRIMARY KEY ({columns} AUTOINCREMENT)")
        } else {
            format!("PRIMARY KEY ({columns})")
        }
    }

    fn render_default(&self, expr: &str) -> String {
        let upper = expr.trim().to_ascii_uppercase();
        if is_literal_default(expr)
            || matches!(
                upper.as_str(),
                "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIME"
            )
        {
            expr.to_owned()
        } else {
            format!("({expr})")
        }
    }

    fn render_add_column(&self, table: &str, column: &Column) -> OpSql {
        if !can_add_column(column) {
            return Err(Unsupported::new(
                "SQLite adds only a nullable column or one with a constant default; the migration's rendering rebuilds the table instead",
            ));
        }
        Ok(add_column_sql(self, table, column))
    }

    fn render_drop_column(&self, table: &str, column: &Column, current: Option<&Table>) -> OpSql {
        if !current.is_some_and(|t| can_drop_column(t, &column.name)) {
            return Err(Unsupported::new(
                "SQLite drops only a column that no key or index uses; the migration's rendering rebuilds the table instead",
            ));
        }
        Ok(drop_column_sql(self, table, column))
    }

    fn render_alter_column(&self, _table: &str, _from: &Column, _to: &Column) -> OpSql {
        Err(rebuild_only())
    }

    fn render_alter_primary_key(
        &self,
        _table: &str,
        _from: &[String],
        _to: &[String],
        _current: Option<&Table>,
    ) -> OpSql {
        Err(rebuild_only())
    }

    /// An `INTEGER` primary key is SQLite's rowid, assigned by the database: nothing to render.
    fn render_alter_identity(
        &self,
        _table: &str,
        _from: Option<&crate::schema::IdentityColumn>,
        _to: Option<&crate::schema::IdentityColumn>,
        _current: Option<&Table>,
    ) -> OpSql {
        Ok(String::new())
    }

    fn render_add_foreign_key(&self, _table: &str, _fk: &ForeignKey) -> OpSql {
        Err(rebuild_only())
    }

    fn render_drop_foreign_key(&self, _table: &str, _fk: &ForeignKey) -> OpSql {
        Err(rebuild_only())
    }

    /// SQLite has no `ALTER INDEX`: the index is dropped and created under its new name.
    fn render_rename_index(
        &self,
        table: &str,
        from: &crate::schema::Index,
        to: &crate::schema::Index,
    ) -> OpSql {
        Ok(format!(
            "DROP INDEX {};\n{}",
            self.quote(&from.name),
            self.create_index(table, to)
        ))
    }

    /// SQLite's catalog names foreign keys after their table, columns and referenced table
    /// whatever the `CREATE TABLE` text says, and it has no other named constraint to rename.
    fn render_rename_constraint(&self, _table: &str, _from: &str, _to: &str) -> OpSql {
        Ok(
            "-- nothing to run: SQLite names foreign keys after their table and columns\n"
                .to_owned(),
        )
    }

    /// Every statement that changes the schema or rows takes the database's write lock;
    /// readers go on (in WAL mode) until the commit.
    fn statement_effects(&self, ops: &[Op], sql: &str) -> super::Effects {
        let first = sql.split_whitespace().next().unwrap_or_default();
        let writes = !first.eq_ignore_ascii_case("PRAGMA") && !first.eq_ignore_ascii_case("SELECT");
        let table = ops.first().map(|op| op.table().to_owned());
        super::Effects {
            locks: table
                .filter(|_| writes)
                .map(|table| super::Lock {
                    table,
                    mode: super::LockMode::Database,
                })
                .into_iter()
                .collect(),
            hazards: if first.eq_ignore_ascii_case("UPDATE") {
                vec![super::Hazard::RowWrites]
            } else {
                Vec::new()
            },
            ..Default::default()
        }
    }

    fn rebuild_table(
        &self,
        group: &[Op],
        state: &mut Schema,
        out: &mut String,
        _unsupported: RenderError,
    ) -> Result<(), RenderError> {
        self.rebuild(group, state, out)
    }
}

/// What SQLite says for a change its `ALTER TABLE` cannot make at all.
fn rebuild_only() -> Unsupported {
    Unsupported::new(
        "SQLite's ALTER TABLE cannot make this change; render the whole migration, which rebuilds the table",
    )
}

/// The `CHECK` clause of an enum column: `CHECK ("col" IN ('a', 'b'))`.
pub fn enum_check(quoted_column: &str, labels: &[String]) -> String {
    let labels: Vec<String> = labels
        .iter()
        .map(|l| format!("'{}'", l.replace('\'', "''")))
        .collect();
    format!("CHECK ({quoted_column} IN ({}))", labels.join(", "))
}

/// `ALTER TABLE ADD COLUMN` takes a nullable column or one with a constant default.
/// A column with clauses the model cannot say (carried back by a down migration) is added
/// by a rebuild: `ADD COLUMN` refuses `UNIQUE` and stored generated columns.
fn can_add_column(column: &Column) -> bool {
    if !column.extra.is_empty() || column.generated.as_ref().is_some_and(|g| g.stored) {
        return false;
    }
    match &column.default {
        None => column.nullable,
        Some(d) => is_literal_default(d),
    }
}

/// `ALTER TABLE DROP COLUMN` refuses columns in a key, an index, a `UNIQUE` or `CHECK`
/// constraint or a generated column's expression, and stored generated columns; a column with
/// clauses of its own, or named by a kept clause, is dropped by a rebuild.
fn can_drop_column(table: &Table, column: &str) -> bool {
    let named = |cols: &[String]| cols.iter().any(|c| c == column);
    let own_clauses = table
        .column(column)
        .is_some_and(|c| !c.extra.is_empty() || c.generated.is_some());
    let constraints: Vec<String> = table
        .table_constraints
        .iter()
        .map(|c| Sqlite.table_constraint_clause(c))
        .collect();
    let mentioned = constraints
        .iter()
        .map(String::as_str)
        .chain(
            table
                .columns
                .iter()
                .flat_map(|c| c.extra.iter().map(|x| x.sql())),
        )
        .chain(
            table
                .columns
                .iter()
                .filter_map(|c| c.generated.as_ref().map(|g| g.expr.as_str())),
        )
        .any(|clause| crate::sql::mentions(clause, column));
    !named(&table.primary_key)
        && !table.foreign_keys.iter().any(|fk| named(&fk.columns))
        && !table.indexes.iter().any(|ix| named(&ix.columns))
        && !own_clauses
        && !mentioned
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
