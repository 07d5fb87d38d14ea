//! One table as a `#[derive(Model)]` struct: the struct's attributes (indexes, constraints,
//! kept definitions, foreign keys, the key) and a field per column.

use std::collections::BTreeSet;

use super::names::{field_ident, model_name};
use super::syntax::{doc, lit, rust_type, EnumNames};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use retort::dialect::Dialect;
use retort::naming::{foreign_key_name, index_name};
use retort::schema::{
    Column, ConstraintDef, ConstraintKind, Deferrable, FkAction, ForeignKey, Index, IndexDef,
    KeptKind, SqlType, Table,
};

/// The struct for `table` (read through `dialect`), named `name`. What it cannot declare goes
/// to `notes`.
pub(super) fn model(
    table: &Table,
    name: &str,
    enums: &EnumNames,
    notes: &mut Vec<String>,
    dialect: &dyn Dialect,
) -> TokenStream {
    let ident = format_ident!("{}", name);
    let table_lit = lit(&table.name);
    let mut container = vec![quote!(table = #table_lit)];
    let (field_indexes, index_attrs) = indexes(table);
    container.extend(index_attrs);
    container.extend(table_constraints(table, notes));
    container.extend(kept_definitions(table, notes));
    let (field_fks, fk_attrs) = foreign_keys(table);
    container.extend(fk_attrs);
    let key = Key::of(table);
    container.extend(key.struct_attrs(table, dialect));
    let on_fields = OnFields {
        indexes: field_indexes,
        foreign_keys: field_fks,
        key,
        enums,
        dialect,
    };
    let mut field_names = BTreeSet::new();
    let fields: Vec<TokenStream> = table
        .columns
        .iter()
        .map(|column| field(table, column, &on_fields, &mut field_names, notes))
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

/// What the fields declare of their table, besides their columns.
struct OnFields<'t> {
    /// Conventional single-column indexes, by column, and whether each is unique.
    indexes: BTreeSet<(&'t str, bool)>,
    /// Conventional single-column foreign keys.
    foreign_keys: Vec<&'t ForeignKey>,
    key: Key,
    enums: &'t EnumNames,
    /// The database's dialect: the names it gives keys and sequences.
    dialect: &'t dyn Dialect,
}

/// Indexes: conventional single-column ones go on their field (returned as (column, unique)),
/// the rest on the struct (the attributes).
fn indexes(table: &Table) -> (BTreeSet<(&str, bool)>, Vec<TokenStream>) {
    let mut on_fields = BTreeSet::new();
    let mut attrs = Vec::new();
    for index in &table.indexes {
        if let [column] = index.columns.as_slice() {
            if !index.constraint
                && index.options == Default::default()
                && index.prefixes.is_empty()
                && index.name == index_name(&table.name, &index.columns, index.unique)
            {
                on_fields.insert((column.as_str(), index.unique));
                continue;
            }
        }
        let plain_keys = index.options.keys.is_empty();
        attrs.push(index_attr(&table.name, index, plain_keys));
    }
    (on_fields, attrs)
}

/// A kept index or unique constraint as the index it declares (its keys as SQL).
fn kept_index(name: &str, def: &IndexDef, constraint: bool) -> Index {
    Index {
        name: name.to_owned(),
        columns: Vec::new(),
        unique: def.unique,
        constraint,
        options: def.options.clone(),
        prefixes: Vec::new(),
    }
}

/// SQLite's own `UNIQUE (...)` and `CHECK (...)` constraints, named or not, are the models'
/// `unique(...)` and `check(...)` (an unnamed one compares equal whatever the models call it);
/// only one that says more (`ON CONFLICT`, a collated key) cannot be declared.
fn table_constraints(table: &Table, notes: &mut Vec<String>) -> Vec<TokenStream> {
    let mut attrs = Vec::new();
    for constraint in &table.table_constraints {
        match &constraint.kind {
            ConstraintKind::Check { expr, .. } => {
                let expr = lit(expr);
                attrs.push(match &constraint.name {
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
                attrs.push(quote!(unique(columns(#(#keys),*) #name)));
            }
            ConstraintKind::Other { sql } => {
                notes.push(format!("{}: table constraint `{sql}`", table.name));
            }
        }
    }
    attrs
}

/// Kept definitions: PostgreSQL's checks, and indexes beyond plain columns on both backends.
fn kept_definitions(table: &Table, notes: &mut Vec<String>) -> Vec<TokenStream> {
    let mut attrs = Vec::new();
    for definition in &table.unmodeled {
        match definition.kind() {
            KeptKind::Constraint {
                name,
                def: Some(ConstraintDef::Check { expr, not_valid }),
            } => {
                let (check_name, expr) = (lit(name), lit(expr));
                let not_valid = not_valid.then(|| quote!(, not_valid));
                attrs.push(quote!(check(name = #check_name, expr = #expr #not_valid)));
            }
            KeptKind::Constraint {
                name,
                def: Some(ConstraintDef::Unique(def)),
            } => attrs.push(index_attr(&table.name, &kept_index(name, def, true), false)),
            KeptKind::Index {
                name,
                def: Some(def),
            } => attrs.push(index_attr(
                &table.name,
                &kept_index(name, def, false),
                false,
            )),
            // The database's to keep: nothing to declare.
            KeptKind::Sequence { .. } | KeptKind::Trigger { .. } | KeptKind::Comment => {}
            _ => notes.push(format!(
                "{}: `{}`",
                table.name,
                first_line(definition.sql())
            )),
        }
    }
    attrs
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Foreign keys: conventional single-column ones on their field (returned), the others on the
/// struct (the attributes). Several keys over the same columns (SQLite allows a column's
/// `REFERENCES` next to a table's `FOREIGN KEY` on it) all go on the struct, each under a name
/// of its own.
fn foreign_keys(table: &Table) -> (Vec<&ForeignKey>, Vec<TokenStream>) {
    let mut on_fields = Vec::new();
    let mut attrs = Vec::new();
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
            on_fields.push(fk);
            continue;
        }
        let mut fk_name = fk.name.clone();
        for n in 2.. {
            if fk_names.insert(fk_name.clone()) {
                break;
            }
            fk_name = retort::naming::shorten(&format!("{}_{n}", fk.name));
        }
        attrs.push(foreign_key_attr(fk, &fk_name, &conventional));
    }
    (on_fields, attrs)
}

/// `foreign_key(columns(...), references = "...", ...)`, named `name` unless that is the
/// `conventional` name.
fn foreign_key_attr(fk: &ForeignKey, name: &str, conventional: &str) -> TokenStream {
    let columns: Vec<Literal> = fk.columns.iter().map(|c| lit(c)).collect();
    let ref_columns: Vec<String> = fk.ref_columns.iter().map(|c| model_name(c)).collect();
    let target = lit(&format!(
        "{}({})",
        model_name(&fk.ref_table),
        ref_columns.join(", ")
    ));
    let mut parts = vec![quote!(columns(#(#columns),*)), quote!(references = #target)];
    if name != conventional {
        let name = lit(name);
        parts.push(quote!(name = #name));
    }
    parts.extend(actions(fk.on_delete, fk.on_update));
    match fk.deferrable {
        Deferrable::No => {}
        Deferrable::Deferrable => parts.push(quote!(deferrable)),
        Deferrable::InitiallyDeferred => parts.push(quote!(initially_deferred)),
    }
    quote!(foreign_key(#(#parts),*))
}

/// How the primary key is declared.
struct Key {
    /// The key's columns come in the table's column order: they are marked on their fields
    /// (else the struct lists them, in the key's order: `PRIMARY KEY (b, a)`).
    in_order: bool,
    /// The key is `id` alone, which a model need not declare.
    conventional: bool,
    /// A single integer key without an identity (or serial): the application assigns it. Only
    /// PostgreSQL reports the key constraint's name; on SQLite an integer key is the rowid.
    no_identity: Option<String>,
    /// SQLite (which reports no key constraint name): a single integer key is the rowid.
    rowid: Option<String>,
}

impl Key {
    fn of(table: &Table) -> Key {
        let in_order = table
            .columns
            .iter()
            .filter(|c| table.primary_key.contains(&c.name))
            .map(|c| c.name.as_str())
            .eq(table.primary_key.iter().map(String::as_str));
        let no_identity = match table.primary_key.as_slice() {
            [key] if table.primary_key_name.is_some() && table.identity.is_none() => table
                .column(key)
                .filter(|c| c.ty.is_integer())
                .map(|c| c.name.clone()),
            _ => None,
        };
        let rowid = match table.primary_key.as_slice() {
            [key] if table.primary_key_name.is_none() => table
                .column(key)
                .filter(|c| c.ty == SqlType::Integer)
                .map(|c| c.name.clone()),
            _ => None,
        };
        Key {
            in_order,
            conventional: table.primary_key == ["id"],
            no_identity,
            rowid,
        }
    }

    /// The struct's `primary_key(columns(...))`, `primary_key_name` and `no_primary_key`.
    fn struct_attrs(&self, table: &Table, dialect: &dyn Dialect) -> Vec<TokenStream> {
        let mut attrs = Vec::new();
        if !self.in_order {
            let keys: Vec<Literal> = table.primary_key.iter().map(|c| lit(c)).collect();
            attrs.push(quote!(primary_key(columns(#(#keys),*))));
        }
        // A catalog that reports the key constraint's name (PostgreSQL): one other than the
        // name the database gives an unnamed key is declared.
        if let Some(pk_name) = table.primary_key_name.as_deref() {
            if pk_name != dialect.implicit_primary_key_name(&table.name) {
                let pk_name = lit(pk_name);
                attrs.push(quote!(primary_key_name = #pk_name));
            }
        }
        if table.primary_key.is_empty() {
            attrs.push(quote!(no_primary_key));
        }
        attrs
    }

    /// A key field's `primary_key` and `identity = false`.
    fn field_attrs(&self, table: &Table, column: &str) -> Vec<TokenStream> {
        let mut attrs = Vec::new();
        if (!self.conventional || self.no_identity.is_some())
            && self.in_order
            && table.primary_key.iter().any(|k| k == column)
        {
            attrs.push(quote!(primary_key));
        }
        if self.no_identity.as_deref() == Some(column) {
            attrs.push(quote!(identity = false));
        }
        attrs
    }

    /// `autoincrement` (SQLite), with the `primary_key` it needs on a conventional key.
    fn autoincrement_attrs(&self, table: &Table, column: &str) -> Vec<TokenStream> {
        let mut attrs = Vec::new();
        if table.autoincrement && table.primary_key == [column] {
            if self.conventional && self.no_identity.is_none() {
                attrs.push(quote!(primary_key));
            }
            attrs.push(quote!(autoincrement));
        }
        attrs
    }

    /// The Rust type of `column` and its attributes. SQLite's `INTEGER PRIMARY KEY` is the
    /// rowid: never NULL, `NOT NULL` or not.
    fn rust_type(&self, column: &Column, enums: &EnumNames) -> (TokenStream, Vec<TokenStream>) {
        if self.rowid.as_deref() == Some(column.name.as_str()) {
            let mut key = column.clone();
            key.nullable = false;
            rust_type(&key, enums)
        } else {
            rust_type(column, enums)
        }
    }
}

/// The field for `column`, with its attributes. What it cannot declare goes to `notes`.
fn field(
    table: &Table,
    column: &Column,
    on_fields: &OnFields,
    field_names: &mut BTreeSet<String>,
    notes: &mut Vec<String>,
) -> TokenStream {
    let mut attrs: Vec<TokenStream> = Vec::new();
    let (field, renamed) = field_ident(&column.name, field_names);
    if renamed {
        let column_lit = lit(&column.name);
        attrs.push(quote!(column = #column_lit));
    }
    let key = &on_fields.key;
    attrs.extend(key.field_attrs(table, &column.name));
    attrs.extend(super::generation::attrs(
        table,
        &column.name,
        on_fields.dialect,
    ));
    attrs.extend(key.autoincrement_attrs(table, &column.name));
    let (ty, type_attrs) = key.rust_type(column, on_fields.enums);
    attrs.extend(type_attrs);
    attrs.extend(value_attrs(column));
    attrs.extend(constraint_attrs(table, column, on_fields, notes));
    let doc = doc(column.comment.as_deref());
    let model = (!attrs.is_empty()).then(|| quote!(#[model(#(#attrs),*)]));
    quote! {
        #doc
        #model
        pub #field: #ty,
    }
}

/// Where a column's values come from: `generated = "..."` (and `stored`), `default = "..."`.
fn value_attrs(column: &Column) -> Vec<TokenStream> {
    let mut attrs = Vec::new();
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
    attrs
}

/// A field's `unique`, `check`, `index` and `references`; SQLite's column clauses the models
/// cannot say go to `notes`.
fn constraint_attrs(
    table: &Table,
    column: &Column,
    on_fields: &OnFields,
    notes: &mut Vec<String>,
) -> Vec<TokenStream> {
    let mut attrs = Vec::new();
    // A column's own plain `UNIQUE` clause (SQLite) is the models' `unique` too.
    let inline_unique = column.extra.iter().any(|x| x.is_unique());
    if on_fields.indexes.contains(&(column.name.as_str(), true)) || inline_unique {
        attrs.push(quote!(unique));
    }
    // Its first `CHECK (...)` clause is the field's `check`.
    let mut own_check = None;
    let mut undeclared = Vec::new();
    for clause in column
        .extra
        .iter()
        .filter(|c| !c.sql().starts_with("GENERATED"))
    {
        if clause.is_unique() {
            continue;
        }
        match clause.check_expr() {
            Some(expr) if own_check.is_none() => own_check = Some(expr),
            _ => undeclared.push(clause.sql()),
        }
    }
    if let Some(expr) = own_check {
        let expr = lit(expr);
        attrs.push(quote!(check = #expr));
    }
    if on_fields.indexes.contains(&(column.name.as_str(), false)) {
        attrs.push(quote!(index));
    }
    if let Some(fk) = on_fields
        .foreign_keys
        .iter()
        .find(|fk| fk.columns[0] == column.name)
    {
        let target = lit(&format!(
            "{}.{}",
            model_name(&fk.ref_table),
            model_name(&fk.ref_columns[0])
        ));
        attrs.push(quote!(references = #target));
        attrs.extend(actions(fk.on_delete, fk.on_update));
    }
    // SQLite's other column clauses (`COLLATE x`, a second `CHECK`, `UNIQUE ON CONFLICT ...`)
    // than the generation expression: the models cannot say them.
    for clause in undeclared {
        notes.push(format!(
            "{}: column `{}` clause `{clause}`",
            table.name, column.name
        ));
    }
    attrs
}

/// `on_delete = "..."`, `on_update = "..."` for the actions that are not the default.
fn actions(on_delete: FkAction, on_update: FkAction) -> Vec<TokenStream> {
    let mut out = Vec::new();
    if on_delete != FkAction::NoAction {
        let action = lit(on_delete.name());
        out.push(quote!(on_delete = #action));
    }
    if on_update != FkAction::NoAction {
        let action = lit(on_update.name());
        out.push(quote!(on_update = #action));
    }
    out
}

/// `unique(...)` for a unique constraint, `index(...)` otherwise, with every property.
/// `plain_keys`: the keys are column names (`columns(...)`), else SQL (`keys(...)`); an
/// index's keys are its columns unless it has keys of its own.
fn index_attr(table: &str, index: &Index, plain_keys: bool) -> TokenStream {
    let o = &index.options;
    let keys = if o.keys.is_empty() {
        &index.columns
    } else {
        &o.keys
    };
    let name = lit(&index.name);
    let include: Vec<Literal> = o.include.iter().map(|c| lit(c)).collect();
    let include = (!include.is_empty()).then(|| quote!(, include(#(#include),*)));
    let nnd = o.nulls_not_distinct.then(|| quote!(, nulls_not_distinct));
    if index.constraint && o.predicate.is_none() && o.method.is_none() {
        // A constraint's key list is column names, quoted where PostgreSQL must.
        let columns: Vec<String> = keys.iter().map(|k| retort::sql::unquote_key(k)).collect();
        let keys: Vec<Literal> = columns.iter().map(|k| lit(k)).collect();
        let name =
            (index.name != index_name(table, &columns, true)).then(|| quote!(, name = #name));
        return quote!(unique(columns(#(#keys),*) #name #include #nnd));
    }
    let keys: Vec<Literal> = keys.iter().map(|k| lit(k)).collect();
    let keys = if plain_keys {
        quote!(columns(#(#keys),*))
    } else {
        quote!(keys(#(#keys),*))
    };
    let unique = index.unique.then(|| quote!(, unique));
    let method = o.method.as_deref().map(|m| {
        let m = lit(m);
        quote!(, method = #m)
    });
    let predicate = o.predicate.as_deref().map(|p| {
        let p = lit(p);
        quote!(, where = #p)
    });
    let with = o.with.as_deref().map(|w| {
        let w = lit(w);
        quote!(, with = #w)
    });
    // Key columns keyed by a prefix (MariaDB, MySQL): `prefix("body" = 100)`.
    let prefixes: Vec<TokenStream> = (0..index.columns.len())
        .filter_map(|i| {
            let length = Literal::u32_unsuffixed(index.prefix(i)?);
            let column = lit(&index.columns[i]);
            Some(quote!(#column = #length))
        })
        .collect();
    let prefixes = (!prefixes.is_empty()).then(|| quote!(, prefix(#(#prefixes),*)));
    quote!(index(#keys, name = #name #unique #method #include #nnd #with #predicate #prefixes))
}
