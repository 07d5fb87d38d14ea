//! Rules that involve several attributes or fields. Each key's own form was checked while
//! parsing (`attr.rs`); here the parsed model is checked as a whole.

use std::collections::BTreeMap;

use quote::quote;

use crate::ast::{Container, Field};
use crate::attr::{self, quoted_list};
use crate::ctxt::Ctxt;

pub fn check(cx: &Ctxt, cont: &Container) {
    check_generics(cx, cont);
    for field in &cont.fields {
        if field.attrs.skip.is_some() {
            check_skip(cx, field);
        } else {
            check_sql_type(cx, field);
            check_fk_actions(cx, field);
        }
    }
    check_duplicate_columns(cx, cont);
    check_primary_key(cx, cont);
    check_indexes(cx, cont);
    check_index_names(cx, cont);
    check_checks(cx, cont);
    check_renamed_from(cx, cont);
    for field in cont.columns() {
        check_generated(cx, field);
    }
    check_generation(cx, cont);
}

/// `identity = "always" | "by_default"` and `serial`: on integer fields, without a default or
/// a generation expression, not both on one field; one identity per table (PostgreSQL allows
/// more, but a model has one column the database numbers as it identifies rows). An identity is
/// NOT NULL (PostgreSQL makes it so).
fn check_generation(cx: &Ctxt, cont: &Container) {
    use crate::attr::Identity;
    let mut identities = Vec::new();
    for field in cont.columns() {
        let identity = field
            .attrs
            .identity
            .as_ref()
            .filter(|i| i.value != Identity::No);
        let name = &field.ident;
        let (what, span) = match (identity, &field.attrs.serial) {
            (Some(_), Some(serial)) => {
                cx.error_spanned_by(
                    serial,
                    format!(
                        "`{name}` cannot be both an identity and `serial`: keep `identity = \"...\"` \
                         (GENERATED ... AS IDENTITY) or `serial` (a sequence and a nextval default)"
                    ),
                );
                continue;
            }
            (Some(identity), None) => {
                identities.push(identity);
                if field.is_option() {
                    cx.error_spanned_by(
                        &identity.key,
                        format!(
                            "an identity column is NOT NULL, and `{name}` is an Option: make it a \
                             plain integer, or use `serial` for a nullable column with a sequence"
                        ),
                    );
                }
                (
                    "an identity",
                    quote::ToTokens::to_token_stream(&identity.key),
                )
            }
            (None, Some(serial)) => {
                if let Some(no) = &field.attrs.identity {
                    cx.error_spanned_by(
                        &no.key,
                        format!(
                            "`identity = false` says the application assigns `{name}`'s values and \
                             `serial` that a sequence does: remove one of them"
                        ),
                    );
                }
                ("`serial`", quote::ToTokens::to_token_stream(serial))
            }
            (None, None) => continue,
        };
        if let Some(default) = &field.attrs.default {
            cx.error_spanned_by(
                &default.key,
                format!(
                    "`{name}` is {what}: its default is the sequence's next value; remove `default`"
                ),
            );
        }
        if let Some(generated) = &field.attrs.generated {
            cx.error_spanned_by(
                &generated.key,
                format!("`{name}` is {what}, so it cannot also be `generated`: remove one of them"),
            );
        }
        if let Some(sql_type) = &field.attrs.sql_type {
            let ty = sql_type.value.value().trim().to_ascii_uppercase();
            let integers = [
                "SMALLINT", "INT2", "INTEGER", "INT", "INT4", "BIGINT", "INT8",
            ];
            if !integers.contains(&ty.as_str()) {
                cx.error_spanned_by(
                    span,
                    format!(
                        "`{name}` is {what}, which needs an integer column, and its `sql_type` is \
                         `{ty}`: use SMALLINT, INTEGER or BIGINT"
                    ),
                );
            }
        }
    }
    if let [_, second, ..] = identities.as_slice() {
        cx.error_spanned_by(
            &second.key,
            format!(
                "model `{}` has more than one `identity = \"...\"` field: a table has one identity \
                 column; make the others `serial`, or plain columns",
                cont.name
            ),
        );
    }
}

/// `stored` qualifies `generated`; a generated column computes its values, so it has no
/// default and is no primary key.
fn check_generated(cx: &Ctxt, field: &Field) {
    let attrs = &field.attrs;
    match &attrs.generated {
        None => {
            if let Some(stored) = &attrs.stored {
                cx.error_spanned_by(
                    stored,
                    "`stored` qualifies a generated column: add `generated = \"...\"` or remove `stored`",
                );
            }
        }
        Some(generated) => {
            if let Some(default) = &attrs.default {
                cx.error_spanned_by(
                    &default.key,
                    "`default` cannot be combined with `generated`: a generated column computes its values; remove one of them",
                );
            }
            if let Some(pk) = &attrs.primary_key {
                cx.error_spanned_by(
                    pk,
                    "`primary_key` cannot be combined with `generated`: a key column holds the values it is given; remove one of them",
                );
            }
            let _ = generated;
        }
    }
}

/// A `renamed_from` names the table's or column's previous name, which differs from its name.
fn check_renamed_from(cx: &Ctxt, cont: &Container) {
    if let Some(old) = &cont.attrs.renamed_from {
        let old_name = old.value.value();
        if old_name == cont.key || (old_name == cont.table && !old_name.contains('.')) {
            cx.error_spanned_by(
                &old.value,
                format!(
                    "`renamed_from` names the table's previous name, but `{}` is its name; \
                     remove the key, or give the name it had",
                    cont.table
                ),
            );
        }
    }
    for field in cont.columns() {
        if let Some(old) = &field.attrs.renamed_from {
            if old.value.value() == field.column {
                cx.error_spanned_by(
                    &old.value,
                    format!(
                        "`renamed_from` names the column's previous name, but `{}` is its \
                         name; remove the key, or give the name it had",
                        field.column
                    ),
                );
            }
        }
    }
}

/// CHECK constraint names, given or conventional, must differ.
fn check_checks(cx: &Ctxt, cont: &Container) {
    let mut seen: Vec<String> = Vec::new();
    for (check, name) in cont.attrs.checks.iter().zip(cont.check_names()) {
        if seen.contains(&name) {
            let at = match &check.value.name {
                Some(lit) => quote!(#lit),
                None => {
                    let key = &check.key;
                    quote!(#key)
                }
            };
            cx.error_spanned_by(
                at,
                format!("duplicate check constraint name `{name}`; give each check its own `name = \"...\"`"),
            );
        } else {
            seen.push(name);
        }
    }
}

/// Index and unique constraint names, given or conventional (`ix_`/`uq_<table>_<cols>`), must
/// differ: the database refuses a second one of the same name.
fn check_index_names(cx: &Ctxt, cont: &Container) {
    let conventional =
        |prefix: &str, columns: &[String]| format!("{prefix}_{}_{}", cont.table, columns.join("_"));
    let mut named: Vec<(String, proc_macro2::TokenStream)> = Vec::new();
    for field in cont.columns() {
        let column = vec![field.column.clone()];
        if let Some(path) = &field.attrs.unique {
            named.push((conventional("uq", &column), quote!(#path)));
        }
        if let Some(path) = &field.attrs.index {
            named.push((conventional("ix", &column), quote!(#path)));
        }
    }
    let values = |lits: &[syn::LitStr]| lits.iter().map(syn::LitStr::value).collect::<Vec<_>>();
    for index in &cont.attrs.indexes {
        let prefix = if index.value.unique { "uq" } else { "ix" };
        let (name, at) = match &index.value.name {
            Some(lit) => (lit.value(), quote!(#lit)),
            None => {
                let key = &index.key;
                (
                    conventional(prefix, &values(&index.value.columns)),
                    quote!(#key),
                )
            }
        };
        named.push((name, at));
    }
    for unique in &cont.attrs.uniques {
        let (name, at) = match &unique.value.name {
            Some(lit) => (lit.value(), quote!(#lit)),
            None => {
                let key = &unique.key;
                (
                    conventional("uq", &values(&unique.value.columns)),
                    quote!(#key),
                )
            }
        };
        named.push((name, at));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (name, at) in &named {
        if seen.contains(&name.as_str()) {
            cx.error_spanned_by(
                at,
                format!(
                    "duplicate index name `{name}`: another index or unique constraint of this \
                     model has it; give one of them its own `name = \"...\"` (or drop the \
                     duplicate)"
                ),
            );
        } else {
            seen.push(name);
        }
    }
}

/// Lifetimes and type or const parameters are not supported: a model is one table.
fn check_generics(cx: &Ctxt, cont: &Container) {
    let generics = cont.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(generics, "generic models are not supported");
    } else if let Some(where_clause) = &generics.where_clause {
        cx.error_spanned_by(where_clause, "generic models are not supported");
    }
}

/// `skip` means "not a column", so no other key makes sense next to it.
fn check_skip(cx: &Ctxt, field: &Field) {
    for (key, path) in &field.attrs.present {
        if *key != attr::SKIP {
            cx.error_spanned_by(
                path,
                format!(
                    "`{key}` cannot be combined with `skip`: a skipped field has no column; \
                     remove one of them"
                ),
            );
        }
    }
}

/// `sql_type` gives the whole type, so `max_length` has nowhere to go.
fn check_sql_type(cx: &Ctxt, field: &Field) {
    if let (Some(_), Some(max_length)) = (&field.attrs.sql_type, &field.attrs.max_length) {
        cx.error_spanned_by(
            &max_length.key,
            format!(
                "`max_length` cannot be combined with `sql_type`; put the length in the type: \
                 `sql_type = \"VARCHAR({})\"`",
                max_length.value
            ),
        );
    }
}

/// `on_delete`, `on_update`, `deferrable` and `initially_deferred` describe a foreign key,
/// which only `references` declares.
fn check_fk_actions(cx: &Ctxt, field: &Field) {
    if field.attrs.references.is_some() {
        return;
    }
    for (key, flag) in [
        (attr::DEFERRABLE, &field.attrs.deferrable),
        (attr::INITIALLY_DEFERRED, &field.attrs.initially_deferred),
    ] {
        if let Some(path) = flag {
            cx.error_spanned_by(
                path,
                format!(
                    "`{key}` needs a foreign key on the same field: \
                     `#[model(references = \"table.column\", {key})]`"
                ),
            );
        }
    }
    for (key, action) in [
        (attr::ON_DELETE, &field.attrs.on_delete),
        (attr::ON_UPDATE, &field.attrs.on_update),
    ] {
        if let Some(action) = action {
            cx.error_spanned_by(
                &action.key,
                format!(
                    "`{key}` needs a foreign key on the same field: \
                     `#[model(references = \"table.column\", {key} = \"...\")]`"
                ),
            );
        }
    }
}

fn check_duplicate_columns(cx: &Ctxt, cont: &Container) {
    let mut seen: BTreeMap<&str, &Field> = BTreeMap::new();
    for field in cont.columns() {
        if let Some(first) = seen.get(field.column.as_str()) {
            cx.error_spanned_by(
                field.column_tokens(),
                format!(
                    "duplicate column `{}`: field `{}` already uses it; give one of them \
                     another name with `#[model(column = \"...\")]`",
                    field.column, first.ident
                ),
            );
        } else {
            seen.insert(&field.column, field);
        }
    }
}

fn check_primary_key(cx: &Ctxt, cont: &Container) {
    if let (Some(_), Some(name)) = (&cont.attrs.no_primary_key, &cont.attrs.primary_key_name) {
        cx.error_spanned_by(
            &name.key,
            format!(
                "`primary_key_name` names the key that `no_primary_key` says `{}` has not: \
                 remove one of them",
                cont.name
            ),
        );
    }
    if let (Some(_), Some(key)) = (&cont.attrs.no_primary_key, &cont.attrs.primary_key) {
        cx.error_spanned_by(
            &key.key,
            format!(
                "`primary_key(columns(...))` contradicts `no_primary_key` on `{}`: remove one of \
                 them",
                cont.name
            ),
        );
    } else if let Some(key) = &cont.attrs.primary_key {
        check_struct_key(cx, cont, key);
    }
    if cont.attrs.no_primary_key.is_some() {
        for field in cont.columns() {
            if let Some(pk) = &field.attrs.primary_key {
                cx.error_spanned_by(
                    pk,
                    format!(
                        "`primary_key` contradicts `no_primary_key` on `{}`: remove one of them",
                        cont.name
                    ),
                );
            }
        }
    } else if cont.attrs.primary_key.is_none() && cont.primary_key().is_empty() {
        cx.error_spanned_by(
            cont.ident,
            format!(
                "model `{}` has no primary key; mark a field with `#[model(primary_key)]`, add an \
                 `id` field, or say the table has none with `#[model(no_primary_key)]` on the \
                 struct",
                cont.name
            ),
        );
    }
    let key = cont.primary_key();
    for field in cont.columns() {
        let Some(identity) = field
            .attrs
            .identity
            .as_ref()
            .filter(|i| i.value == crate::attr::Identity::No)
        else {
            continue;
        };
        let is_key = key.iter().any(|k| k.column == field.column);
        let message = if !is_key {
            format!(
                "`identity = false` applies to the primary key, and `{}` is not part of it: \
                 mark the field `#[model(primary_key, identity = false)]` or remove `identity`",
                field.ident
            )
        } else if key.len() > 1 {
            "`identity = false` applies to a single-column primary key; a composite key never \
             gets an identity: remove `identity`"
                .to_owned()
        } else {
            continue;
        };
        cx.error_spanned_by(&identity.key, message);
    }
    for field in cont.columns() {
        let Some(path) = &field.attrs.autoincrement else {
            continue;
        };
        let is_key = key.iter().any(|k| k.column == field.column);
        let message = if !is_key {
            format!(
                "`autoincrement` applies to the primary key, and `{}` is not part of it: mark \
                 the field `#[model(primary_key, autoincrement)]` or remove `autoincrement`",
                field.ident
            )
        } else if key.len() > 1 {
            "`autoincrement` applies to a single-column integer primary key (SQLite allows no \
             other): remove `autoincrement`"
                .to_owned()
        } else {
            continue;
        };
        cx.error_spanned_by(path, message);
    }
}

/// The struct's `primary_key(columns(...))` is the whole key: no field says `primary_key` too,
/// and no key column is generated. (That its columns exist is [`check_indexes`]' concern.)
fn check_struct_key(cx: &Ctxt, cont: &Container, key: &attr::Keyed<Vec<syn::LitStr>>) {
    for field in cont.columns() {
        if let Some(pk) = &field.attrs.primary_key {
            cx.error_spanned_by(
                pk,
                format!(
                    "`primary_key` on field `{}` and `primary_key(columns(...))` on the struct \
                     both declare the key of `{}`: list every key column, in order, in the \
                     struct's `primary_key(columns(...))` and remove the field's `primary_key`",
                    field.ident, cont.name
                ),
            );
        }
    }
    for lit in &key.value {
        let generated = cont
            .columns()
            .any(|f| f.column == lit.value() && f.attrs.generated.is_some());
        if generated {
            cx.error_spanned_by(
                lit,
                format!(
                    "`{}` is a generated column and cannot be part of the primary key: a key \
                     column holds the values it is given; remove it from `primary_key(columns(...))` \
                     or remove its `generated`",
                    lit.value()
                ),
            );
        }
    }
}

/// The columns named by `index(columns(...))`, `include(...)`, `unique(columns(...))`,
/// `foreign_key(columns(...))` and `primary_key(columns(...))` must be columns of this model.
fn check_indexes(cx: &Ctxt, cont: &Container) {
    let mut columns: Vec<&str> = Vec::new();
    for field in cont.columns() {
        if !columns.contains(&field.column.as_str()) {
            columns.push(&field.column);
        }
    }
    let a = &cont.attrs;
    let lists = a
        .indexes
        .iter()
        .flat_map(|i| {
            [
                ("index", &i.value.columns),
                ("index", &i.value.options.include),
            ]
        })
        .chain(a.uniques.iter().flat_map(|u| {
            [
                ("unique constraint", &u.value.columns),
                ("unique constraint", &u.value.include),
            ]
        }))
        .chain(
            a.foreign_keys
                .iter()
                .map(|f| ("foreign key", &f.value.columns)),
        )
        .chain(a.primary_key.iter().map(|k| ("primary key", &k.value)));
    for (what, list) in lists {
        for lit in list {
            let name = lit.value();
            if columns.contains(&name.as_str()) {
                continue;
            }
            let field = cont.fields.iter().find(|f| *f.ident == name);
            let message = match field {
                Some(field) if field.attrs.skip.is_some() => format!(
                    "unknown column `{name}` in {what}: field `{name}` is `#[model(skip)]` and \
                     has no column"
                ),
                Some(field) => format!(
                    "unknown column `{name}` in {what}: field `{name}` is stored in column `{}`; \
                     indexes and keys name columns, not fields",
                    field.column
                ),
                None => format!(
                    "unknown column `{name}` in {what}; the columns of `{}` are: {}",
                    cont.name,
                    quoted_list(&columns)
                ),
            };
            cx.error_spanned_by(quote!(#lit), message);
        }
    }
}
