//! `#[derive(DbEnum)]`: a fieldless enum stored as a database enum.
//!
//! The same phases as `#[derive(Model)]`, in one file: `parse` reads the enum and its
//! `#[db_enum(...)]` keys into [`Input`], `check` applies the rules across variants (labels
//! unique, within PostgreSQL's identifier length), `expand` writes `impl retort::DbEnum` and
//! `impl retort::ColumnType`. Every error is collected in a [`Ctxt`] and reported at once, next
//! to placeholder impls so that the enum's uses add no errors of their own.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Data, DeriveInput, Expr, Lit, LitStr, Meta};

use crate::ast::snake_case;
use crate::ctxt::Ctxt;

/// The attribute's own name: `#[db_enum(...)]`.
const ATTR: &str = "db_enum";
/// On the enum: the database type's name.
const NAME: &str = "name";
/// On a variant: its label.
const RENAME: &str = "rename";
/// PostgreSQL's limit on a type name and on an enum label, in bytes.
const MAX_BYTES: usize = 63;

/// The enum as the derive understands it.
struct Input<'a> {
    ident: &'a Ident,
    /// The type's name, and the literal that set it (for spans).
    name: (String, Option<LitStr>),
    variants: Vec<Variant<'a>>,
}

/// One fieldless variant: one label.
struct Variant<'a> {
    ident: &'a Ident,
    label: String,
    /// `rename = "..."`, when given.
    rename: Option<LitStr>,
}

impl Variant<'_> {
    /// Where an error about the variant's label points: its `rename`, else its name.
    fn span_tokens(&self) -> TokenStream {
        match &self.rename {
            Some(lit) => lit.to_token_stream(),
            None => self.ident.to_token_stream(),
        }
    }
}

/// `#[derive(DbEnum)]` on `proc_macro2` tokens, so that tests can call it directly.
pub fn derive_db_enum_inner(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let cx = Ctxt::new();
    let parsed = parse(&cx, &input);
    if let Some(parsed) = &parsed {
        check(&cx, parsed);
    }
    match (cx.check(), parsed) {
        (Ok(()), Some(parsed)) => expand(&parsed),
        (Err(err), _) => fallback(&input, &err),
        (Ok(()), None) => unreachable!("an input that is not an enum always records an error"),
    }
}

/// Reads the enum, its variants and their keys. `None` when it is not an enum at all.
fn parse<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Option<Input<'a>> {
    let ident = &input.ident;
    let Data::Enum(data) = &input.data else {
        cx.error_spanned_by(
            ident,
            "#[derive(DbEnum)] supports only enums whose variants have no fields, e.g. `enum Mood { Happy, Sad }`",
        );
        return None;
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "#[derive(DbEnum)] does not support generic parameters: an enum type has fixed labels",
        );
    }
    let name = read_keys(cx, &input.attrs, NAME, "on a variant");
    let name = match name {
        Some(lit) => (lit.value(), Some(lit)),
        None => (
            snake_case(&syn::ext::IdentExt::unraw(ident).to_string()),
            None,
        ),
    };
    if data.variants.is_empty() {
        cx.error_spanned_by(
            ident,
            "#[derive(DbEnum)] needs at least one variant: each variant is one label",
        );
    }
    let mut variants = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            cx.error_spanned_by(
                variant,
                format!(
                    "variant `{}` has fields; #[derive(DbEnum)] needs fieldless variants (each is one label)",
                    variant.ident
                ),
            );
        }
        let rename = read_keys(cx, &variant.attrs, RENAME, "on the enum");
        let label = match &rename {
            Some(lit) => lit.value(),
            None => snake_case(&syn::ext::IdentExt::unraw(&variant.ident).to_string()),
        };
        variants.push(Variant {
            ident: &variant.ident,
            label,
            rename,
        });
    }
    Some(Input {
        ident,
        name,
        variants,
    })
}

/// Reads the `#[db_enum(...)]` attributes of `attrs`, whose one known key is `key` (a string);
/// every other key, a repeated key or a value that is not a string is reported.
fn read_keys(cx: &Ctxt, attrs: &[Attribute], key: &str, other_place: &str) -> Option<LitStr> {
    let other = if key == NAME { RENAME } else { NAME };
    let example = format!("{key} = \"{}\"", if key == NAME { "mood" } else { "so-so" });
    let mut found: Option<LitStr> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident(ATTR)) {
        if !matches!(attr.meta, Meta::List(_)) {
            cx.error_spanned_by(
                attr,
                format!("expected `#[db_enum(...)]`, e.g. `#[db_enum({example})]`"),
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident(key) {
                let path = &meta.path;
                let name = path.to_token_stream().to_string().replace(' ', "");
                let mut message =
                    format!("unknown db_enum attribute `{name}` here; expected `{key}`");
                if name == other {
                    message.push_str(&format!("; `{other}` belongs {other_place}"));
                }
                cx.error_spanned_by(path, message);
                return skip_value(&meta);
            }
            let lit = string(cx, &meta, key, &example)?;
            if found.is_some() {
                cx.error_spanned_by(
                    &meta.path,
                    format!("duplicate db_enum attribute `{key}`: give it once"),
                );
            } else {
                found = lit;
            }
            Ok(())
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
    found
}

/// `key = "..."`; anything else is reported (and `None`).
fn string(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(syn::Token![=]) {
        let path = &meta.path;
        let rest = skip_value_tokens(meta)?;
        cx.error_spanned_by(
            quote!(#path #rest),
            format!("`{key}` takes a string literal: `{example}`"),
        );
        return Ok(None);
    }
    let mut expr: Expr = meta.value()?.parse()?;
    while let Expr::Group(group) = expr {
        expr = *group.expr;
    }
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(Some(lit)),
        other => {
            cx.error_spanned_by(
                other,
                format!("`{key}` takes a string literal: `{example}`"),
            );
            Ok(None)
        }
    }
}

/// Consumes whatever follows a key (`= value` or `(...)`).
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    skip_value_tokens(meta).map(drop)
}

fn skip_value_tokens(meta: &ParseNestedMeta) -> syn::Result<TokenStream> {
    if meta.input.peek(syn::Token![=]) {
        let eq: syn::Token![=] = meta.input.parse()?;
        let value: Expr = meta.input.parse()?;
        Ok(quote!(#eq #value))
    } else if meta.input.peek(syn::token::Paren) {
        Ok(meta
            .input
            .parse::<proc_macro2::Group>()?
            .into_token_stream())
    } else {
        Ok(TokenStream::new())
    }
}

/// The rules across keys and variants: a non-empty name and labels, each within PostgreSQL's
/// 63 bytes, and no label twice.
fn check(cx: &Ctxt, input: &Input) {
    let (name, lit) = &input.name;
    let name_span = lit
        .as_ref()
        .map_or_else(|| input.ident.to_token_stream(), ToTokens::to_token_stream);
    if name.is_empty() {
        cx.error_spanned_by(&name_span, "the enum type's `name` cannot be empty");
    } else if name.len() > MAX_BYTES {
        cx.error_spanned_by(
            &name_span,
            format!(
                "the enum type's name `{name}` is {} bytes; PostgreSQL allows at most {MAX_BYTES}: set a shorter #[db_enum(name = \"...\")]",
                name.len()
            ),
        );
    }
    for (i, variant) in input.variants.iter().enumerate() {
        let label = &variant.label;
        if label.is_empty() {
            cx.error_spanned_by(variant.span_tokens(), "a label cannot be empty");
        } else if label.len() > MAX_BYTES {
            cx.error_spanned_by(
                variant.span_tokens(),
                format!(
                    "label `{label}` is {} bytes; PostgreSQL allows at most {MAX_BYTES}: set a shorter #[db_enum(rename = \"...\")]",
                    label.len()
                ),
            );
        }
        if let Some(first) = input.variants[..i].iter().find(|v| v.label == *label) {
            cx.error_spanned_by(
                variant.span_tokens(),
                format!(
                    "variant `{}` has the label `{label}` of variant `{}`; give one another #[db_enum(rename = \"...\")]",
                    variant.ident, first.ident
                ),
            );
        }
    }
}

fn expand(input: &Input) -> TokenStream {
    let ident = input.ident;
    let name = &input.name.0;
    let labels: Vec<&String> = input.variants.iter().map(|v| &v.label).collect();
    let idents: Vec<&Ident> = input.variants.iter().map(|v| v.ident).collect();
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::retort::__private::DbEnum for #ident {
                const NAME: &'static str = #name;
                const LABELS: &'static [&'static str] = &[#(#labels),*];
                fn label(&self) -> &'static str {
                    match self {
                        #(Self::#idents => #labels,)*
                    }
                }
                fn from_label(label: &str) -> ::core::option::Option<Self> {
                    match label {
                        #(#labels => ::core::option::Option::Some(Self::#idents),)*
                        _ => ::core::option::Option::None,
                    }
                }
            }
            #[automatically_derived]
            impl ::retort::__private::ColumnType for #ident {
                fn sql_type() -> ::retort::__private::SqlType {
                    ::retort::__private::enum_type(
                        <Self as ::retort::__private::DbEnum>::NAME,
                        <Self as ::retort::__private::DbEnum>::LABELS,
                    )
                }
            }
        };
    }
}

/// The errors, and placeholder impls so that the enum's uses (a model field of its type) add
/// no errors of their own.
fn fallback(input: &DeriveInput, errors: &syn::Error) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let errors = errors.to_compile_error();
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics ::retort::__private::DbEnum for #ident #ty_generics #where_clause {
                const NAME: &'static str = "";
                const LABELS: &'static [&'static str] = &[];
                fn label(&self) -> &'static str {
                    ::core::unreachable!()
                }
                fn from_label(_: &str) -> ::core::option::Option<Self> {
                    ::core::unreachable!()
                }
            }
            #[automatically_derived]
            impl #impl_generics ::retort::__private::ColumnType for #ident #ty_generics #where_clause {
                fn sql_type() -> ::retort::__private::SqlType {
                    ::core::unreachable!()
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(input: TokenStream) -> String {
        let output = derive_db_enum_inner(input);
        let file: syn::File = syn::parse2(output.clone())
            .unwrap_or_else(|err| panic!("expansion does not parse: {err}\n{output}"));
        prettyplease::unparse(&file)
    }

    fn errors(input: TokenStream) -> Vec<String> {
        let file: syn::File = syn::parse2(derive_db_enum_inner(input)).expect("expansion parses");
        file.items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Macro(m)
                    if m.mac.path.segments.last().unwrap().ident == "compile_error" =>
                {
                    Some(m.mac.parse_body::<LitStr>().unwrap().value())
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn db_enum_expansion() {
        insta::assert_snapshot!(expand(quote! {
            #[db_enum(name = "mood")]
            pub enum Mood {
                Happy,
                #[db_enum(rename = "so-so")]
                SoSo,
                VerySad = 7,
            }
        }));
    }

    #[test]
    fn default_names_are_snake_case() {
        let out = expand(quote! {
            enum HTTPStatus { NotFound, r#Ok }
        });
        assert!(
            out.contains("const NAME: &'static str = \"http_status\";"),
            "{out}"
        );
        assert!(out.contains("&[\"not_found\", \"ok\"]"), "{out}");
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let long = "x".repeat(64);
        assert_eq!(
            errors(quote! {
                #[db_enum(name = "", rename = "x")]
                #[db_enum(name = "again", label = 1)]
                enum Mood {
                    Happy,
                    #[db_enum(rename = "happy")]
                    Glad,
                    #[db_enum(rename = #long, name = "y")]
                    Long,
                    #[db_enum(rename = 5)]
                    Five,
                    Tuple(u8),
                }
            }),
            [
                "unknown db_enum attribute `rename` here; expected `name`; `rename` belongs on a variant",
                "duplicate db_enum attribute `name`: give it once",
                "unknown db_enum attribute `label` here; expected `name`",
                "unknown db_enum attribute `name` here; expected `rename`; `name` belongs on the enum",
                "`rename` takes a string literal: `rename = \"so-so\"`",
                "variant `Tuple` has fields; #[derive(DbEnum)] needs fieldless variants (each is one label)",
                "the enum type's `name` cannot be empty",
                "variant `Glad` has the label `happy` of variant `Happy`; give one another #[db_enum(rename = \"...\")]",
                &format!("label `{long}` is 64 bytes; PostgreSQL allows at most 63: set a shorter #[db_enum(rename = \"...\")]"),
            ]
        );
        assert_eq!(
            errors(quote!(
                struct NotAnEnum;
            )),
            ["#[derive(DbEnum)] supports only enums whose variants have no fields, e.g. `enum Mood { Happy, Sad }`"]
        );
    }
}
