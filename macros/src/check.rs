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
    check_checks(cx, cont);
    check_renamed_from(cx, cont);
    for field in cont.columns() {
        check_generated(cx, field);
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
        if old.value.value() == cont.table {
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

/// `on_delete` and `on_update` describe a foreign key, which only `references` declares.
fn check_fk_actions(cx: &Ctxt, field: &Field) {
    if field.attrs.references.is_some() {
        return;
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
    if cont.primary_key().is_empty() {
        cx.error_spanned_by(
            cont.ident,
            format!(
                "model `{}` has no primary key; mark a field with `#[model(primary_key)]` or \
                 add an `id` field",
                cont.name
            ),
        );
    }
}

/// The columns named by `index(columns(...))` must be columns of this model.
fn check_indexes(cx: &Ctxt, cont: &Container) {
    let mut columns: Vec<&str> = Vec::new();
    for field in cont.columns() {
        if !columns.contains(&field.column.as_str()) {
            columns.push(&field.column);
        }
    }
    for index in &cont.attrs.indexes {
        for lit in &index.value.columns {
            let name = lit.value();
            if columns.contains(&name.as_str()) {
                continue;
            }
            let field = cont.fields.iter().find(|f| *f.ident == name);
            let message = match field {
                Some(field) if field.attrs.skip.is_some() => format!(
                    "unknown column `{name}` in index: field `{name}` is `#[model(skip)]` and \
                     has no column"
                ),
                Some(field) => format!(
                    "unknown column `{name}` in index: field `{name}` is stored in column `{}`; \
                     indexes name columns, not fields",
                    field.column
                ),
                None => format!(
                    "unknown column `{name}` in index; the columns of `{}` are: {}",
                    cont.name,
                    quoted_list(&columns)
                ),
            };
            cx.error_spanned_by(quote!(#lit), message);
        }
    }
}
