//! One view as a `#[derive(View)]` struct: the server's definition as `sql`, a field per column
//! typed as for a table's (`#[view(sql_type = "...")]` where the Rust type does not say the SQL
//! type).

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use retort::schema::{Column, SqlType, View};

use super::names::field_ident;
use super::syntax::{lit, rust_type, EnumNames};

/// The struct for `view`, named `name`.
pub(super) fn view(view: &View, name: &str, enums: &EnumNames) -> TokenStream {
    let ident = format_ident!("{}", name);
    let (view_name, sql) = (lit(&view.name), lit(&view.sql));
    let materialized = view.materialized.then(|| quote!(, materialized));
    let options = (!view.options.is_empty()).then(|| {
        let options = lit(&view.options);
        quote!(, options = #options)
    });
    let mut taken = BTreeSet::new();
    let fields = view
        .columns
        .iter()
        .map(|column| field(column, enums, &mut taken));
    quote! {
        #[derive(Debug, View)]
        #[view(name = #view_name, sql = #sql #materialized #options)]
        pub struct #ident {
            #(#fields)*
        }
    }
}

/// A column: its field, with `column = "..."` when the field's name is not the column's and
/// `sql_type = "..."` when the Rust type does not say it. A column without a declared type
/// (SQLite, over an expression) is a `String`, with a doc comment saying so.
fn field(column: &Column, enums: &EnumNames, taken: &mut BTreeSet<String>) -> TokenStream {
    let (ident, renamed) = field_ident(&column.name, taken);
    let mut attrs = Vec::new();
    if renamed {
        let name = lit(&column.name);
        attrs.push(quote!(column = #name));
    }
    let untyped = matches!(&column.ty, SqlType::Custom(t) if t.is_empty());
    let (ty, type_attrs) = if untyped {
        let ty = if column.nullable {
            quote!(Option<String>)
        } else {
            quote!(String)
        };
        (ty, Vec::new())
    } else {
        rust_type(column, enums)
    };
    // A view's field says its SQL type only through `sql_type` (no `max_length`...).
    if !type_attrs.is_empty() {
        let text = lit(&column.ty.to_string());
        attrs.push(quote!(sql_type = #text));
    }
    let attrs = (!attrs.is_empty()).then(|| quote!(#[view(#(#attrs),*)]));
    let doc = untyped.then(|| {
        quote!(#[doc = " No declared type in the database (an expression): written as text; give it its own."])
    });
    quote! {
        #doc
        #attrs
        pub #ident: #ty,
    }
}
