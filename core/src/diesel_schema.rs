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
//!
//! Differences: the Rust types come from the models, not from the database, so an `i64` key
//! is `BigInt` on SQLite too (what diesel_cli's `sqlite_integer_primary_key_is_bigint` asks
//! for), and doc comments on models and fields become doc comments in `table!`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::schema::{Schema, SqlType, Table};

/// Which diesel backend's type names to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `diesel::sqlite`: SQLite's affinity names.
    Sqlite,
    /// `diesel::pg`: PostgreSQL's type names.
    Postgres,
}

impl Flavor {
    /// The flavor of a backend, by its dialect key (`sqlite`, `postgresql`); `None` for a
    /// backend diesel's print-schema conventions do not cover.
    pub fn for_dialect_key(key: &str) -> Option<Flavor> {
        match key {
            "sqlite" => Some(Flavor::Sqlite),
            "postgresql" => Some(Flavor::Postgres),
            _ => None,
        }
    }
}

/// The first line of a generated file; [`render`]'s output starts with it.
pub const HEADER: &str = "// @generated automatically by Retort from the models: do not edit.";

/// A column's diesel type: its name, `#[max_length]`, and a custom type to declare.
struct DieselType {
    /// `Int4`, `Array<Nullable<Text>>`, `Citext` (a custom type's struct name).
    name: String,
    max_length: Option<u32>,
    /// A PostgreSQL type diesel does not know: (struct name, SQL name).
    custom: Option<(String, String)>,
}

impl DieselType {
    fn known(name: &str) -> DieselType {
        DieselType {
            name: name.to_owned(),
            max_length: None,
            custom: None,
        }
    }
}

/// diesel's `schema.rs` for `schema` (the models' schema), in `flavor`'s type names.
/// `command` is how to regenerate it, named in the header (`myapp-migrate print-schema`).
pub fn render(schema: &Schema, flavor: Flavor, command: &str) -> String {
    let stored;
    let schema = if flavor == Flavor::Postgres {
        stored = stored_names(schema);
        &stored
    } else {
        schema
    };
    let mut out = String::new();
    let _ = writeln!(out, "{HEADER}");
    let _ = writeln!(out, "// Regenerate with `{command}`.");

    let keyed: Vec<&Table> = schema
        .tables
        .values()
        .filter(|t| !t.primary_key.is_empty())
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
            if let Some((rust, sql)) = diesel_type(&column.ty, flavor).custom {
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
                "    #[diesel(postgres_type(name = {}))]",
                rust_string(sql)
            );
            let _ = writeln!(out, "    pub struct {rust};");
        }
        out.push_str("}\n");
    }

    for table in &keyed {
        out.push('\n');
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

/// `schema` with every name as PostgreSQL stores it (cut at 63 bytes).
fn stored_names(schema: &Schema) -> Schema {
    use crate::dialect::postgres::truncate_identifier as cut;
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
    out
}

fn table_macro(out: &mut String, table: &Table, flavor: Flavor) {
    out.push_str("diesel::table! {\n");
    let types: Vec<DieselType> = table
        .columns
        .iter()
        .map(|c| diesel_type(&c.ty, flavor))
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

fn diesel_type(ty: &SqlType, flavor: Flavor) -> DieselType {
    match flavor {
        Flavor::Sqlite => sqlite_type(ty),
        Flavor::Postgres => postgres_type(ty),
    }
}

/// SQLite: diesel's affinity-based names (`Double` for NUMERIC, as diesel_cli infers it).
fn sqlite_type(ty: &SqlType) -> DieselType {
    let name = match ty {
        SqlType::Boolean => "Bool",
        SqlType::SmallInt => "SmallInt",
        SqlType::Integer => "Integer",
        SqlType::BigInt => "BigInt",
        SqlType::Real => "Float",
        SqlType::Double | SqlType::Numeric { .. } => "Double",
        // An enum is checked TEXT on SQLite.
        SqlType::Text | SqlType::Varchar(_) | SqlType::Uuid | SqlType::Enum { .. } => "Text",
        SqlType::Blob => "Binary",
        SqlType::Date => "Date",
        SqlType::Time => "Time",
        SqlType::Timestamp => "Timestamp",
        SqlType::TimestampTz => "TimestamptzSqlite",
        SqlType::Json => "Json",
        SqlType::Jsonb => "Jsonb",
        SqlType::Custom(text) => return sqlite_affinity(text),
    };
    DieselType::known(name)
}

/// diesel_cli's SQLite rules for a declared type name.
fn sqlite_affinity(text: &str) -> DieselType {
    let t = text.to_ascii_lowercase();
    let name = if t == "boolean" || t == "bool" || (t.contains("tiny") && t.contains("int")) {
        "Bool"
    } else if t == "int2" || (t.contains("small") && t.contains("int")) {
        "SmallInt"
    } else if t == "int8" || (t.contains("big") && t.contains("int")) {
        "BigInt"
    } else if t.contains("int") {
        "Integer"
    } else if t.contains("char") || t.contains("clob") || t.contains("text") {
        "Text"
    } else if t.contains("blob") || t.contains("binary") || t.is_empty() {
        "Binary"
    } else if t.contains("float") || t.contains("real") {
        "Float"
    } else if t.contains("double") || t.contains("num") || t.contains("dec") {
        "Double"
    } else if t.starts_with("datetime") || t.starts_with("timestamp") {
        "Timestamp"
    } else if t == "date" {
        "Date"
    } else if t.starts_with("time") {
        "Time"
    } else {
        // SQLite stores anything else with NUMERIC affinity; diesel reads it back as text.
        "Text"
    };
    DieselType::known(name)
}

/// PostgreSQL: the server's own type names, as diesel_cli writes them.
fn postgres_type(ty: &SqlType) -> DieselType {
    let name = match ty {
        SqlType::Boolean => "Bool",
        SqlType::SmallInt => "Int2",
        SqlType::Integer => "Int4",
        SqlType::BigInt => "Int8",
        SqlType::Real => "Float4",
        SqlType::Double => "Float8",
        SqlType::Numeric { .. } => "Numeric",
        SqlType::Text => "Text",
        SqlType::Varchar(n) => {
            return DieselType {
                name: "Varchar".into(),
                max_length: Some(*n),
                custom: None,
            }
        }
        SqlType::Blob => "Bytea",
        SqlType::Date => "Date",
        SqlType::Time => "Time",
        SqlType::Timestamp => "Timestamp",
        SqlType::TimestampTz => "Timestamptz",
        SqlType::Uuid => "Uuid",
        SqlType::Json => "Json",
        SqlType::Jsonb => "Jsonb",
        SqlType::Custom(text) => return postgres_custom(text),
        // A custom SQL type, as diesel_cli writes one for an enum type.
        SqlType::Enum { name, .. } => {
            return DieselType {
                name: camel(name),
                max_length: None,
                custom: Some((camel(name), name.clone())),
            }
        }
    };
    DieselType::known(name)
}

/// A PostgreSQL type outside [`SqlType`]'s named ones (kept upper-cased as written).
fn postgres_custom(text: &str) -> DieselType {
    if let Some(element) = text.strip_suffix("[]") {
        let inner = postgres_type(&SqlType::parse(element));
        return DieselType {
            name: format!("Array<Nullable<{}>>", inner.name),
            max_length: None,
            custom: inner.custom,
        };
    }
    let lower = text.to_ascii_lowercase();
    let (base, args) = match lower.split_once('(') {
        Some((base, args)) => (base.trim(), Some(args.trim_end_matches(')').trim())),
        None => (lower.as_str(), None),
    };
    let length = args.and_then(|a| a.parse::<u32>().ok());
    let known = |name: &str| DieselType::known(name);
    match base {
        "char" | "character" | "bpchar" => DieselType {
            name: "Bpchar".into(),
            max_length: length,
            custom: None,
        },
        "character varying" | "varchar" => DieselType {
            name: "Varchar".into(),
            max_length: length,
            custom: None,
        },
        "timestamp" | "timestamp without time zone" => known("Timestamp"),
        "timestamptz" | "timestamp with time zone" => known("Timestamptz"),
        "time" | "time without time zone" => known("Time"),
        "timetz" | "time with time zone" => known("Timetz"),
        "interval" => known("Interval"),
        "inet" => known("Inet"),
        "cidr" => known("Cidr"),
        "macaddr" => known("MacAddr"),
        "macaddr8" => known("MacAddr8"),
        "money" => known("Money"),
        "oid" => known("Oid"),
        "int4range" => known("Int4range"),
        "int8range" => known("Int8range"),
        "numrange" => known("Numrange"),
        "tsrange" => known("Tsrange"),
        "tstzrange" => known("Tstzrange"),
        "daterange" => known("Daterange"),
        "float" | "float8" | "double precision" => known("Float8"),
        "float4" | "real" => known("Float4"),
        "int" | "int4" | "integer" | "serial" => known("Int4"),
        "int8" | "bigint" | "bigserial" => known("Int8"),
        "int2" | "smallint" | "smallserial" => known("Int2"),
        "decimal" | "numeric" => known("Numeric"),
        "bool" | "boolean" => known("Bool"),
        _ => {
            let sql = base.rsplit('.').next().unwrap_or(base).trim_matches('"');
            DieselType {
                name: camel(sql),
                max_length: None,
                custom: Some((camel(sql), sql.to_owned())),
            }
        }
    }
}

/// `tsvector` -> `Tsvector`, `my_type` -> `MyType` (diesel's custom type names).
fn camel(sql: &str) -> String {
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
