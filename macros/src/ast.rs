//! The derive input as Retort sees it: a struct ([`Container`]) with named fields ([`Field`]),
//! each with its parsed `#[model(...)]` attributes and a reference to the original syntax, which
//! gives error messages their spans.

use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, GenericArgument, Generics, Ident, PathArguments, Type};

use crate::attr;
use crate::ctxt::Ctxt;

/// A `#[derive(Model)]` struct.
#[derive(Debug)]
pub struct Container<'a> {
    pub ident: &'a Ident,
    /// The struct's name, without `r#`.
    pub name: String,
    /// `table = "..."`, or the conventional name derived from the struct's name.
    pub table: String,
    /// The table's key in the schema model: `schema.table` with `schema = "..."`, else `table`.
    pub key: String,
    pub attrs: attr::Container,
    /// The struct's doc comment: the table's comment.
    pub doc: Option<String>,
    pub fields: Vec<Field<'a>>,
    pub generics: &'a Generics,
}

/// A named field of the struct.
#[derive(Debug)]
pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    /// `column = "..."`, or the field's name without `r#`.
    pub column: String,
    pub attrs: attr::Field,
    /// The field's doc comment: the column's comment.
    pub doc: Option<String>,
}

impl<'a> Container<'a> {
    /// Reads the input. Returns `None` (with the error recorded) for anything but a struct with
    /// named fields, since there is nothing more to check then.
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Container<'a>> {
        const SHAPE: &str = "#[derive(Model)] supports only structs with named fields";
        let ident = &input.ident;
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(fields) => fields,
                Fields::Unnamed(fields) => {
                    cx.error_spanned_by(
                        fields,
                        format!("{SHAPE}; name the fields: `struct {ident} {{ id: i64, ... }}`"),
                    );
                    return None;
                }
                Fields::Unit => {
                    let struct_token = data.struct_token;
                    cx.error_spanned_by(
                        quote::quote!(#struct_token #ident),
                        format!("{SHAPE}; `{ident}` has no fields"),
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                let enum_token = data.enum_token;
                cx.error_spanned_by(quote::quote!(#enum_token #ident), SHAPE);
                return None;
            }
            Data::Union(data) => {
                let union_token = data.union_token;
                cx.error_spanned_by(quote::quote!(#union_token #ident), SHAPE);
                return None;
            }
        };

        let attrs = attr::Container::from_attrs(cx, &input.attrs);
        let name = ident.unraw().to_string();
        let table = match &attrs.table {
            Some(table) => table.value.value(),
            None => default_table_name(&name),
        };
        let key = match &attrs.schema {
            Some(schema) => format!("{}.{table}", schema.value.value()),
            None => table.clone(),
        };
        let fields = fields
            .named
            .iter()
            .map(|field| {
                let ident = field.ident.as_ref().expect("named field");
                let attrs = attr::Field::from_attrs(cx, &field.attrs);
                let column = match &attrs.column {
                    Some(column) => column.value.value(),
                    None => ident.unraw().to_string(),
                };
                Field {
                    ident,
                    ty: &field.ty,
                    column,
                    attrs,
                    doc: attr::doc_comment(&field.attrs),
                }
            })
            .collect();
        Some(Container {
            ident,
            name,
            table,
            key,
            attrs,
            doc: attr::doc_comment(&input.attrs),
            fields,
            generics: &input.generics,
        })
    }

    /// The fields that are columns (not `#[model(skip)]`), in declaration order.
    pub fn columns(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.attrs.is_column())
    }

    /// The primary key: the struct's `primary_key(columns(...))` in its order (a name that is
    /// no column is left out: `check` reports it), else the `#[model(primary_key)]` fields in
    /// declaration order, else the column named `id`, else nothing; nothing for a
    /// `#[model(no_primary_key)]` struct.
    pub fn primary_key(&self) -> Vec<&Field<'a>> {
        if self.attrs.no_primary_key.is_some() {
            return Vec::new();
        }
        if let Some(key) = &self.attrs.primary_key {
            return key
                .value
                .iter()
                .filter_map(|lit| self.columns().find(|f| f.column == lit.value()))
                .collect();
        }
        let marked: Vec<_> = self
            .columns()
            .filter(|f| f.attrs.primary_key.is_some())
            .collect();
        if !marked.is_empty() {
            return marked;
        }
        self.columns()
            .filter(|f| f.column == "id")
            .take(1)
            .collect()
    }
}

impl Container<'_> {
    /// The names of the struct's `check(...)` constraints, in declaration order: the given
    /// name, else `ck_<table>_<n>` with `n` the check's position from 1.
    pub fn check_names(&self) -> Vec<String> {
        self.attrs
            .checks
            .iter()
            .enumerate()
            .map(|(i, check)| match &check.value.name {
                Some(name) => name.value(),
                None => format!("ck_{}_{}", self.table, i + 1),
            })
            .collect()
    }
}

impl Field<'_> {
    /// What to underline when the column name is at fault: the `column = "..."` value if the
    /// field was renamed, else the field's name.
    pub fn column_tokens(&self) -> proc_macro2::TokenStream {
        match &self.attrs.column {
            Some(column) => column.value.to_token_stream(),
            None => self.ident.to_token_stream(),
        }
    }

    /// Whether the field's type is written `Option<...>` (decided on the syntax alone: the last
    /// path segment is `Option` with one angle-bracketed type argument).
    pub fn is_option(&self) -> bool {
        is_option(self.ty)
    }
}

/// Whether `ty` is written `Option<...>` (see [`Field::is_option`]).
pub fn is_option_type(ty: &Type) -> bool {
    is_option(ty)
}

fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Group(group) => is_option(&group.elem),
        Type::Paren(paren) => is_option(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().is_some_and(|segment| {
                segment.ident == "Option"
                    && matches!(
                        &segment.arguments,
                        PathArguments::AngleBracketed(args)
                            if args.args.len() == 1
                                && matches!(args.args[0], GenericArgument::Type(_))
                    )
            })
        }
        _ => false,
    }
}

/// The conventional table name: the struct's name in snake case, plus `s`
/// (`User` → `users`, `PostTag` → `post_tags`, `HTTPLog` → `http_logs`).
pub fn default_table_name(struct_name: &str) -> String {
    let mut out = snake_case(struct_name);
    out.push('s');
    out
}

/// A Rust name in snake case (`PostTag` → `post_tag`, `HTTPLog` → `http_log`).
pub fn snake_case(struct_name: &str) -> String {
    let chars: Vec<char> = struct_name.chars().collect();
    let mut out = String::with_capacity(struct_name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_is_lower);
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_table_names() {
        assert_eq!(default_table_name("User"), "users");
        assert_eq!(default_table_name("PostTag"), "post_tags");
        assert_eq!(default_table_name("HTTPLog"), "http_logs");
        assert_eq!(default_table_name("UserV2"), "user_v2s");
        assert_eq!(default_table_name("Post_Tag"), "post_tags");
        assert_eq!(default_table_name("ABC"), "abcs");
        assert_eq!(default_table_name("already_snake"), "already_snakes");
    }

    #[test]
    fn option_is_recognised_by_syntax() {
        let option = |ty: &str| is_option(&syn::parse_str(ty).unwrap());
        assert!(option("Option<String>"));
        assert!(option("std::option::Option<i64>"));
        assert!(option("::core::option::Option<Vec<u8>>"));
        assert!(!option("String"));
        assert!(!option("Option"));
        assert!(!option("Vec<Option<i32>>"));
        assert!(!option("<T as Trait>::Option<i32>"));
    }
}
