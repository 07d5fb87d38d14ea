//! An introspected [`Schema`] as Rust source: one `#[derive(Model)]` struct per table, saying
//! everything the model contract can say about it, formatted by prettyplease.
//!
//! What a model cannot declare is never dropped silently: it is listed in [`Generated::notes`]
//! (printed as warnings and written as comments at the top of the file).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use retort::schema::{
    foreign_key_name, index_name, Column, ConstraintKind, Deferrable, FkAction, Schema, SqlType,
    Table,
};

use super::kept::{self, Kept, KeptIndex};
use super::names::{struct_name, struct_name_of, unique_name};

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

/// The Rust names of the enum types the tables use, by SQL name.
type EnumNames = BTreeMap<String, String>;

pub(crate) fn models(schema: &Schema) -> Generated {
    let mut notes = Vec::new();
    let mut names = BTreeSet::new();
    let mut items = Vec::new();
    let mut enums = EnumNames::new();
    for table in schema.tables.values() {
        for column in &table.columns {
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
                    let rust = unique_name(struct_name_of(entry.key()), &mut names);
                    entry.insert(rust);
                }
            }
        }
    }
    for (sql, rust) in &enums {
        let labels = match schema.enums.get(sql) {
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
        };
        items.push(db_enum(sql, rust, &labels));
    }
    for table in schema.tables.values() {
        let name = unique_name(struct_name(&table.name), &mut names);
        items.push(model(table, &name, &enums, &mut notes));
    }
    let uses = if enums.is_empty() {
        quote!(
            use retort::Model;
        )
    } else {
        quote!(
            use retort::{DbEnum, Model};
        )
    };
    let file = quote! {
        #uses
        #(#items)*
    };
    let syntax: syn::File = syn::parse2(file).expect("generated models parse");
    // The crates the field types name (they are written with their paths: `chrono::...`).
    let mut crates = BTreeSet::new();
    for column in schema.tables.values().flat_map(|t| &t.columns) {
        let ty = rust_type(column, &enums).0.to_string();
        crates.extend(CRATES.iter().filter(|c| ty.contains(&format!("{c} ::"))));
    }
    Generated {
        source: spaced(&prettyplease::unparse(&syntax)),
        notes,
        crates,
    }
}

/// The enum of `names` that an array's element type text (as [`SqlType::parse`] keeps it:
/// upper case, or a quoted name as written) names.
fn enum_named<'a>(element: &str, mut names: impl Iterator<Item = &'a String>) -> Option<String> {
    let wanted = match element.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => element.to_ascii_lowercase(),
    };
    names.find(|n| **n == wanted).cloned()
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

fn model(table: &Table, name: &str, enums: &EnumNames, notes: &mut Vec<String>) -> TokenStream {
    let ident = format_ident!("{}", name);
    let mut container: Vec<TokenStream> = Vec::new();
    let table_lit = lit(&table.name);
    container.push(quote!(table = #table_lit));

    // Indexes: conventional single-column ones go on their field, the rest on the struct.
    let mut field_index: BTreeSet<(&str, bool)> = BTreeSet::new();
    for index in &table.indexes {
        if let [column] = index.columns.as_slice() {
            if !index.constraint
                && index.options == Default::default()
                && index.name == index_name(&table.name, &index.columns, index.unique)
            {
                field_index.insert((column.as_str(), index.unique));
                continue;
            }
        }
        let kept = KeptIndex {
            name: index.name.clone(),
            unique: index.unique,
            constraint: index.constraint,
            keys: if index.options.keys.is_empty() {
                index.columns.clone()
            } else {
                index.options.keys.clone()
            },
            method: index.options.method.clone(),
            include: index.options.include.clone(),
            nulls_not_distinct: index.options.nulls_not_distinct,
            with: index.options.with.clone(),
            predicate: index.options.predicate.clone(),
        };
        let plain_keys = index.options.keys.is_empty();
        container.push(index_attr(&table.name, &kept, plain_keys));
    }

    // Checks: SQLite keeps them as table-constraint clauses, PostgreSQL as kept definitions;
    // indexes beyond plain columns are kept definitions on both.
    // SQLite's own `UNIQUE (...)` and `CHECK (...)` constraints, named or not, are the models'
    // `unique(...)` and `check(...)` (an unnamed one compares equal whatever the models call
    // it); only one that says more (`ON CONFLICT`, a collated key) cannot be declared.
    for constraint in &table.table_constraints {
        match &constraint.kind {
            ConstraintKind::Check { expr, .. } => {
                let expr = lit(expr);
                container.push(match &constraint.name {
                    Some(check_name) => {
                        let check_name = lit(check_name);
                        quote!(check(name = #check_name, expr = #expr))
                    }
                    None => quote!(check(expr = #expr)),
                });
            }
            ConstraintKind::Unique { columns } => {
                let keys: Vec<Literal> = columns.iter().map(|c| lit(c)).collect();
                let name = constraint
                    .name
                    .as_ref()
                    .filter(|n| **n != index_name(&table.name, columns, true))
                    .map(|n| {
                        let n = lit(n);
                        quote!(, name = #n)
                    });
                container.push(quote!(unique(columns(#(#keys),*) #name)));
            }
            ConstraintKind::Other { sql } => {
                notes.push(format!("{}: table constraint `{sql}`", table.name));
            }
        }
    }
    for definition in &table.unmodeled {
        match kept::classify(definition.sql()) {
            Kept::Check {
                name: check_name,
                expr,
                not_valid,
            } => {
                let (check_name, expr) = (lit(&check_name), lit(&expr));
                let not_valid = not_valid.then(|| quote!(, not_valid));
                container.push(quote!(check(name = #check_name, expr = #expr #not_valid)));
            }
            Kept::Index(index) => container.push(index_attr(&table.name, &index, false)),
            Kept::NotOwned => {}
            Kept::Other => notes.push(format!(
                "{}: `{}`",
                table.name,
                first_line(definition.sql())
            )),
        }
    }

    // Foreign keys: conventional single-column ones on their field, the others on the struct.
    // Several keys over the same columns (SQLite allows a column's `REFERENCES` next to a
    // table's `FOREIGN KEY` on it) all go on the struct, each under a name of its own.
    let mut field_fk = Vec::new();
    let mut fk_names = BTreeSet::new();
    for fk in &table.foreign_keys {
        let conventional = foreign_key_name(&table.name, &fk.columns, &fk.ref_table);
        let alone = table
            .foreign_keys
            .iter()
            .filter(|other| other.columns == fk.columns)
            .count()
            == 1;
        if fk.columns.len() == 1
            && fk.name == conventional
            && fk.deferrable == Deferrable::No
            && alone
        {
            field_fk.push(fk);
            continue;
        }
        let mut fk_name = fk.name.clone();
        for n in 2.. {
            if fk_names.insert(fk_name.clone()) {
                break;
            }
            fk_name = retort::naming::shorten(&format!("{}_{n}", fk.name));
        }
        let columns: Vec<Literal> = fk.columns.iter().map(|c| lit(c)).collect();
        let ref_columns: Vec<String> = fk.ref_columns.iter().map(|c| model_name(c)).collect();
        let target = lit(&format!(
            "{}({})",
            model_name(&fk.ref_table),
            ref_columns.join(", ")
        ));
        let mut parts = vec![quote!(columns(#(#columns),*)), quote!(references = #target)];
        if fk_name != conventional {
            let name = lit(&fk_name);
            parts.push(quote!(name = #name));
        }
        parts.extend(actions(fk.on_delete, fk.on_update));
        match fk.deferrable {
            Deferrable::No => {}
            Deferrable::Deferrable => parts.push(quote!(deferrable)),
            Deferrable::InitiallyDeferred => parts.push(quote!(initially_deferred)),
        }
        container.push(quote!(foreign_key(#(#parts),*)));
    }

    // A key in another order than its columns (`PRIMARY KEY (b, a)`) is listed on the struct,
    // in its order; one in the columns' order is marked on its fields.
    let pk_in_order = table
        .columns
        .iter()
        .filter(|c| table.primary_key.contains(&c.name))
        .map(|c| c.name.as_str())
        .eq(table.primary_key.iter().map(String::as_str));
    if !pk_in_order {
        let keys: Vec<Literal> = table.primary_key.iter().map(|c| lit(c)).collect();
        container.push(quote!(primary_key(columns(#(#keys),*))));
    }
    // PostgreSQL reports the key constraint's name: one other than its default is declared.
    if let Some(pk_name) = table.primary_key_name.as_deref() {
        if pk_name != retort::dialect::postgres::default_primary_key_name(&table.name) {
            let pk_name = lit(pk_name);
            container.push(quote!(primary_key_name = #pk_name));
        }
    }
    let conventional_key = table.primary_key == ["id"];
    if table.primary_key.is_empty() {
        container.push(quote!(no_primary_key));
    }
    // A single integer key without an identity (or serial): the application assigns it. Only
    // PostgreSQL reports the key constraint's name; on SQLite an integer key is the rowid.
    let no_identity = match table.primary_key.as_slice() {
        [key] if table.primary_key_name.is_some() && table.identity.is_none() => table
            .column(key)
            .filter(|c| c.ty.is_integer())
            .map(|c| c.name.clone()),
        _ => None,
    };
    // SQLite (which reports no key constraint name): a single integer key is the rowid.
    let rowid = match table.primary_key.as_slice() {
        [key] if table.primary_key_name.is_none() => table
            .column(key)
            .filter(|c| c.ty == SqlType::Integer)
            .map(|c| c.name.clone()),
        _ => None,
    };

    let mut field_names = BTreeSet::new();
    let fields: Vec<TokenStream> = table
        .columns
        .iter()
        .map(|column| {
            let mut attrs: Vec<TokenStream> = Vec::new();
            let (field, renamed) = field_ident(&column.name, &mut field_names);
            if renamed {
                let column_lit = lit(&column.name);
                attrs.push(quote!(column = #column_lit));
            }
            if (!conventional_key || no_identity.is_some())
                && pk_in_order
                && table.primary_key.contains(&column.name)
            {
                attrs.push(quote!(primary_key));
            }
            if no_identity.as_deref() == Some(column.name.as_str()) {
                attrs.push(quote!(identity = false));
            }
            attrs.extend(super::generation::attrs(table, &column.name));
            if table.autoincrement && table.primary_key == [column.name.as_str()] {
                if conventional_key && no_identity.is_none() {
                    attrs.push(quote!(primary_key));
                }
                attrs.push(quote!(autoincrement));
            }
            let (ty, type_attrs) = if rowid.as_deref() == Some(column.name.as_str()) {
                // SQLite's `INTEGER PRIMARY KEY` is the rowid: never NULL, `NOT NULL` or not.
                let mut key = column.clone();
                key.nullable = false;
                rust_type(&key, enums)
            } else {
                rust_type(column, enums)
            };
            attrs.extend(type_attrs);
            if let Some(generated) = &column.generated {
                let expr = lit(&generated.expr);
                attrs.push(quote!(generated = #expr));
                if generated.stored {
                    attrs.push(quote!(stored));
                }
            }
            if let Some(default) = &column.default {
                let default = lit(default);
                attrs.push(quote!(default = #default));
            }
            // A column's own plain `UNIQUE` clause (SQLite) is the models' `unique` too.
            let inline_unique = column
                .extra
                .iter()
                .any(|x| retort::sql::unique_columns(x).is_some_and(|c| c.is_empty()));
            if field_index.contains(&(column.name.as_str(), true)) || inline_unique {
                attrs.push(quote!(unique));
            }
            // Its first `CHECK (...)` clause is the field's `check`.
            let mut own_check = None;
            let mut undeclared = Vec::new();
            for clause in column.extra.iter().filter(|c| !c.starts_with("GENERATED")) {
                if retort::sql::unique_columns(clause).is_some_and(|c| c.is_empty()) {
                    continue;
                }
                match retort::sql::check_parts(clause) {
                    Some((_, expr)) if own_check.is_none() => own_check = Some(expr),
                    _ => undeclared.push(clause),
                }
            }
            if let Some(expr) = own_check {
                let expr = lit(&expr);
                attrs.push(quote!(check = #expr));
            }
            if field_index.contains(&(column.name.as_str(), false)) {
                attrs.push(quote!(index));
            }
            if let Some(fk) = field_fk.iter().find(|fk| fk.columns[0] == column.name) {
                let target = lit(&format!(
                    "{}.{}",
                    model_name(&fk.ref_table),
                    model_name(&fk.ref_columns[0])
                ));
                attrs.push(quote!(references = #target));
                attrs.extend(actions(fk.on_delete, fk.on_update));
            }
            // SQLite's other column clauses (`COLLATE x`, a second `CHECK`, `UNIQUE ON
            // CONFLICT ...`) than the generation expression: the models cannot say them.
            for clause in undeclared {
                notes.push(format!(
                    "{}: column `{}` clause `{clause}`",
                    table.name, column.name
                ));
            }
            let doc = doc(column.comment.as_deref());
            let model = (!attrs.is_empty()).then(|| quote!(#[model(#(#attrs),*)]));
            quote! {
                #doc
                #model
                pub #field: #ty,
            }
        })
        .collect();

    let doc = doc(table.comment.as_deref());
    quote! {
        #doc
        #[derive(Debug, Model)]
        #[model(#(#container),*)]
        pub struct #ident {
            #(#fields)*
        }
    }
}

/// `on_delete = "..."`, `on_update = "..."` for the actions that are not the default.
fn actions(on_delete: FkAction, on_update: FkAction) -> Vec<TokenStream> {
    let mut out = Vec::new();
    if on_delete != FkAction::NoAction {
        let action = lit(&on_delete.as_sql().to_ascii_lowercase());
        out.push(quote!(on_delete = #action));
    }
    if on_update != FkAction::NoAction {
        let action = lit(&on_update.as_sql().to_ascii_lowercase());
        out.push(quote!(on_update = #action));
    }
    out
}

/// `unique(...)` for a unique constraint, `index(...)` otherwise, with every property.
/// `plain_keys`: the keys are column names (`columns(...)`), else SQL (`keys(...)`).
fn index_attr(table: &str, index: &KeptIndex, plain_keys: bool) -> TokenStream {
    let keys: Vec<Literal> = index.keys.iter().map(|k| lit(k)).collect();
    let name = lit(&index.name);
    let include: Vec<Literal> = index.include.iter().map(|c| lit(c)).collect();
    let include = (!include.is_empty()).then(|| quote!(, include(#(#include),*)));
    let nnd = index
        .nulls_not_distinct
        .then(|| quote!(, nulls_not_distinct));
    if index.constraint && index.predicate.is_none() && index.method.is_none() {
        // A constraint's key list is column names, quoted where PostgreSQL must.
        let columns: Vec<String> = index.keys.iter().map(|k| kept::unquote(k)).collect();
        let keys: Vec<Literal> = columns.iter().map(|k| lit(k)).collect();
        let name =
            (index.name != index_name(table, &columns, true)).then(|| quote!(, name = #name));
        return quote!(unique(columns(#(#keys),*) #name #include #nnd));
    }
    let keys = if plain_keys {
        quote!(columns(#(#keys),*))
    } else {
        quote!(keys(#(#keys),*))
    };
    let unique = index.unique.then(|| quote!(, unique));
    let method = index.method.as_deref().map(|m| {
        let m = lit(m);
        quote!(, method = #m)
    });
    let predicate = index.predicate.as_deref().map(|p| {
        let p = lit(p);
        quote!(, where = #p)
    });
    let with = index.with.as_deref().map(|w| {
        let w = lit(w);
        quote!(, with = #w)
    });
    quote!(index(#keys, name = #name #unique #method #include #nnd #with #predicate))
}

/// The Rust type of a column, and the attributes its SQL type needs.
fn rust_type(column: &Column, enums: &EnumNames) -> (TokenStream, Vec<TokenStream>) {
    let mut attrs = Vec::new();
    let mut sql_type = || {
        let text = lit(&column.ty.to_string());
        attrs.push(quote!(sql_type = #text));
    };
    let base = match &column.ty {
        SqlType::Boolean => quote!(bool),
        SqlType::SmallInt => quote!(i16),
        SqlType::Integer => quote!(i32),
        SqlType::BigInt => quote!(i64),
        SqlType::Real => quote!(f32),
        SqlType::Double => quote!(f64),
        SqlType::Text => quote!(String),
        SqlType::Varchar(n) => {
            let n = Literal::u32_unsuffixed(*n);
            attrs.push(quote!(max_length = #n));
            quote!(String)
        }
        SqlType::Blob => quote!(Vec<u8>),
        SqlType::Date => quote!(chrono::NaiveDate),
        SqlType::Time => quote!(chrono::NaiveTime),
        SqlType::Timestamp => quote!(chrono::NaiveDateTime),
        SqlType::TimestampTz => quote!(chrono::DateTime<chrono::Utc>),
        SqlType::Uuid => quote!(uuid::Uuid),
        SqlType::Json => quote!(serde_json::Value),
        SqlType::Jsonb => {
            sql_type();
            quote!(serde_json::Value)
        }
        SqlType::Enum { name, .. } => {
            let ident = format_ident!("{}", enums[name]);
            quote!(#ident)
        }
        SqlType::Custom(text) if text.ends_with("[]") => {
            sql_type();
            let element = &text[..text.len() - 2];
            let element = match enum_named(element, enums.keys()) {
                Some(name) => SqlType::Enum {
                    name,
                    labels: Vec::new(),
                },
                None => SqlType::parse(element),
            };
            let (element, _) = rust_type(&Column::new("", element, true), enums);
            quote!(Vec<#element>)
        }
        // A time with a precision (`TIMESTAMP(3)`): chrono's type, the SQL type as it is.
        SqlType::Custom(text) if precision_of(text, "TIMESTAMP") => {
            sql_type();
            quote!(chrono::NaiveDateTime)
        }
        SqlType::Custom(text) if precision_of(text, "TIMESTAMPTZ") => {
            sql_type();
            quote!(chrono::DateTime<chrono::Utc>)
        }
        SqlType::Custom(text) if precision_of(text, "TIME") => {
            sql_type();
            quote!(chrono::NaiveTime)
        }
        // NUMERIC and the types Retort has no Rust mapping for: the SQL type, as text.
        _ => {
            sql_type();
            quote!(String)
        }
    };
    let ty = if column.nullable {
        quote!(Option<#base>)
    } else {
        base
    };
    (ty, attrs)
}

/// Whether `text` is `BASE(n)`, as [`SqlType::parse`] keeps a time type with a precision.
fn precision_of(text: &str, base: &str) -> bool {
    text.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('('))
        .and_then(|rest| rest.strip_suffix(')'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn doc(text: Option<&str>) -> TokenStream {
    let Some(text) = text else {
        return TokenStream::new();
    };
    let lines = text.lines().map(|line| {
        let line = lit(&format!(" {line}"));
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

fn lit(text: &str) -> Literal {
    Literal::string(text)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// The field for a column, and whether it needs `column = "..."` (its name is not a plain
/// Rust identifier). Keywords become raw identifiers, which keep the column's name.
fn field_ident(column: &str, taken: &mut BTreeSet<String>) -> (syn::Ident, bool) {
    let plain = !column.is_empty()
        && column
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !column.starts_with(|c: char| c.is_ascii_digit())
        && !matches!(column, "self" | "super" | "crate" | "_" | "Self");
    if plain && taken.insert(column.to_owned()) {
        let ident = if KEYWORDS.contains(&column) {
            syn::Ident::new_raw(column, proc_macro2::Span::call_site())
        } else {
            format_ident!("{}", column)
        };
        return (ident, false);
    }
    // snake_case: `LastName` -> `last_name`, `Last Name` -> `last_name`.
    let mut name = String::new();
    let mut previous_lower = false;
    for c in column.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            name.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        name.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "column_");
    }
    if KEYWORDS.contains(&name.as_str())
        || matches!(name.as_str(), "self" | "super" | "crate" | "_")
    {
        name.push('_');
    }
    let name = unique_name(name, taken);
    (format_ident!("{}", name), true)
}

/// A name as `references = "..."` takes it: as it is when it is letters, digits and `_` (not
/// starting with a digit), else in double quotes (`""` for a quote inside).
fn model_name(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_keep_or_rename_columns() {
        let mut taken = BTreeSet::new();
        let (id, renamed) = field_ident("type", &mut taken);
        assert_eq!((id.to_string(), renamed), ("r#type".into(), false));
        let (id, renamed) = field_ident("Last Name", &mut taken);
        assert_eq!((id.to_string(), renamed), ("last_name".into(), true));
        let (id, renamed) = field_ident("last_name", &mut taken);
        assert_eq!((id.to_string(), renamed), ("last_name2".into(), true));
        let (id, renamed) = field_ident("CreatedAt", &mut taken);
        assert_eq!((id.to_string(), renamed), ("created_at".into(), true));
        let (id, renamed) = field_ident("self", &mut taken);
        assert_eq!((id.to_string(), renamed), ("self_".into(), true));
    }
}
