//! diesel's `schema.rs` from the models: `table!`, `joinable!` and
//! `allow_tables_to_appear_in_same_query!`, following `diesel print-schema`'s conventions, so a
//! project keeps its diesel schema in step with its models without diesel_cli or a database.
//!
//! Conventions kept from diesel_cli:
//! - SQL type names per backend: PostgreSQL's own (`Int4`, `Int8`, `Varchar` with
//!   `#[max_length = N]`, `Timestamptz`, `Bytea`, `Jsonb`...), SQLite's affinity names
//!   (`Integer`, `BigInt`, `Text`, `Binary`, `Double`...); `Nullable<...>` for nullable columns;
//!   PostgreSQL arrays as `Array<Nullable<T>>`.
//! - A PostgreSQL type diesel has no name for gets a struct in `pub mod sql_types` deriving
//!   `diesel::sql_types::SqlType` with `#[diesel(postgres_type(name = "..."))]`, imported by the
//!   tables that use it (implement `ToSql`/`FromSql` for your Rust type to use it).
//! - A column or table whose name is not a Rust identifier (or is a keyword) gets a Rust name
//!   with `#[sql_name = "..."]`.
//! - `joinable!` for each single-column foreign key to the referenced table's one-column primary
//!   key, unless the two tables have more than one foreign key between them, in either
//!   direction (two keys to the same table, which diesel could not tell apart, or keys both
//!   ways, which would be conflicting `joinable!` implementations): such a pair gets none, as
//!   with diesel_cli; one `allow_tables_to_appear_in_same_query!` lists every table.
//! - A table without a primary key cannot be a `table!`: it is left out, with a comment.
//! - Each managed view (`#[derive(View)]`) is a `table!` too, after the tables, so queries on it
//!   are typed: diesel needs a primary key, so the view's `key` (`#[view(key = "...")]`, by
//!   default its first column) stands for one, as a comment above it says. Views have no foreign
//!   keys, so no `joinable!`; they are listed in `allow_tables_to_appear_in_same_query!`.
//!
//! Differences: the Rust types come from the models, not from the database, so an `i64` key
//! is `BigInt` on SQLite too (what diesel_cli's `sqlite_integer_primary_key_is_bigint` asks
//! for), and doc comments on models and fields become doc comments in `table!`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::dialect::{Dialect, DieselType, DieselTypes};
use crate::schema::{Schema, Table, View};

/// Which backend's diesel type names to write: a dialect that has them
/// ([`crate::dialect::DialectFacts::diesel_types`]).
#[derive(Clone, Copy)]
pub struct Flavor<'d> {
    dialect: &'d dyn Dialect,
    types: &'d dyn DieselTypes,
}

impl std::fmt::Debug for Flavor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Flavor({})", self.dialect.name())
    }
}

impl<'d> Flavor<'d> {
    /// The flavor of `dialect`; `None` for a backend diesel's print-schema conventions do not
    /// cover.
    pub fn of(dialect: &'d dyn Dialect) -> Option<Flavor<'d>> {
        Some(Flavor {
            dialect,
            types: dialect.diesel_types()?,
        })
    }
}

/// The first line of a generated file; [`render`]'s output starts with it.
pub const HEADER: &str = "// @generated automatically by Retort from the models: do not edit.";

/// diesel's `schema.rs` for `schema` (the models' schema), in `flavor`'s type names.
/// `command` is how to regenerate it, named in the header (`myapp-migrate print-schema`).
pub fn render(schema: &Schema, flavor: Flavor<'_>, command: &str) -> String {
    let stored;
    // A backend that cuts long names silently: the names it stores.
    let schema = if flavor.dialect.identifier_limit().is_some() {
        stored = stored_names(schema, flavor.dialect);
        &stored
    } else {
        schema
    };
    let mut out = String::new();
    let _ = writeln!(out, "{HEADER}");
    let _ = writeln!(out, "// Regenerate with `{command}`.");

    let views: Vec<(Table, String)> = schema.views.values().filter_map(view_table).collect();
    let keyed: Vec<&Table> = schema
        .tables
        .values()
        .filter(|t| !t.primary_key.is_empty())
        .chain(views.iter().map(|(t, _)| t))
        .collect();
    let unkeyed: Vec<&str> = schema
        .tables
        .values()
        .filter(|t| t.primary_key.is_empty())
        .map(|t| t.name.as_str())
        .collect();

    // Custom SQL types, declared once, in name order.
    let mut customs: BTreeMap<String, String> = BTreeMap::new();
    for table in &keyed {
        for column in &table.columns {
            if let Some((rust, sql)) = flavor.types.diesel_type(&column.ty).custom {
                customs.insert(rust, sql);
            }
        }
    }
    if !customs.is_empty() {
        out.push('\n');
        out.push_str("pub mod sql_types {\n");
        for (i, (rust, sql)) in customs.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let _ = writeln!(out, "    /// The `{sql}` SQL type.");
            out.push_str(
                "    #[derive(Debug, Clone, Copy, diesel::query_builder::QueryId, diesel::sql_types::SqlType)]\n",
            );
            let _ = writeln!(
                out,
                "    #[diesel({})]",
                flavor.types.custom_type_attribute(&rust_string(sql))
            );
            let _ = writeln!(out, "    pub struct {rust};");
        }
        out.push_str("}\n");
    }

    for table in &keyed {
        out.push('\n');
        if let Some((_, note)) = views.iter().find(|(t, _)| std::ptr::eq(t, *table)) {
            let _ = writeln!(out, "{note}");
        }
        table_macro(&mut out, table, flavor);
    }
    if !unkeyed.is_empty() {
        out.push('\n');
        let _ = writeln!(
            out,
            "// Left out, as diesel's table! needs a primary key: {}.",
            unkeyed.join(", ")
        );
    }

    let joinables = joinables(&keyed);
    if !joinables.is_empty() {
        out.push('\n');
        for (child, parent, column) in joinables {
            let _ = writeln!(
                out,
                "diesel::joinable!({} -> {} ({}));",
                table_ident(child),
                table_ident(parent),
                rust_ident(column)
            );
        }
    }
    if keyed.len() >= 2 {
        // As rustfmt leaves it: on one line when it fits in 100 columns, else one per line.
        let names: Vec<String> = keyed.iter().map(|t| table_ident(&t.name)).collect();
        let line = format!(
            "diesel::allow_tables_to_appear_in_same_query!({},);",
            names.join(", ")
        );
        out.push('\n');
        if line.len() <= 100 {
            let _ = writeln!(out, "{line}");
        } else {
            out.push_str("diesel::allow_tables_to_appear_in_same_query!(\n");
            for name in &names {
                let _ = writeln!(out, "    {name},");
            }
            out.push_str(");\n");
        }
    }
    out
}

/// A view as a keyed [`Table`] for `table!`, and the comment above it: its key is the view's
/// `key`, else its first column. `None` for a view with no columns (none is declared so).
fn view_table(view: &View) -> Option<(Table, String)> {
    let first = view.columns.first()?;
    let mut table = Table::new(view.name.clone());
    table.columns = view.columns.clone();
    let (key, why) = if view.key.is_empty() {
        (
            vec![first.name.clone()],
            "its first column (#[view(key = \"...\")] names another)",
        )
    } else {
        (view.key.clone(), "from #[view(key = \"...\")]")
    };
    let note = format!(
        "// The {} `{}`: diesel's table! needs a primary key, so its key here is\n\
         // ({}), {why}.",
        view.kind(),
        view.name,
        key.join(", ")
    );
    table.primary_key = key;
    Some((table, note))
}

/// `schema` with every name as `dialect` stores it ([`crate::dialect::DialectFacts::stored_identifier`]).
fn stored_names(schema: &Schema, dialect: &dyn Dialect) -> Schema {
    let cut = |name: &str| dialect.stored_identifier(name);
    let cut_all = |names: &mut Vec<String>| {
        for name in names {
            *name = cut(name);
        }
    };
    let mut out = Schema::new();
    for table in schema.tables.values() {
        let mut table = table.clone();
        let (schema, bare) = crate::schema::split_qualified(&table.name);
        table.name = crate::schema::qualified_name(schema, &cut(bare));
        for column in &mut table.columns {
            column.name = cut(&column.name);
        }
        cut_all(&mut table.primary_key);
        for fk in &mut table.foreign_keys {
            cut_all(&mut fk.columns);
            cut_all(&mut fk.ref_columns);
            let (schema, bare) = crate::schema::split_qualified(&fk.ref_table);
            fk.ref_table = crate::schema::qualified_name(schema, &cut(bare));
        }
        out.insert(table);
    }
    for view in schema.views.values() {
        let mut view = view.clone();
        let (schema, bare) = crate::schema::split_qualified(&view.name);
        view.name = crate::schema::qualified_name(schema, &cut(bare));
        for column in &mut view.columns {
            column.name = cut(&column.name);
        }
        cut_all(&mut view.key);
        out.views.insert(view.name.clone(), view);
    }
    out
}

fn table_macro(out: &mut String, table: &Table, flavor: Flavor<'_>) {
    out.push_str("diesel::table! {\n");
    let types: Vec<DieselType> = table
        .columns
        .iter()
        .map(|c| flavor.types.diesel_type(&c.ty))
        .collect();
    let used: BTreeSet<&str> = types
        .iter()
        .filter(|t| t.custom.is_some())
        .map(|t| t.custom.as_ref().map_or("", |(rust, _)| rust.as_str()))
        .collect();
    if !used.is_empty() {
        out.push_str("    use diesel::sql_types::*;\n");
        for rust in &used {
            let _ = writeln!(out, "    use super::sql_types::{rust};");
        }
        out.push('\n');
    }
    if let Some(comment) = &table.comment {
        doc(out, "    ", comment);
    }
    if let Some(feature) = wide_feature(table.columns.len()) {
        let _ = writeln!(
            out,
            "    // {} columns: needs diesel's `{feature}` feature.",
            table.columns.len()
        );
    }
    // A table of another schema (PostgreSQL): diesel's `schema.table` form.
    let (schema, bare) = crate::schema::split_qualified(&table.name);
    let name = rust_ident(bare);
    if name != bare {
        let _ = writeln!(out, "    #[sql_name = {}]", rust_string(bare));
    }
    let key: Vec<String> = table.primary_key.iter().map(|c| rust_ident(c)).collect();
    let qualified = match schema {
        Some(schema) => format!("{schema}.{name}"),
        None => name,
    };
    let _ = writeln!(out, "    {qualified} ({}) {{", key.join(", "));
    for (column, ty) in table.columns.iter().zip(&types) {
        if let Some(comment) = &column.comment {
            doc(out, "        ", comment);
        }
        let rust = rust_ident(&column.name);
        if rust != column.name {
            let _ = writeln!(out, "        #[sql_name = {}]", rust_string(&column.name));
        }
        if let Some(n) = ty.max_length {
            let _ = writeln!(out, "        #[max_length = {n}]");
        }
        let ty_name = if column.nullable {
            format!("Nullable<{}>", ty.name)
        } else {
            ty.name.clone()
        };
        let _ = writeln!(out, "        {rust} -> {ty_name},");
    }
    out.push_str("    }\n}\n");
}

/// The diesel feature a table of `columns` columns needs (16 without one).
fn wide_feature(columns: usize) -> Option<&'static str> {
    match columns {
        0..=16 => None,
        17..=32 => Some("32-column-tables"),
        33..=64 => Some("64-column-tables"),
        _ => Some("128-column-tables"),
    }
}

fn doc(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

/// `(child, parent, column)` for each foreign key diesel can join on, sorted.
///
/// diesel_cli's rule: a single-column key to the parent's one-column primary key, between two
/// different tables, and the only foreign key between that pair of tables in either direction.
/// Two keys from one table to another, or keys both ways (`a -> b` and `b -> a`, which diesel
/// rejects as conflicting implementations, E0119), leave the pair out entirely.
fn joinables<'a>(tables: &[&'a Table]) -> Vec<(&'a str, &'a str, &'a str)> {
    let pk: BTreeMap<&str, &[String]> = tables
        .iter()
        .map(|t| (t.name.as_str(), t.primary_key.as_slice()))
        .collect();
    // Every foreign key counts, joinable or not, per unordered pair of tables.
    let mut per_pair: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for table in tables {
        for fk in &table.foreign_keys {
            *per_pair
                .entry(unordered(&table.name, &fk.ref_table))
                .or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for table in tables {
        for fk in &table.foreign_keys {
            if fk.ref_table == table.name || per_pair[&unordered(&table.name, &fk.ref_table)] > 1 {
                continue;
            }
            if let ([column], Some(key)) = (fk.columns.as_slice(), pk.get(fk.ref_table.as_str())) {
                if key.len() == 1 && **key == fk.ref_columns[..] {
                    out.push((table.name.as_str(), fk.ref_table.as_str(), column.as_str()));
                }
            }
        }
    }
    out.sort();
    out
}

fn unordered<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `name` as a Rust identifier: itself when it is one, else with `_` for each other character,
/// a leading `_` before a digit, and a trailing `_` after a keyword (diesel's convention).
/// The Rust module diesel's `table!` makes for a table: its name without the schema.
fn table_ident(name: &str) -> String {
    rust_ident(crate::schema::bare_name(name))
}

fn rust_ident(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

fn rust_string(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
#[path = "diesel_schema_tests.rs"]
mod tests;
