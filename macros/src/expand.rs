//! Generates `impl retort::Model` and the model's registration.
//!
//! Everything goes through `::retort::__private`, so the user's crate needs `retort` as its only
//! dependency (no direct `inventory`).

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::ast::{default_table_name, Container, Field};
use crate::ctxt::Ctxt;
use crate::{attr, check};

/// `#[derive(Model)]` on `proc_macro2` tokens, so that tests can call it directly.
pub fn derive_model_inner(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, &input);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => expand(&cont),
        (Err(err), cont) => fallback(&input, cont.as_ref(), &err),
        (Ok(()), None) => unreachable!("a non-struct input always records an error"),
    }
}

fn expand(cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let table = &cont.key;
    let rust_name = &cont.name;

    let comment = cont.doc.as_ref().map(|doc| quote!(.comment(#doc)));
    let renamed_from = cont.attrs.renamed_from.as_ref().map(|old| {
        let old = &old.value;
        quote!(.renamed_from(#old))
    });
    let primary_key_name = cont.attrs.primary_key_name.as_ref().map(|name| {
        let name = &name.value;
        quote!(.primary_key_name(#name))
    });
    let columns = cont.columns().map(|field| {
        let column = column(field);
        let comment = field.doc.as_ref().map(|doc| quote!(.column_comment(#doc)));
        let renamed_from = field.attrs.renamed_from.as_ref().map(|old| {
            let old = &old.value;
            quote!(.column_renamed_from(#old))
        });
        let generated = field.attrs.generated.as_ref().map(|expr| {
            let expr = &expr.value;
            let stored = field.attrs.stored.is_some();
            quote!(.generated(#expr, #stored))
        });
        let check = field.attrs.check.as_ref().map(|expr| {
            let expr = &expr.value;
            quote!(.column_check(#expr))
        });
        let generation = generation(field);
        quote!(#column #comment #renamed_from #generated #check #generation)
    });
    let key = cont.primary_key();
    let no_identity = key
        .iter()
        .any(|f| f.attrs.identity.as_ref().map(|i| i.value) == Some(attr::Identity::No))
        .then(|| quote!(.no_identity()));
    let autoincrement = key
        .iter()
        .any(|f| f.attrs.autoincrement.is_some())
        .then(|| quote!(.autoincrement()));
    let primary_key = key.into_iter().map(|f| &f.column);
    let foreign_keys = cont.columns().filter_map(foreign_key);
    let field_indexes = cont.columns().flat_map(field_indexes);
    let struct_indexes = cont.attrs.indexes.iter().map(|index| {
        let index = &index.value;
        let name = option(index.name.as_ref().map(|name| quote!(#name)));
        let columns = &index.columns;
        let unique = index.unique;
        let options = index_options(&index.options);
        quote!(.index(#name, &[#(#columns),*], #unique) #options)
    });
    let uniques = cont.attrs.uniques.iter().map(|unique| {
        let unique = &unique.value;
        let name = option(unique.name.as_ref().map(|name| quote!(#name)));
        let columns = &unique.columns;
        let include = &unique.include;
        let include = (!include.is_empty()).then(|| quote!(.index_include(&[#(#include),*])));
        let nnd = unique
            .nulls_not_distinct
            .then(|| quote!(.index_nulls_not_distinct()));
        quote!(.unique_constraint(#name, &[#(#columns),*]) #include #nnd)
    });
    let struct_foreign_keys = cont.attrs.foreign_keys.iter().map(|fk| {
        let fk = &fk.value;
        let columns = &fk.columns;
        let ref_table = &fk.ref_table;
        let ref_columns = &fk.ref_columns;
        let on_delete = fk_action(fk.on_delete);
        let on_update = fk_action(fk.on_update);
        let name = fk
            .name
            .as_ref()
            .map(|name| quote!(.foreign_key_name(#name)));
        let deferrable = deferrable(fk.deferrable, fk.initially_deferred);
        quote! {
            .foreign_key(&[#(#columns),*], #ref_table, &[#(#ref_columns),*], #on_delete, #on_update)
            #name #deferrable
        }
    });
    // An unnamed check is the n-th (from 1): its name comes from the naming convention.
    let checks = cont
        .attrs
        .checks
        .iter()
        .zip(cont.check_names())
        .enumerate()
        .map(|(i, (check, name))| {
            let expr = &check.value.expr;
            let n = i + 1;
            match (&check.value.name, check.value.not_valid) {
                (Some(_), false) => quote!(.check(#name, #expr)),
                (Some(_), true) => quote!(.check_not_valid(#name, #expr)),
                (None, false) => quote!(.unnamed_check(#n, #expr)),
                (None, true) => quote!(.unnamed_check_not_valid(#n, #expr)),
            }
        });

    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::retort::__private::Model for #ident {
                const TABLE: &'static str = #table;
                fn table() -> ::retort::__private::Table {
                    ::retort::__private::TableBuilder::new(#table)
                        #renamed_from
                        #primary_key_name
                        #comment
                        #(#columns)*
                        .primary_key(&[#(#primary_key),*])
                        #no_identity
                        #autoincrement
                        #(#foreign_keys)*
                        #(#field_indexes)*
                        #(#struct_indexes)*
                        #(#uniques)*
                        #(#struct_foreign_keys)*
                        #(#checks)*
                        .build()
                }
            }
            ::retort::__private::inventory::submit! {
                ::retort::__private::ModelRegistration::new::<#ident>(
                    ::core::concat!(::core::module_path!(), "::", #rust_name)
                )
            }
        };
    }
}

/// `.column::<T>(...)`, `.varchar::<T>(...)` or `.column_sql(...)`. The turbofish carries the
/// field type's span, so a missing `ColumnType` / `VarLength` impl is reported on the type.
/// `identity = "always" | "by_default"` or `serial` on the column just added; a field of a
/// Rust type (no `sql_type`) must be an integer type (`retort::IntegerColumn`).
fn generation(field: &Field) -> Option<TokenStream> {
    let call = match (
        field.attrs.identity.as_ref().map(|i| i.value),
        &field.attrs.serial,
    ) {
        (Some(attr::Identity::Always), _) => quote!(.identity(true)),
        (Some(attr::Identity::ByDefault), _) => quote!(.identity(false)),
        (_, Some(_)) => match (&field.attrs.serial_name, &field.attrs.serial_type) {
            (None, None) => quote!(.serial()),
            (name, ty) => {
                let name = option(name.as_ref().map(|n| quote!(#n)));
                let ty = option(ty.as_ref().map(|t| quote!(#t)));
                quote!(.serial_with(#name, #ty))
            }
        },
        _ => return None,
    };
    let ty = field.ty;
    let assert = field
        .attrs
        .sql_type
        .is_none()
        .then(|| quote_spanned!(ty.span()=> .integer::<#ty>()));
    Some(quote!(#assert #call))
}

fn column(field: &Field) -> TokenStream {
    let name = &field.column;
    let ty = field.ty;
    let default = option(field.attrs.default.as_ref().map(|d| {
        let lit = &d.value;
        quote!(#lit)
    }));
    if let Some(sql_type) = &field.attrs.sql_type {
        let sql_type = &sql_type.value;
        let nullable = field.is_option();
        return quote!(.column_sql(#name, #sql_type, #nullable, #default));
    }
    let span = ty.span();
    match &field.attrs.max_length {
        Some(max_length) => {
            let len = Literal::u32_suffixed(max_length.value);
            // The call is attributed to the `max_length` key, which is what asks for `VarLength`.
            let method = Ident::new("varchar", max_length.key.span());
            let turbofish = quote_spanned!(span=> ::<#ty>);
            quote!(.#method #turbofish(#name, #len, #default))
        }
        None => {
            let turbofish = quote_spanned!(span=> ::<#ty>);
            quote!(.column #turbofish(#name, #default))
        }
    }
}

fn foreign_key(field: &Field) -> Option<TokenStream> {
    let references = &field.attrs.references.as_ref()?.value;
    let column = &field.column;
    let ref_table = &references.table;
    let ref_column = &references.column;
    let action =
        |action: &Option<attr::Keyed<attr::FkAction>>| fk_action(action.as_ref().map(|a| a.value));
    let on_delete = action(&field.attrs.on_delete);
    let on_update = action(&field.attrs.on_update);
    let deferrable = deferrable(
        field.attrs.deferrable.is_some(),
        field.attrs.initially_deferred.is_some(),
    );
    Some(quote! {
        .foreign_key(&[#column], #ref_table, &[#ref_column], #on_delete, #on_update)
        #deferrable
    })
}

/// `::retort::__private::FkAction::...`, `NoAction` when not given.
fn fk_action(action: Option<attr::FkAction>) -> TokenStream {
    let variant = format_ident!("{}", action.unwrap_or(attr::FkAction::NoAction).variant());
    quote!(::retort::__private::FkAction::#variant)
}

/// `.deferrable(...)` for a foreign key that is (`initially_deferred` implies `deferrable`).
fn deferrable(deferrable: bool, initially_deferred: bool) -> Option<TokenStream> {
    let variant = if initially_deferred {
        format_ident!("InitiallyDeferred")
    } else if deferrable {
        format_ident!("Deferrable")
    } else {
        return None;
    };
    Some(quote!(.deferrable(::retort::__private::Deferrable::#variant)))
}

/// The builder calls for an index's properties beyond its columns.
fn index_options(options: &attr::IndexOptions) -> TokenStream {
    let keys = &options.keys;
    let keys = (!keys.is_empty()).then(|| quote!(.index_keys(&[#(#keys),*])));
    let method = options.method.as_ref().map(|m| quote!(.index_method(#m)));
    let include = &options.include;
    let include = (!include.is_empty()).then(|| quote!(.index_include(&[#(#include),*])));
    let predicate = options.predicate.as_ref().map(|p| quote!(.index_where(#p)));
    let with = options.with.as_ref().map(|w| quote!(.index_with(#w)));
    let nnd = options
        .nulls_not_distinct
        .as_ref()
        .map(|_| quote!(.index_nulls_not_distinct()));
    let prefixes = (!options.prefixes.is_empty()).then(|| {
        let (columns, lengths): (Vec<_>, Vec<_>) = options.prefixes.iter().cloned().unzip();
        quote!(.index_prefixes(&[#((#columns, #lengths)),*]))
    });
    quote!(#keys #method #include #with #predicate #nnd #prefixes)
}

/// The indexes that `unique` and `index` declare on one field.
fn field_indexes(field: &Field) -> Vec<TokenStream> {
    let none = option(None);
    let column = &field.column;
    [
        (field.attrs.unique.is_some(), true),
        (field.attrs.index.is_some(), false),
    ]
    .into_iter()
    .filter(|(present, _)| *present)
    .map(|(_, unique)| quote!(.index(#none, &[#column], #unique)))
    .collect()
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// What is emitted when the input has errors: the errors, plus an impl that type-checks, so that
/// code using the model does not add a cascade of "`Model` is not implemented" errors.
fn fallback(input: &DeriveInput, cont: Option<&Container>, errors: &syn::Error) -> TokenStream {
    let ident = &input.ident;
    let table = cont.map_or_else(
        || default_table_name(&syn::ext::IdentExt::unraw(ident).to_string()),
        |cont| cont.key.clone(),
    );
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let errors = errors.to_compile_error();
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics ::retort::__private::Model for #ident #ty_generics #where_clause {
                const TABLE: &'static str = #table;
                fn table() -> ::retort::__private::Table {
                    ::core::unreachable!()
                }
            }
        };
    }
}
