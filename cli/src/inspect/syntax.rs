//! Small pieces of the generated syntax: string literals, doc comments, a column's Rust type.

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use retort::schema::{Column, SqlType};

/// The Rust names of the enum types the tables use, by SQL name.
pub(super) type EnumNames = BTreeMap<String, String>;

/// The enum of `names` that an array's element type text (as [`SqlType::parse`] keeps it:
/// upper case, or a quoted name as written) names.
pub(super) fn enum_named<'a>(
    element: &str,
    mut names: impl Iterator<Item = &'a String>,
) -> Option<String> {
    let wanted = match element.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => element.to_ascii_lowercase(),
    };
    names.find(|n| **n == wanted).cloned()
}

/// The Rust type of a column, and the attributes its SQL type needs.
pub(super) fn rust_type(column: &Column, enums: &EnumNames) -> (TokenStream, Vec<TokenStream>) {
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

/// `#[doc = "..."]` lines for a comment from the database; nothing without one.
pub(super) fn doc(text: Option<&str>) -> TokenStream {
    let Some(text) = text else {
        return TokenStream::new();
    };
    let lines = text.lines().map(|line| {
        let line = lit(&format!(" {line}"));
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

pub(super) fn lit(text: &str) -> Literal {
    Literal::string(text)
}
