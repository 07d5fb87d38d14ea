//! `#[derive(Model)]` for Retort. Use it through `retort::Model`; this crate is an
//! implementation detail of `retort`.
//!
//! The derive reads the struct in three steps: `attr` parses each `#[model(...)]` key, `ast`
//! puts the struct and its fields together, `check` applies the rules that involve several keys.
//! Every error found along the way is collected in a `ctxt::Ctxt` and reported at once; `expand`
//! then writes the impl (or, on error, a placeholder impl next to the errors).

mod ast;
mod attr;
mod check;
mod ctxt;
mod data_step;
mod db_enum;
mod embed;
mod expand;
mod sql_object;
mod view;

#[cfg(test)]
mod key_tests;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Describes a database table with a struct.
///
/// ```ignore
/// use retort::Model;
///
/// #[derive(Model)]
/// #[model(table = "users")]
/// #[model(index(columns("last_name", "first_name"), name = "ix_users_name"))]
/// pub struct User {
///     #[model(primary_key)]
///     pub id: i64,
///     #[model(max_length = 255, unique)]
///     pub email: String,
///     pub bio: Option<String>,
///     #[model(default = "0")]
///     pub age: i32,
///     #[model(references = "orgs.id", on_delete = "cascade")]
///     pub org_id: i64,
///     #[model(column = "created", index)]
///     pub created_at: chrono::NaiveDateTime,
///     #[model(sql_type = "NUMERIC(10,2)")]
///     pub balance: String,
///     pub first_name: String,
///     pub last_name: String,
///     #[model(skip)]
///     pub cache: Option<String>,
/// }
/// ```
///
/// # On the struct
///
/// - `table = "name"`: the table's name. By default the struct's name in snake case plus `s`
///   (`User` → `users`, `PostTag` → `post_tags`, `HTTPLog` → `http_logs`).
/// - `index(columns("a", "b"), name = "ix_name", unique)`: an index over one or more columns
///   (column names, after `column = ...` renames). `name` is optional (default `ix_<table>_<cols>`,
///   or `uq_...` when `unique`); `unique` is optional. Repeat `index(...)` for more indexes.
///
/// # On a field
///
/// Every named field is a column, in declaration order, typed through `retort::ColumnType`
/// (`Option<T>` is nullable).
///
/// - `primary_key`: part of the primary key (several fields make a composite key, in field
///   order). Without any, the column named `id` is the key.
/// - `unique`: a unique index on the column (`uq_<table>_<column>`).
/// - `index`: an index on the column (`ix_<table>_<column>`).
/// - `max_length = N`: `VARCHAR(N)`; only for `String` and `Option<String>`.
/// - `default = "SQL"`: the server default, an SQL expression (`"0"`, `"'draft'"`,
///   `"CURRENT_TIMESTAMP"`).
/// - `references = "table.column"`: a foreign key, with optional `on_delete = "..."` and
///   `on_update = "..."`: `cascade`, `restrict`, `set null`, `set default` or `no action`
///   (default), in any case, with a space or `_`.
/// - `column = "name"`: the column's name, if not the field's.
/// - `sql_type = "TYPE"`: the column type as SQL, for types without `ColumnType`; the column is
///   nullable when the field's type is written `Option<...>`.
/// - `skip`: not a column; takes no other key.
///
/// Several keys can share one `#[model(...)]`, and a struct or field can carry several
/// `#[model(...)]` attributes; a key may appear only once per struct or field (`index(...)`
/// on the struct excepted).
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    expand::derive_model_inner(input.into()).into()
}

/// Declares a view (or a PostgreSQL materialized view) that the models own: Retort creates it,
/// replaces it when its query changes, and drops and re-creates it around a change of a table
/// or column it reads.
///
/// ```ignore
/// use retort::View;
///
/// #[derive(View)]
/// #[view(sql = "SELECT id, email FROM users WHERE active", name = "active_users")]
/// pub struct ActiveUser {
///     pub id: i64,
///     pub email: String,
/// }
/// ```
///
/// # On the struct
///
/// - `sql = "SELECT ..."` (required): the view's query.
/// - `name = "..."`: the view's name; by default the struct's name in snake case plus `s`, as
///   for models (`ActiveUser` → `active_users`).
/// - `materialized`: a materialized view (PostgreSQL only).
/// - `key = "a, b"`: the columns print-schema writes as the diesel `table!`'s primary key
///   (diesel needs one); by default the first column.
///
/// # On a field
///
/// Every named field is a column, in order, typed through `retort::ColumnType` as for models.
/// - `column = "name"`: the column's name, if not the field's.
/// - `sql_type = "TYPE"`: the column's type as SQL, for types without `ColumnType`.
#[proc_macro_derive(View, attributes(view))]
pub fn derive_view(input: TokenStream) -> TokenStream {
    view::derive_view_inner(input.into()).into()
}

/// Stores a fieldless enum as a database enum, and makes it a column type.
///
/// ```ignore
/// use retort::DbEnum;
///
/// #[derive(DbEnum)]
/// #[db_enum(name = "mood")]
/// pub enum Mood {
///     Happy,
///     #[db_enum(rename = "so-so")]
///     SoSo,
///     VerySad,
/// }
/// ```
///
/// Each variant is one label, in declaration order: its name in snake case (`VerySad` →
/// `very_sad`), or `#[db_enum(rename = "...")]`. On the enum, `#[db_enum(name = "...")]` names
/// the database type (default: the enum's name in snake case). Implements `retort::DbEnum`
/// (`NAME`, `LABELS`, `label()`, `from_label()`) and `retort::ColumnType`, so the enum and
/// `Option` of it are model field types: a native enum type on PostgreSQL, `TEXT` with a
/// `CHECK` of the labels on SQLite.
#[proc_macro_derive(DbEnum, attributes(db_enum))]
pub fn derive_db_enum(input: TokenStream) -> TokenStream {
    db_enum::derive_db_enum_inner(input.into()).into()
}

/// Embeds a migrations directory (default `migrations`, relative to the crate's Cargo.toml) in
/// the binary: `const MIGRATIONS: retort::embed::EmbeddedMigrations = retort::embed_migrations!("migrations");`
/// It captures the raw files only; they are validated when loaded, like a directory on disk.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    embed::embed_migrations_inner(input.into()).into()
}

/// Registers a function as a Rust data step of a revision: a line `-- retort: step NAME` in
/// the revision's `up.sql` or `down.sql` runs it there, on the run's connection and in its
/// transaction.
///
/// ```ignore
/// #[retort::data_migration(revision = "3f2a9c1d7b10")]
/// fn split_names(conn: &mut retort::Conn) -> retort::Result<()> {
///     diesel::sql_query("UPDATE people SET first_name = name").execute(conn.sqlite()?)?;
///     Ok(())
/// }
/// ```
///
/// `revision` is the revision's id (12 hexadecimal digits, from its metadata.toml). The function
/// takes `&mut retort::Conn` and returns a `Result<(), E>` whose error converts into a boxed
/// error. A hash of its tokens is part of the revision's checksum: editing an applied step is
/// caught like editing its SQL.
#[proc_macro_attribute]
pub fn data_migration(args: TokenStream, item: TokenStream) -> TokenStream {
    data_step::data_migration_inner(args.into(), item.into()).into()
}

/// `retort::function!("CREATE FUNCTION ...")`: a PostgreSQL function or procedure the models
/// manage, declared as the statement that creates it.
#[proc_macro]
pub fn function(input: TokenStream) -> TokenStream {
    sql_object::sql_object_inner(sql_object::Kind::Function, input.into()).into()
}

/// `retort::trigger!("CREATE TRIGGER ...")`: a trigger on a model's table that the models
/// manage, declared as the statement that creates it.
#[proc_macro]
pub fn trigger(input: TokenStream) -> TokenStream {
    sql_object::sql_object_inner(sql_object::Kind::Trigger, input.into()).into()
}
