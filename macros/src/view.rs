//! `#[derive(View)]`: a struct whose fields are the columns of a view the models declare.
//!
//! The same phases as `#[derive(Model)]`, in one file: `parse` reads the struct, its
//! `#[view(...)]` keys and its fields into [`Input`], checking each key as it goes and the
//! rules across keys after (a `sql` is required, the `key` names columns), and `expand` writes
//! `impl retort::ViewModel` and the view's registration. Every error is collected in a
//! [`Ctxt`] and reported at once, next to a placeholder impl.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, LitStr, Meta, Type};

use crate::ast::default_table_name;
use crate::ctxt::Ctxt;

/// The attribute's own name: `#[view(...)]`.
const ATTR: &str = "view";

/// The struct as the derive understands it.
struct Input<'a> {
    ident: &'a Ident,
    /// The struct's name without `r#`, for the registration.
    rust_name: String,
    /// `name = "..."`, or the conventional name (`ActiveUser` -> `active_users`).
    name: String,
    sql: Option<LitStr>,
    materialized: bool,
    /// `options = "..."`: what goes between `CREATE` and `VIEW` (MariaDB).
    options: Option<LitStr>,
    /// `key = "a, b"`: the columns, and the literal (for spans).
    key: Option<(Vec<String>, LitStr)>,
    columns: Vec<ViewColumn<'a>>,
}

/// One field: one column of the view.
struct ViewColumn<'a> {
    name: String,
    ty: &'a Type,
    sql_type: Option<LitStr>,
}

/// The keys read from the struct's `#[view(...)]` attributes.
#[derive(Default)]
struct StructKeys {
    sql: Option<LitStr>,
    name: Option<LitStr>,
    materialized: bool,
    key: Option<LitStr>,
    options: Option<LitStr>,
}

/// The keys read from a field's `#[view(...)]` attributes.
#[derive(Default)]
struct FieldKeys {
    column: Option<LitStr>,
    sql_type: Option<LitStr>,
}

/// `#[derive(View)]` on `proc_macro2` tokens, so that tests can call it directly.
pub fn derive_view_inner(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let cx = Ctxt::new();
    let parsed = parse(&cx, &input);
    match (cx.check(), parsed) {
        (Ok(()), Some(parsed)) => expand(&parsed),
        (Err(err), parsed) => fallback(&input, parsed.as_ref(), &err),
        (Ok(()), None) => unreachable!("an input that is not a struct always records an error"),
    }
}

/// Reads the struct, its keys and its fields; `None` when it is not a struct with named fields.
fn parse<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Option<Input<'a>> {
    const SHAPE: &str =
        "#[derive(View)] supports only structs with named fields (each is a column of the view)";
    let ident = &input.ident;
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => fields,
            _ => {
                cx.error_spanned_by(
                    ident,
                    format!("{SHAPE}; name the fields: `struct {ident} {{ id: i64, ... }}`"),
                );
                return None;
            }
        },
        _ => {
            cx.error_spanned_by(ident, SHAPE);
            return None;
        }
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "#[derive(View)] does not support generic parameters: a view has fixed columns",
        );
    }
    let keys = struct_keys(cx, &input.attrs);
    let rust_name = ident.unraw().to_string();
    let name = keys
        .name
        .as_ref()
        .map_or_else(|| default_table_name(&rust_name), LitStr::value);
    if keys.sql.is_none() {
        cx.error_spanned_by(
            ident,
            format!("#[derive(View)] needs the view's query: #[view(sql = \"SELECT ...\")] on `{ident}`"),
        );
    }
    if let Some(sql) = &keys.sql {
        if sql.value().trim().trim_end_matches(';').trim().is_empty() {
            cx.error_spanned_by(sql, "`sql` is empty: write the view's query, e.g. `sql = \"SELECT id, name FROM users\"`");
        }
    }
    let mut columns = Vec::new();
    for field in &fields.named {
        let field_ident = field.ident.as_ref().expect("named field");
        let keys = field_keys(cx, &field.attrs);
        columns.push(ViewColumn {
            name: keys
                .column
                .as_ref()
                .map_or_else(|| field_ident.unraw().to_string(), LitStr::value),
            ty: &field.ty,
            sql_type: keys.sql_type,
        });
    }
    if columns.is_empty() {
        cx.error_spanned_by(
            ident,
            format!("`{ident}` has no fields; each field is a column of the view"),
        );
    }
    let key = keys.key.map(|lit| {
        let names: Vec<String> = lit
            .value()
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        for name in &names {
            if !columns.iter().any(|c| &c.name == name) {
                let known: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                cx.error_spanned_by(
                    &lit,
                    format!(
                        "`key` names `{name}`, which is no column of the view (its columns: {})",
                        known.join(", ")
                    ),
                );
            }
        }
        if names.is_empty() {
            cx.error_spanned_by(
                &lit,
                "`key` is empty: name one or more columns, e.g. `key = \"id\"`",
            );
        }
        (names, lit)
    });
    Some(Input {
        ident,
        rust_name,
        name,
        sql: keys.sql,
        materialized: keys.materialized,
        options: keys.options,
        key,
        columns,
    })
}

/// The `#[view(...)]` attributes of `attrs`, as `(key, value)` callbacks: each attribute must be
/// a list, each key is reported once when repeated.
fn each_key(
    cx: &Ctxt,
    attrs: &[Attribute],
    example: &str,
    mut f: impl FnMut(&syn::meta::ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(ATTR)) {
        if !matches!(attr.meta, Meta::List(_)) {
            cx.error_spanned_by(
                attr,
                format!("expected `#[view(...)]`, e.g. `#[view({example})]`"),
            );
            continue;
        }
        if let Err(err) = attr.parse_nested_meta(|meta| f(&meta)) {
            cx.syn_error(err);
        }
    }
}

/// Sets `slot` to the string value of `meta`, reporting a repeated key.
fn string(
    cx: &Ctxt,
    meta: &syn::meta::ParseNestedMeta,
    slot: &mut Option<LitStr>,
    example: &str,
) -> syn::Result<()> {
    let key = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    let value = meta
        .value()
        .map_err(|_| meta.error(format!("`{key}` takes a string: `{key} = {example}`")))?;
    let lit: LitStr = value.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`{key}` takes a string: `{key} = {example}`"),
        )
    })?;
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, format!("duplicate `{key}`: give it once"));
    }
    *slot = Some(lit);
    Ok(())
}

fn struct_keys(cx: &Ctxt, attrs: &[Attribute]) -> StructKeys {
    let mut keys = StructKeys::default();
    each_key(cx, attrs, "sql = \"SELECT ...\"", |meta| {
        let path = &meta.path;
        if path.is_ident("sql") {
            string(cx, meta, &mut keys.sql, "\"SELECT ...\"")
        } else if path.is_ident("name") {
            string(cx, meta, &mut keys.name, "\"active_users\"")
        } else if path.is_ident("key") {
            string(cx, meta, &mut keys.key, "\"id\"")
        } else if path.is_ident("options") {
            string(cx, meta, &mut keys.options, "\"SQL SECURITY INVOKER\"")
        } else if path.is_ident("materialized") {
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                return Err(meta.error("`materialized` takes no value: write `materialized`"));
            }
            if keys.materialized {
                cx.error_spanned_by(path, "duplicate `materialized`: give it once");
            }
            keys.materialized = true;
            Ok(())
        } else {
            let key = path.to_token_stream().to_string().replace(' ', "");
            Err(meta.error(format!(
                "unknown key `{key}` in #[view(...)] on a struct; expected `sql`, `name`, `materialized`, `key` or `options`{}",
                if matches!(key.as_str(), "column" | "sql_type") { " (`column` and `sql_type` go on a field)" } else { "" }
            )))
        }
    });
    keys
}

fn field_keys(cx: &Ctxt, attrs: &[Attribute]) -> FieldKeys {
    let mut keys = FieldKeys::default();
    each_key(cx, attrs, "column = \"name\"", |meta| {
        let path = &meta.path;
        if path.is_ident("column") {
            string(cx, meta, &mut keys.column, "\"name\"")
        } else if path.is_ident("sql_type") {
            string(cx, meta, &mut keys.sql_type, "\"NUMERIC(10,2)\"")
        } else {
            let key = path.to_token_stream().to_string().replace(' ', "");
            Err(meta.error(format!(
                "unknown key `{key}` in #[view(...)] on a field; expected `column` or `sql_type`{}",
                if matches!(
                    key.as_str(),
                    "sql" | "name" | "materialized" | "key" | "options"
                ) {
                    " (`sql`, `name`, `materialized`, `key` and `options` go on the struct)"
                } else {
                    ""
                }
            )))
        }
    });
    keys
}

fn expand(input: &Input) -> TokenStream {
    let ident = input.ident;
    let name = &input.name;
    let rust_name = &input.rust_name;
    let sql = input.sql.as_ref().expect("checked");
    let materialized = input.materialized;
    let options = input.options.as_ref().map(|o| quote!(.options(#o)));
    let columns = input.columns.iter().map(|c| {
        let column = &c.name;
        match &c.sql_type {
            Some(sql_type) => {
                let nullable = crate::ast::is_option_type(c.ty);
                quote!(.column_sql(#column, #sql_type, #nullable))
            }
            None => {
                let ty = c.ty;
                let turbofish = quote_spanned!(ty.span()=> ::<#ty>);
                quote!(.column #turbofish(#column))
            }
        }
    });
    let key: Vec<String> = match &input.key {
        Some((names, _)) => names.clone(),
        None => input
            .columns
            .iter()
            .take(1)
            .map(|c| c.name.clone())
            .collect(),
    };
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::retort::__private::ViewModel for #ident {
                const VIEW: &'static str = #name;
                fn view() -> ::retort::schema::View {
                    ::retort::__private::ViewBuilder::new(#name, #sql, #materialized)
                        #(#columns)*
                        .key(&[#(#key),*])
                        #options
                        .build()
                }
            }
            ::retort::__private::inventory::submit! {
                ::retort::__private::ViewRegistration::new::<#ident>(
                    ::core::concat!(::core::module_path!(), "::", #rust_name)
                )
            }
        };
    }
}

/// The errors, and an impl that type-checks so that uses of the view add no errors of their own.
fn fallback(input: &DeriveInput, parsed: Option<&Input>, errors: &syn::Error) -> TokenStream {
    let ident = &input.ident;
    let name = parsed.map_or_else(
        || default_table_name(&ident.unraw().to_string()),
        |p| p.name.clone(),
    );
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let errors = errors.to_compile_error();
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics ::retort::__private::ViewModel for #ident #ty_generics #where_clause {
                const VIEW: &'static str = #name;
                fn view() -> ::retort::schema::View {
                    ::core::unreachable!()
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn expand(input: proc_macro2::TokenStream) -> String {
        let output = super::derive_view_inner(input);
        let file: syn::File = syn::parse2(output.clone())
            .unwrap_or_else(|err| panic!("expansion does not parse: {err}\n{output}"));
        prettyplease::unparse(&file)
    }

    #[test]
    fn view_expansion() {
        insta::assert_snapshot!(expand(quote! {
            #[view(sql = "SELECT id, email FROM users", materialized, key = "email")]
            pub struct ActiveUser {
                pub id: i64,
                #[view(column = "email")]
                pub address: String,
                #[view(sql_type = "NUMERIC(10,2)")]
                pub balance: Option<String>,
            }
        }));
    }
}
