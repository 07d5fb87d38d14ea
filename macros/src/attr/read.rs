//! Reading the values of `#[model(...)]` keys: each reader checks one key's form, records every
//! problem in the [`Ctxt`] and goes on, so one compile reports every bad attribute.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use proc_macro2::{Group, TokenStream};
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Lit, LitStr, Meta, Path, Token};

use super::*;
use crate::ctxt::Ctxt;

/// The `#[model(...)]` attributes among `attrs`; any other attribute is none of our business.
/// `#[model]` and `#[model = ...]` are reported here and left out.
pub(super) fn model_attrs<'a>(
    cx: &'a Ctxt,
    attrs: &'a [Attribute],
    example: &'a str,
) -> impl Iterator<Item = &'a Attribute> + 'a {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident(MODEL))
        .filter(move |attr| match &attr.meta {
            Meta::List(_) => true,
            _ => {
                cx.error_spanned_by(attr, format!("expected `#[model(...)]`, e.g. `{example}`"));
                false
            }
        })
}

/// Tracks which keys one container, field or index has already seen.
pub(super) struct Keys<'c> {
    cx: &'c Ctxt,
    /// `model` or `index`, for messages.
    what: &'static str,
    known: &'static [&'static str],
    /// Keys that may appear more than once.
    repeatable: &'static [&'static str],
    /// Keys that belong at another level, and where: a hint for the unknown-key error.
    elsewhere: (&'static [&'static str], &'static str),
    seen: BTreeSet<&'static str>,
}

impl<'c> Keys<'c> {
    pub(super) fn new(
        cx: &'c Ctxt,
        what: &'static str,
        known: &'static [&'static str],
        repeatable: &'static [&'static str],
        elsewhere: (&'static [&'static str], &'static str),
    ) -> Self {
        Keys {
            cx,
            what,
            known,
            repeatable,
            elsewhere,
            seen: BTreeSet::new(),
        }
    }

    /// Identifies the key at `meta`. An unknown or repeated key is reported, its value skipped,
    /// and `None` returned.
    pub(super) fn read(&mut self, meta: &ParseNestedMeta) -> syn::Result<Option<&'static str>> {
        let Some(key) = self.known.iter().copied().find(|k| meta.path.is_ident(k)) else {
            let name = path_to_string(&meta.path);
            let mut message = format!(
                "unknown {} attribute `{name}`; expected one of: {}",
                self.what,
                quoted_list(self.known)
            );
            let (elsewhere, place) = self.elsewhere;
            if elsewhere.contains(&name.as_str()) {
                let _ = write!(message, "; `{name}` belongs {place}");
            }
            self.cx.error_spanned_by(&meta.path, message);
            skip_value(meta)?;
            return Ok(None);
        };
        if !self.repeatable.contains(&key) && !self.seen.insert(key) {
            self.cx.error_spanned_by(
                &meta.path,
                format!("duplicate {} attribute `{key}`", self.what),
            );
            skip_value(meta)?;
            return Ok(None);
        }
        Ok(Some(key))
    }
}

pub(super) fn keyed<T>(meta: &ParseNestedMeta, value: T) -> Keyed<T> {
    Keyed {
        key: meta.path.clone(),
        value,
    }
}

pub(super) fn set<T>(
    slot: &mut Option<Keyed<T>>,
    meta: &ParseNestedMeta,
    value: Option<T>,
) -> bool {
    match value {
        Some(value) => {
            *slot = Some(keyed(meta, value));
            true
        }
        None => false,
    }
}

pub(super) fn set_flag(slot: &mut Option<Path>, meta: &ParseNestedMeta, ok: bool) -> bool {
    if ok {
        *slot = Some(meta.path.clone());
    }
    ok
}

/// Consumes whatever follows a key (`= value` or `(...)`) and returns those tokens.
pub(super) fn skip_value(meta: &ParseNestedMeta) -> syn::Result<TokenStream> {
    if meta.input.peek(Token![=]) {
        let eq: Token![=] = meta.input.parse()?;
        let value: Expr = meta.input.parse()?;
        Ok(quote!(#eq #value))
    } else if meta.input.peek(syn::token::Paren) {
        Ok(meta.input.parse::<Group>()?.into_token_stream())
    } else {
        Ok(TokenStream::new())
    }
}

/// The `(...)` after a key, if that is what follows it.
pub(super) fn group(meta: &ParseNestedMeta) -> syn::Result<Option<Group>> {
    if meta.input.peek(syn::token::Paren) {
        meta.input.parse().map(Some)
    } else {
        Ok(None)
    }
}

/// What follows a key: `= expr`, or something else (nothing, or a group).
pub(super) enum Value {
    Expr(Expr),
    Other(TokenStream),
}

pub(super) fn value(meta: &ParseNestedMeta) -> syn::Result<Value> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        let mut expr: Expr = meta.input.parse()?;
        // Values substituted by `macro_rules!` arrive wrapped in invisible groups.
        while let Expr::Group(group) = expr {
            expr = *group.expr;
        }
        Ok(Value::Expr(expr))
    } else {
        skip_value(meta).map(Value::Other)
    }
}

/// A flag: the key alone. `hint` is appended to the error when a value was given.
pub(super) fn flag(cx: &Ctxt, meta: &ParseNestedMeta, key: &str, hint: &str) -> syn::Result<bool> {
    let rest = skip_value(meta)?;
    if rest.is_empty() {
        return Ok(true);
    }
    let path = &meta.path;
    cx.error_spanned_by(
        quote!(#path #rest),
        format!("`{key}` takes no value: write just `{key}`{hint}"),
    );
    Ok(false)
}

/// `key = "..."`.
pub(super) fn string(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let message = format!("`{key}` takes a string literal: `{example}`");
    match value(meta)? {
        Value::Expr(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        })) => Ok(Some(lit)),
        other => {
            wrong_value(cx, meta, other, message);
            Ok(None)
        }
    }
}

/// Reports a value of the wrong kind (`key = 5` where a string is expected, `key(...)`), with the
/// span of the value, or of the whole key when there is no single expression.
pub(super) fn wrong_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    value: Value,
    message: impl std::fmt::Display,
) {
    match value {
        Value::Expr(expr) => cx.error_spanned_by(expr, message),
        Value::Other(rest) => {
            let path = &meta.path;
            cx.error_spanned_by(quote!(#path #rest), message);
        }
    }
}

/// `identity = false` (a key field: the application assigns its values), `identity =
/// "always"` or `identity = "by_default"` (any integer field: the database assigns them).
/// `identity = true` is what a single integer key gets anyway on PostgreSQL, so it is refused
/// as saying nothing.
pub(super) fn identity(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Identity>> {
    let message = "`identity` takes `false`, `\"always\"` or `\"by_default\"`: \
                   `#[model(primary_key, identity = false)]` says the application assigns the \
                   key's values, `identity = \"always\"` that the database always does";
    match value(meta)? {
        Value::Expr(Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(lit),
            ..
        })) if !lit.value => Ok(Some(Identity::No)),
        Value::Expr(Expr::Lit(syn::ExprLit {
            lit: Lit::Bool(lit),
            ..
        })) => {
            cx.error_spanned_by(
                &lit,
                "`identity = true` is the default (PostgreSQL gives a single integer key an \
                 identity); remove it, or write `identity = false`, `identity = \"always\"` or \
                 `identity = \"by_default\"`",
            );
            Ok(None)
        }
        Value::Expr(Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        })) => match lit.value().as_str() {
            "always" => Ok(Some(Identity::Always)),
            "by_default" => Ok(Some(Identity::ByDefault)),
            other => {
                cx.error_spanned_by(
                    &lit,
                    format!(
                        "`identity = \"{other}\"` is not a kind of identity: write \
                         `identity = \"always\"` (GENERATED ALWAYS) or `identity = \"by_default\"` \
                         (GENERATED BY DEFAULT), `serial` for a sequence and a nextval default, \
                         or `identity = false`"
                    ),
                );
                Ok(None)
            }
        },
        other => {
            wrong_value(cx, meta, other, message);
            Ok(None)
        }
    }
}

/// `max_length = 255`: an integer literal in `1..=u32::MAX`.
pub(super) fn max_length(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<u32>> {
    let message = "`max_length` takes a positive integer: `max_length = 255`";
    match value(meta)? {
        Value::Expr(Expr::Lit(syn::ExprLit {
            lit: Lit::Int(lit), ..
        })) => match lit.base10_parse::<u32>() {
            Ok(0) => {
                cx.error_spanned_by(&lit, "`max_length` must be greater than 0");
                Ok(None)
            }
            Ok(n) => Ok(Some(n)),
            Err(_) => {
                cx.error_spanned_by(&lit, format!("`max_length` must be at most {}", u32::MAX));
                Ok(None)
            }
        },
        other => {
            wrong_value(cx, meta, other, message);
            Ok(None)
        }
    }
}

/// The `(...)` after a key that needs one; anything else is reported with `message` (spanned on
/// the key and what follows it) and gives `None`.
/// Reads the keys of a `key(...)` list with `read`; a list that cannot be parsed is recorded
/// (false: nothing more to check).
pub(super) fn parse_group(
    cx: &Ctxt,
    group: &Group,
    read: impl FnMut(ParseNestedMeta) -> syn::Result<()>,
) -> bool {
    match syn::meta::parser(read).parse2(group.stream()) {
        Ok(()) => true,
        Err(err) => {
            cx.syn_error(err);
            false
        }
    }
}

/// `name = "..."` inside a list: the name of `what` (`"an index name"`).
pub(super) fn name_key(
    cx: &Ctxt,
    inner: &ParseNestedMeta,
    what: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    Ok(string(cx, inner, NAME, example)?.filter(|lit| identifier(cx, lit, NAME, what, example)))
}

pub(super) fn group_or_report(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    message: &str,
) -> syn::Result<Option<Group>> {
    let found = group(meta)?;
    if found.is_none() {
        let rest = skip_value(meta)?;
        let path = &meta.path;
        cx.error_spanned_by(quote!(#path #rest), message);
    }
    Ok(found)
}

/// `index(columns("a", "b"), name = "ix", unique)` on the struct, with the properties
/// [`index_option`] reads.
pub(super) fn index(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Index>> {
    let message = format!("`index` on a struct takes a column list: `{INDEX_EXAMPLE}`");
    let Some(group) = group_or_report(cx, meta, &message)? else {
        return Ok(None);
    };
    let mut keys = Keys::new(cx, "index", INDEX_KEYS, &[], (&[], ""));
    let mut columns = None;
    let mut columns_seen = false;
    let mut name = None;
    let mut unique = false;
    let mut options = IndexOptions::default();
    let mut options_ok = true;
    let parsed = parse_group(cx, &group, |inner| {
        match keys.read(&inner)? {
            Some(COLUMNS) => {
                columns_seen = true;
                columns = index_columns(cx, &inner)?;
            }
            Some(NAME) => {
                let example = r#"name = "ix_users_name""#;
                name = name_key(cx, &inner, "an index name", example)?;
            }
            Some(UNIQUE) => unique = flag(cx, &inner, UNIQUE, "")?,
            Some(key) => options_ok &= index_option(cx, &inner, key, &mut options)?,
            None => {}
        }
        Ok(())
    });
    if !parsed {
        return Ok(None);
    }
    let path = &meta.path;
    let keys_seen = !options.keys.is_empty();
    if columns_seen && keys_seen {
        cx.error_spanned_by(
            quote!(#path #group),
            "`index(...)` takes `columns(...)` or `keys(...)`, not both: a key that is a plain \
             column can be listed in `keys(...)`",
        );
        return Ok(None);
    }
    if !columns_seen && !keys_seen {
        if options_ok {
            cx.error_spanned_by(
                quote!(#path #group),
                format!("`index(...)` needs `columns(...)` or `keys(...)`: `{INDEX_EXAMPLE}`"),
            );
        }
        return Ok(None);
    }
    if keys_seen && name.is_none() {
        cx.error_spanned_by(
            quote!(#path #group),
            "`index(keys(...))` needs `name = \"...\"`: keys that are expressions give no \
             conventional name, e.g. `index(keys(\"lower(email)\"), name = \"ix_users_lower_email\")`",
        );
        return Ok(None);
    }
    if let (Some(nnd), false) = (&options.nulls_not_distinct, unique) {
        cx.error_spanned_by(
            nnd,
            "`nulls_not_distinct` applies to a unique index: add `unique`",
        );
        return Ok(None);
    }
    if let Some((column, _)) = options.prefixes.first() {
        if keys_seen {
            cx.error_spanned_by(
                column,
                "`prefix(...)` applies to the columns of `columns(...)`; remove it from an index of \
                 `keys(...)`",
            );
            return Ok(None);
        }
        let listed = columns.as_deref().unwrap_or_default();
        if let Some((stray, _)) = options
            .prefixes
            .iter()
            .find(|(c, _)| !listed.iter().any(|l| l.value() == c.value()))
        {
            if columns.is_some() {
                cx.error_spanned_by(
                    stray,
                    format!(
                        "`prefix(...)` names `{}`, which is not a key column of this index; \
                         its columns are: {}",
                        stray.value(),
                        listed
                            .iter()
                            .map(|l| format!("`{}`", l.value()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            return Ok(None);
        }
    }
    let columns = if keys_seen { Some(Vec::new()) } else { columns };
    Ok(columns.filter(|_| options_ok).map(|columns| Index {
        columns,
        name,
        unique,
        options,
    }))
}

/// `check(name = "ck_users_age", expr = "age >= 0")` on the struct; `name` is optional.
pub(super) fn check(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Check>> {
    let message = format!("`check` takes an SQL expression: `{CHECK_EXAMPLE}`");
    let Some(group) = group_or_report(cx, meta, &message)? else {
        return Ok(None);
    };
    let mut keys = Keys::new(cx, "check", CHECK_KEYS, &[], (&[], ""));
    let mut expr = None;
    let mut expr_seen = false;
    let mut name = None;
    let mut name_ok = true;
    let mut not_valid = false;
    let parsed = parse_group(cx, &group, |inner| {
        match keys.read(&inner)? {
            Some(NOT_VALID) => not_valid = flag(cx, &inner, NOT_VALID, "")?,
            Some(EXPR) => {
                expr_seen = true;
                let example = r#"expr = "age >= 0""#;
                expr = string(cx, &inner, EXPR, example)?
                    .filter(|lit| non_empty(cx, lit, EXPR, "an SQL expression", example));
            }
            Some(NAME) => {
                let example = r#"name = "ck_users_age""#;
                name = name_key(cx, &inner, "a constraint name", example)?;
                name_ok = name.is_some();
            }
            _ => {}
        }
        Ok(())
    });
    if !parsed {
        return Ok(None);
    }
    if !expr_seen {
        let path = &meta.path;
        cx.error_spanned_by(
            quote!(#path #group),
            format!("`check(...)` needs `expr = \"...\"`: `{CHECK_EXAMPLE}`"),
        );
    }
    Ok(expr.filter(|_| name_ok).map(|expr| Check {
        name,
        expr,
        not_valid,
    }))
}

/// `columns("a", "b")`: one or more distinct column names.
pub(super) fn index_columns(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Vec<LitStr>>> {
    let example = r#"columns("last_name", "first_name")"#;
    let path = &meta.path;
    let message = format!("`columns` takes a list of column names: `{example}`");
    let Some(group) = group_or_report(cx, meta, &message)? else {
        return Ok(None);
    };
    let exprs = match Punctuated::<Expr, Token![,]>::parse_terminated.parse2(group.stream()) {
        Ok(exprs) => exprs,
        Err(err) => {
            cx.syn_error(err);
            return Ok(None);
        }
    };
    if exprs.is_empty() {
        cx.error_spanned_by(
            quote!(#path #group),
            format!("`columns(...)` needs at least one column: `{example}`"),
        );
        return Ok(None);
    }
    let mut columns: Vec<LitStr> = Vec::new();
    let mut ok = true;
    for expr in exprs {
        match expr {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(lit), ..
            }) => {
                if columns.iter().any(|c| c.value() == lit.value()) {
                    // Reported, but the index is kept so that its columns are still checked.
                    cx.error_spanned_by(
                        &lit,
                        format!("column `{}` is listed twice in this index", lit.value()),
                    );
                } else {
                    columns.push(lit);
                }
            }
            other => {
                cx.error_spanned_by(
                    other,
                    format!("index columns are string literals: `{example}`"),
                );
                ok = false;
            }
        }
    }
    Ok(ok.then_some(columns))
}

/// `references = "table.column"`, or `"schema.table.column"` for a table of another schema; a
/// name that is not `[A-Za-z_][A-Za-z0-9_]*` is written in double quotes, as in SQL:
/// `references = "\"Order Items\".\"Item Id\""`.
pub(super) fn references(cx: &Ctxt, lit: &LitStr) -> Option<References> {
    let text = lit.value();
    match split_names(&text, '.').as_deref() {
        Some([table, column]) => Some(References {
            table: table.clone(),
            column: column.clone(),
        }),
        // A table of another schema (PostgreSQL): `schema.table.column`.
        Some([schema, table, column]) => Some(References {
            table: format!("{schema}.{table}"),
            column: column.clone(),
        }),
        _ => {
            cx.error_spanned_by(
                lit,
                format!(
                    "`references` takes \"table.column\" (or \"schema.table.column\"), e.g. \
                     `references = \"users.id\"`, not {text:?}; a name other than letters, digits \
                     and `_` (not starting with a digit) goes in double quotes: \
                     `\"\\\"Order Items\\\".id\"`"
                ),
            );
            None
        }
    }
}

/// `text` split at each `separator` outside double quotes into names: each part, trimmed, is a
/// plain name (`[A-Za-z_][A-Za-z0-9_]*`) or a double-quoted one (`"Last Name"`, `""` for a
/// quote inside) that is a valid [`is_name`]; `None` when a part is neither.
pub(crate) fn split_names(text: &str, separator: char) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut rest = text.trim_start();
    loop {
        let (name, tail) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let mut name = String::new();
                let mut chars = quoted.char_indices();
                let end = loop {
                    let (i, c) = chars.next()?;
                    if c == '"' {
                        if quoted[i + 1..].starts_with('"') {
                            name.push('"');
                            chars.next();
                            continue;
                        }
                        break i + 1;
                    }
                    name.push(c);
                };
                is_name(&name).then_some(())?;
                (name, quoted[end..].trim_start())
            }
            None => {
                let end = rest.find(separator).unwrap_or(rest.len());
                let name = rest[..end].trim_end();
                is_identifier(name).then_some(())?;
                (name.to_owned(), &rest[end..])
            }
        };
        names.push(name);
        if tail.is_empty() {
            return Some(names);
        }
        rest = tail.strip_prefix(separator)?.trim_start();
    }
}

/// `on_delete = "cascade"` and friends.
pub(super) fn action(cx: &Ctxt, lit: &LitStr, key: &str) -> Option<FkAction> {
    let text = lit.value();
    let action = FkAction::parse(&text);
    if action.is_none() {
        cx.error_spanned_by(
            lit,
            format!("unknown `{key}` action {text:?}; expected one of: {ACTIONS_EXPECTED}"),
        );
    }
    action
}

pub(super) fn non_empty(cx: &Ctxt, lit: &LitStr, key: &str, what: &str, example: &str) -> bool {
    let ok = !lit.value().trim().is_empty();
    if !ok {
        cx.error_spanned_by(lit, format!("`{key}` needs {what}: `{example}`"));
    }
    ok
}

/// A table, column, index or constraint name: see [`is_name`].
pub(super) fn identifier(cx: &Ctxt, lit: &LitStr, key: &str, what: &str, example: &str) -> bool {
    let ok = is_name(&lit.value());
    if !ok {
        cx.error_spanned_by(
            lit,
            format!("`{key}` takes {what}, not empty and without NUL characters: `{example}`"),
        );
    }
    ok
}

/// A name SQL can quote: not empty, no NUL. Any other character, spaces and dashes included, is
/// fine: Retort quotes every name it writes (PostgreSQL keeps the first 63 bytes of a longer
/// one, and so does its dialect).
pub(crate) fn is_name(text: &str) -> bool {
    !text.is_empty() && !text.contains('\0')
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn path_to_string(path: &Path) -> String {
    let mut out = String::new();
    if path.leading_colon.is_some() {
        out.push_str("::");
    }
    for (i, segment) in path.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        let _ = write!(out, "{}", segment.ident);
    }
    out
}

/// "`a`, `b`, `c`".
pub(crate) fn quoted_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|item| format!("`{}`", item.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
