//! What the rest of Retort asks of a backend's SQL besides rendering ops: how long its names
//! may be, how it holds an enum's labels, which type changes keep expressions valid, the names
//! it gives sequences, diesel's type names for it, and how to set a trigger aside. Every
//! method has a default; a dialect overrides what differs (`postgres_facts.rs`,
//! `sqlite_facts.rs`). Code outside `backend/` and `dialect/` asks these methods instead of
//! naming a backend.

use crate::schema::{Column, SqlType};

/// See the module documentation. A supertrait of [`super::Dialect`]: bring it into scope to call
/// its methods on a `&dyn Dialect`.
pub trait DialectFacts {
    /// Whether `statement` must run by itself, outside any transaction block (PostgreSQL:
    /// `CREATE INDEX CONCURRENTLY`, `VACUUM`...). A revision outside a transaction runs every
    /// other statement in a transaction of its own, with its progress record.
    fn runs_alone(&self, _statement: &str) -> bool {
        false
    }

    /// Whether the dialect has online forms ([`super::RenderOptions::online`]) that let a
    /// busy table's writers go on (PostgreSQL), so a statement that still blocks them while it
    /// rewrites the table is worth refusing unless accepted. SQLite: none, every change holds
    /// the database's write lock.
    fn has_online_forms(&self) -> bool {
        false
    }

    /// The words of the server's error when a statement gave up waiting for a lock (the run's
    /// lock timeout), which the runner retries (PostgreSQL's `canceling statement due to lock
    /// timeout`).
    fn lock_timeout_words(&self) -> &'static str {
        "lock timeout"
    }

    /// The longest identifier the database keeps, in bytes, when it cuts longer ones silently
    /// (PostgreSQL: 63); `None` when it keeps any length.
    fn identifier_limit(&self) -> Option<usize> {
        None
    }

    /// `name` as the database stores it: cut to [`DialectFacts::identifier_limit`] bytes, at a
    /// character boundary.
    fn stored_identifier(&self, name: &str) -> String {
        match self.identifier_limit() {
            Some(max) if name.len() > max => {
                let mut end = max;
                while !name.is_char_boundary(end) {
                    end -= 1;
                }
                name[..end].to_owned()
            }
            _ => name.to_owned(),
        }
    }

    /// Whether an index or constraint expression over a column keeps applying when the
    /// column's type changes from `from` to `to` (the database re-checks it rather than
    /// refusing the change): within a family of types (numbers, strings, dates and times) on
    /// PostgreSQL. By default never, so a type change under such an object is refused at
    /// autogenerate time rather than failing at upgrade time.
    fn keeps_expressions_across(&self, _from: &SqlType, _to: &SqlType) -> bool {
        false
    }

    /// Whether changing an enum type's labels from `from` to `to` converts every column of the
    /// type (so an object over such a column blocks it). PostgreSQL adds labels in place and
    /// swaps the type for any other change; by default every change converts.
    fn enum_change_converts_columns(&self, _from: &[String], _to: &[String]) -> bool {
        true
    }

    /// The labels of an enum held by `clause`, one of the clauses of column `column`
    /// ([`Column::extra`]), when that clause is how this dialect holds an enum's labels
    /// (SQLite: `CHECK ("col" IN ('a', 'b'))` on a `TEXT` column). By default none: the labels
    /// are the type's ([`SqlType::Enum`], [`crate::schema::Schema::enums`]).
    fn enum_labels_in(&self, _column: &str, _clause: &str) -> Option<Vec<String>> {
        None
    }

    /// The labels of the enum `column` holds in one of its clauses
    /// ([`DialectFacts::enum_labels_in`]).
    fn column_enum_labels(&self, column: &Column) -> Option<Vec<String>> {
        column
            .extra
            .iter()
            .find_map(|clause| self.enum_labels_in(&column.name, clause.sql()))
    }

    /// The name the database gives the sequence of serial column `column` of `table` (maybe
    /// schema-qualified), without the schema: `<table>_<column>_seq` by default.
    fn default_serial_sequence_name(&self, table: &str, column: &str) -> String {
        format!("{}_{column}_seq", crate::schema::bare_name(table))
    }

    /// The bare name of the sequence a serial column's kept definition creates
    /// ([`crate::schema::Table::serial_sequence`]), for backends with serial columns.
    fn serial_sequence_name(&self, _definition: &str) -> Option<String> {
        None
    }

    /// The type of the sequence a serial column's kept definition creates.
    fn serial_sequence_type(&self, _definition: &str) -> Option<SqlType> {
        None
    }

    /// The statements a baseline writes before and after the objects that are not tables it
    /// creates ([`crate::baseline`]): PostgreSQL turns off `check_function_bodies` (a body may
    /// name a table created later), MariaDB keeps the run's `sql_mode` (each trigger and
    /// routine is created under its own) and puts it back. None by default.
    fn around_created_objects(&self) -> (&'static str, &'static str) {
        ("", "")
    }

    /// diesel's type names for this backend (`print-schema`); `None` for a backend diesel's
    /// `print-schema` conventions do not cover.
    fn diesel_types(&self) -> Option<&dyn DieselTypes> {
        None
    }

    /// How to set aside the trigger(s) on `table` that refuse writes while migrating: `them`
    /// is `it` or `them`, `each` a trigger's name (or `NAME`). By default drop and re-create
    /// them.
    fn set_triggers_aside(&self, _table: &str, them: &str, each: &str) -> String {
        format!(
            "drop {them} while migrating (`DROP TRIGGER {each};`), then create {them} again \
             afterwards"
        )
    }
}

/// diesel's type names for a backend's columns (`print-schema`, see
/// `crate::diesel_schema`).
pub trait DieselTypes {
    /// The diesel SQL type of a column of type `ty`.
    fn diesel_type(&self, ty: &SqlType) -> DieselType;

    /// The `#[diesel(...)]` attribute of a custom type's struct in `pub mod sql_types`, given
    /// its SQL name as a Rust string literal.
    fn custom_type_attribute(&self, sql_name: &str) -> String;
}

/// A column's diesel type: its name, `#[max_length]`, and a custom type to declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DieselType {
    /// `Int4`, `Array<Nullable<Text>>`, `Citext` (a custom type's struct name).
    pub name: String,
    /// diesel's `#[max_length = N]`.
    pub max_length: Option<u32>,
    /// A type diesel does not know: (struct name, SQL name).
    pub custom: Option<(String, String)>,
}

impl DieselType {
    /// A type diesel knows by `name`.
    pub fn known(name: &str) -> DieselType {
        DieselType {
            name: name.to_owned(),
            max_length: None,
            custom: None,
        }
    }
}

/// `tsvector` -> `Tsvector`, `my_type` -> `MyType` (diesel's custom type names).
pub(crate) fn camel(sql: &str) -> String {
    let mut out = String::new();
    for part in sql.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Type");
    }
    out
}
