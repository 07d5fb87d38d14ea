//! An introspected [`Schema`] as Rust source: one `#[derive(Model)]` struct per table, saying
//! everything the model contract can say about it, one `#[derive(View)]` struct per view, and a
//! `retort::function!` / `retort::trigger!` per function and trigger, formatted by prettyplease.
//!
//! What a model cannot declare is never dropped silently: it is listed in [`Generated::notes`]
//! (printed as warnings and written as comments at the top of the file).

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use retort::dialect::Dialect;
use retort::schema::{Schema, SqlType};

use super::names::{struct_name, struct_name_of, unique_name};
use super::syntax::{enum_named, lit, rust_type, EnumNames};
use super::{table, view};

/// The generated source and what it could not say.
#[derive(Debug)]
pub(crate) struct Generated {
    /// The Rust file: `use` lines and the structs, formatted.
    pub source: String,
    /// One line per thing on the tables that the models cannot declare (`table: what`).
    pub notes: Vec<String>,
    /// The crates besides retort whose types the fields use (`chrono`, `uuid`, `serde_json`).
    pub crates: BTreeSet<&'static str>,
}

/// The crates a field type may name, by the path it starts with.
const CRATES: &[&str] = &["chrono", "uuid", "serde_json"];

/// The models of every table of `schema` (read through `dialect`), with the `DbEnum`s their
/// columns use.
pub(crate) fn models(schema: &Schema, dialect: &dyn Dialect) -> Generated {
    let mut notes = Vec::new();
    let mut names = BTreeSet::new();
    let enums = enum_names(schema, &mut names);
    let mut items: Vec<TokenStream> = enums
        .iter()
        .map(|(sql, rust)| db_enum(sql, rust, &enum_labels(schema, sql)))
        .collect();
    for table in schema.tables.values() {
        let name = unique_name(struct_name(&table.name), &mut names);
        items.push(table::model(table, &name, &enums, &mut notes, dialect));
    }
    for v in schema.views.values() {
        let name = unique_name(struct_name(&v.name), &mut names);
        items.push(view::view(v, &name, &enums));
    }
    items.extend(super::routines::declarations(schema));
    let uses = match (enums.is_empty(), schema.views.is_empty()) {
        (true, true) => quote!(
            use retort::Model;
        ),
        (false, true) => quote!(
            use retort::{DbEnum, Model};
        ),
        (true, false) => quote!(
            use retort::{Model, View};
        ),
        (false, false) => quote!(
            use retort::{DbEnum, Model, View};
        ),
    };
    let file = quote! {
        #uses
        #(#items)*
    };
    let syntax: syn::File = syn::parse2(file).expect("generated models parse");
    Generated {
        source: spaced(&prettyplease::unparse(&syntax)),
        notes,
        crates: crates(schema, &enums),
    }
}

/// The Rust name of each enum type the columns use (an enum, or an array of one), taken from
/// `names` so no struct gets it too.
fn enum_names(schema: &Schema, names: &mut BTreeSet<String>) -> EnumNames {
    let mut enums = EnumNames::new();
    for column in schema.tables.values().flat_map(|t| &t.columns) {
        let name = match &column.ty {
            SqlType::Enum { name, .. } => Some(name.clone()),
            // An array of an enum type: its elements are the enum.
            SqlType::Custom(text) => text
                .strip_suffix("[]")
                .and_then(|element| enum_named(element, schema.enums.keys())),
            _ => None,
        };
        if let Some(name) = name {
            if let std::collections::btree_map::Entry::Vacant(entry) = enums.entry(name) {
                let rust = unique_name(struct_name_of(entry.key()), names);
                entry.insert(rust);
            }
        }
    }
    enums
}

/// The labels of the enum type `sql`: from the schema's enums, else from a column of it.
fn enum_labels(schema: &Schema, sql: &str) -> Vec<String> {
    match schema.enums.get(sql) {
        Some(labels) => labels.clone(),
        None => schema
            .tables
            .values()
            .flat_map(|t| &t.columns)
            .find_map(|c| match &c.ty {
                SqlType::Enum { name, labels } if name == sql => Some(labels.clone()),
                _ => None,
            })
            .unwrap_or_default(),
    }
}

/// The crates the field types name (they are written with their paths: `chrono::...`).
fn crates(schema: &Schema, enums: &EnumNames) -> BTreeSet<&'static str> {
    let mut crates = BTreeSet::new();
    let views = schema.views.values().flat_map(|v| &v.columns);
    for column in schema.tables.values().flat_map(|t| &t.columns).chain(views) {
        let ty = rust_type(column, enums).0.to_string();
        crates.extend(CRATES.iter().filter(|c| ty.contains(&format!("{c} ::"))));
    }
    crates
}

/// prettyplease puts items right after each other; a blank line between them reads better (and
/// rustfmt keeps it).
fn spaced(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 256);
    let mut previous = "";
    for line in source.lines() {
        let item_start = line.starts_with("#[derive(") || line.starts_with("///");
        if item_start && (previous == "}" || previous.starts_with("use ")) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// A `#[derive(DbEnum)]` enum: a variant per label, renamed where its snake case would differ.
fn db_enum(sql: &str, rust: &str, labels: &[String]) -> TokenStream {
    let ident = format_ident!("{}", rust);
    let sql = lit(sql);
    let mut taken = BTreeSet::new();
    let variants = labels.iter().map(|label| {
        let plain = label.split('_').all(|part| {
            part.starts_with(|c: char| c.is_ascii_lowercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
        let variant = format_ident!("{}", unique_name(struct_name_of(label), &mut taken));
        if plain {
            quote!(#variant,)
        } else {
            let label = lit(label);
            quote! {
                #[db_enum(rename = #label)]
                #variant,
            }
        }
    });
    quote! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, DbEnum)]
        #[db_enum(name = #sql)]
        pub enum #ident {
            #(#variants)*
        }
    }
}
