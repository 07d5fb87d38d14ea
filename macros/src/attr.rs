//! `#[model(...)]` attributes, parsed into a typed attribute AST.
//!
//! This module checks each key on its own: that it is known, not repeated, and that its value
//! has the right form. Rules that involve several keys or fields live in `check.rs`.
//!
//! Every problem is recorded in the [`Ctxt`] and parsing goes on with the next key, so that one
//! compile reports every bad attribute. A parse closure returns `Err` only when the tokens cannot
//! be read at all (for example `#[model(table = )]`); that ends the current attribute.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use proc_macro2::{Group, TokenStream};
use quote::{quote, ToTokens};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Lit, LitStr, Meta, Path, Token};

use crate::ctxt::Ctxt;

/// The attribute's own name: `#[model(...)]`.
pub const MODEL: &str = "model";

// Container (struct) keys.
pub const TABLE: &str = "table";
pub const INDEX: &str = "index";

// Keys inside a container's `index(...)`.
pub const COLUMNS: &str = "columns";
pub const NAME: &str = "name";
pub const UNIQUE: &str = "unique";

// Field keys (`unique` and `index` are shared with the lists above).
pub const PRIMARY_KEY: &str = "primary_key";
pub const MAX_LENGTH: &str = "max_length";
pub const DEFAULT: &str = "default";
pub const REFERENCES: &str = "references";
pub const ON_DELETE: &str = "on_delete";
pub const ON_UPDATE: &str = "on_update";
pub const COLUMN: &str = "column";
pub const SQL_TYPE: &str = "sql_type";
pub const SKIP: &str = "skip";

pub const CONTAINER_KEYS: &[&str] = &[TABLE, INDEX];
pub const INDEX_KEYS: &[&str] = &[COLUMNS, NAME, UNIQUE];
pub const FIELD_KEYS: &[&str] = &[
    PRIMARY_KEY,
    UNIQUE,
    INDEX,
    MAX_LENGTH,
    DEFAULT,
    REFERENCES,
    ON_DELETE,
    ON_UPDATE,
    COLUMN,
    SQL_TYPE,
    SKIP,
];

const INDEX_EXAMPLE: &str =
    r#"index(columns("last_name", "first_name"), name = "ix_users_name", unique)"#;
const ACTIONS_EXPECTED: &str = "`cascade`, `restrict`, `set null`, `set default`, `no action` \
                                (any case; `set_null`, `set_default` and `no_action` also work)";

/// A key together with the value given to it; `key` is kept for error spans.
#[derive(Debug)]
pub struct Keyed<T> {
    pub key: Path,
    pub value: T,
}

/// `#[model(...)]` on the struct.
#[derive(Debug, Default)]
pub struct Container {
    /// `table = "users"`.
    pub table: Option<Keyed<LitStr>>,
    /// `index(...)`, in declaration order. Malformed ones are left out (their error is recorded).
    pub indexes: Vec<Keyed<Index>>,
}

/// `index(columns("a", "b"), name = "ix_t_a_b", unique)` on the struct.
#[derive(Debug)]
pub struct Index {
    /// Column names, never empty.
    pub columns: Vec<LitStr>,
    pub name: Option<LitStr>,
    pub unique: bool,
}

/// `#[model(...)]` on a field. Flags hold the key's path when present.
#[derive(Debug, Default)]
pub struct Field {
    pub primary_key: Option<Path>,
    pub unique: Option<Path>,
    pub index: Option<Path>,
    pub max_length: Option<Keyed<u32>>,
    pub default: Option<Keyed<LitStr>>,
    pub references: Option<Keyed<References>>,
    pub on_delete: Option<Keyed<FkAction>>,
    pub on_update: Option<Keyed<FkAction>>,
    pub column: Option<Keyed<LitStr>>,
    pub sql_type: Option<Keyed<LitStr>>,
    pub skip: Option<Path>,
    /// Every key that was read successfully, in source order.
    pub present: Vec<(&'static str, Path)>,
}

/// `references = "table.column"`.
#[derive(Debug)]
pub struct References {
    pub table: String,
    pub column: String,
}

/// `on_delete` / `on_update` actions; mirrors `retort::schema::FkAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// Accepts the spellings listed in [`ACTIONS_EXPECTED`].
    pub fn parse(text: &str) -> Option<FkAction> {
        match text.to_ascii_lowercase().as_str() {
            "no action" | "no_action" => Some(FkAction::NoAction),
            "restrict" => Some(FkAction::Restrict),
            "cascade" => Some(FkAction::Cascade),
            "set null" | "set_null" => Some(FkAction::SetNull),
            "set default" | "set_default" => Some(FkAction::SetDefault),
            _ => None,
        }
    }

    /// The variant name in `retort::__private::FkAction`.
    pub fn variant(self) -> &'static str {
        match self {
            FkAction::NoAction => "NoAction",
            FkAction::Restrict => "Restrict",
            FkAction::Cascade => "Cascade",
            FkAction::SetNull => "SetNull",
            FkAction::SetDefault => "SetDefault",
        }
    }
}

impl Container {
    pub fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Container {
        let mut out = Container::default();
        let mut keys = Keys::new(
            cx,
            "model",
            CONTAINER_KEYS,
            &[INDEX],
            (FIELD_KEYS, "on a field, not on the struct"),
        );
        for attr in model_attrs(cx, attrs, r#"#[model(table = "users")]"#) {
            let result = attr.parse_nested_meta(|meta| {
                match keys.read(&meta)? {
                    Some(TABLE) => {
                        let example = r#"table = "users""#;
                        if let Some(lit) = string(cx, &meta, TABLE, example)? {
                            if identifier(cx, &lit, TABLE, "a table name", example) {
                                out.table = Some(keyed(&meta, lit));
                            }
                        }
                    }
                    Some(INDEX) => {
                        if let Some(index) = index(cx, &meta)? {
                            out.indexes.push(keyed(&meta, index));
                        }
                    }
                    _ => {}
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        out
    }
}

impl Field {
    pub fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Field {
        let mut out = Field::default();
        let mut keys = Keys::new(
            cx,
            "model",
            FIELD_KEYS,
            &[],
            (CONTAINER_KEYS, "on the struct, not on a field"),
        );
        for attr in model_attrs(cx, attrs, "#[model(primary_key)]") {
            let result = attr.parse_nested_meta(|meta| {
                let Some(key) = keys.read(&meta)? else {
                    return Ok(());
                };
                let ok = match key {
                    PRIMARY_KEY | UNIQUE | SKIP => {
                        let ok = flag(cx, &meta, key, "")?;
                        let slot = match key {
                            PRIMARY_KEY => &mut out.primary_key,
                            UNIQUE => &mut out.unique,
                            _ => &mut out.skip,
                        };
                        set_flag(slot, &meta, ok)
                    }
                    INDEX => {
                        let hint = r#"; for an index over several columns, put `#[model(index(columns("a", "b")))]` on the struct"#;
                        let ok = flag(cx, &meta, key, hint)?;
                        set_flag(&mut out.index, &meta, ok)
                    }
                    MAX_LENGTH => {
                        let value = max_length(cx, &meta)?;
                        set(&mut out.max_length, &meta, value)
                    }
                    DEFAULT => {
                        let example = r#"default = "0""#;
                        let value = string(cx, &meta, key, example)?
                            .filter(|lit| non_empty(cx, lit, key, "an SQL expression", example));
                        set(&mut out.default, &meta, value)
                    }
                    REFERENCES => {
                        let value = string(cx, &meta, key, r#"references = "users.id""#)?
                            .and_then(|lit| references(cx, &lit));
                        set(&mut out.references, &meta, value)
                    }
                    ON_DELETE | ON_UPDATE => {
                        let value = string(cx, &meta, key, &format!(r#"{key} = "cascade""#))?
                            .and_then(|lit| action(cx, &lit, key));
                        let slot = if key == ON_DELETE {
                            &mut out.on_delete
                        } else {
                            &mut out.on_update
                        };
                        set(slot, &meta, value)
                    }
                    COLUMN => {
                        let example = r#"column = "created""#;
                        let value = string(cx, &meta, key, example)?
                            .filter(|lit| identifier(cx, lit, key, "a column name", example));
                        set(&mut out.column, &meta, value)
                    }
                    SQL_TYPE => {
                        let example = r#"sql_type = "NUMERIC(10,2)""#;
                        let value = string(cx, &meta, key, example)?
                            .filter(|lit| non_empty(cx, lit, key, "an SQL type", example));
                        set(&mut out.sql_type, &meta, value)
                    }
                    _ => unreachable!("key `{key}` is in FIELD_KEYS but not handled"),
                };
                if ok {
                    out.present.push((key, meta.path.clone()));
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        out
    }

    /// Whether the field has a column (it is not `#[model(skip)]`).
    pub fn is_column(&self) -> bool {
        self.skip.is_none()
    }
}

/// The `#[model(...)]` attributes among `attrs`; any other attribute is none of our business.
/// `#[model]` and `#[model = ...]` are reported here and left out.
fn model_attrs<'a>(
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
struct Keys<'c> {
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
    fn new(
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
    fn read(&mut self, meta: &ParseNestedMeta) -> syn::Result<Option<&'static str>> {
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

fn keyed<T>(meta: &ParseNestedMeta, value: T) -> Keyed<T> {
    Keyed {
        key: meta.path.clone(),
        value,
    }
}

fn set<T>(slot: &mut Option<Keyed<T>>, meta: &ParseNestedMeta, value: Option<T>) -> bool {
    match value {
        Some(value) => {
            *slot = Some(keyed(meta, value));
            true
        }
        None => false,
    }
}

fn set_flag(slot: &mut Option<Path>, meta: &ParseNestedMeta, ok: bool) -> bool {
    if ok {
        *slot = Some(meta.path.clone());
    }
    ok
}

/// Consumes whatever follows a key (`= value` or `(...)`) and returns those tokens.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<TokenStream> {
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
fn group(meta: &ParseNestedMeta) -> syn::Result<Option<Group>> {
    if meta.input.peek(syn::token::Paren) {
        meta.input.parse().map(Some)
    } else {
        Ok(None)
    }
}

/// What follows a key: `= expr`, or something else (nothing, or a group).
enum Value {
    Expr(Expr),
    Other(TokenStream),
}

fn value(meta: &ParseNestedMeta) -> syn::Result<Value> {
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
fn flag(cx: &Ctxt, meta: &ParseNestedMeta, key: &str, hint: &str) -> syn::Result<bool> {
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
fn string(
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
fn wrong_value(cx: &Ctxt, meta: &ParseNestedMeta, value: Value, message: impl std::fmt::Display) {
    match value {
        Value::Expr(expr) => cx.error_spanned_by(expr, message),
        Value::Other(rest) => {
            let path = &meta.path;
            cx.error_spanned_by(quote!(#path #rest), message);
        }
    }
}

/// `max_length = 255`: an integer literal in `1..=u32::MAX`.
fn max_length(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<u32>> {
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

/// `index(columns("a", "b"), name = "ix", unique)` on the struct.
fn index(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Index>> {
    let Some(group) = group(meta)? else {
        let rest = skip_value(meta)?;
        let path = &meta.path;
        cx.error_spanned_by(
            quote!(#path #rest),
            format!("`index` on a struct takes a column list: `{INDEX_EXAMPLE}`"),
        );
        return Ok(None);
    };
    let mut keys = Keys::new(cx, "index", INDEX_KEYS, &[], (&[], ""));
    let mut columns = None;
    let mut columns_seen = false;
    let mut name = None;
    let mut unique = false;
    let result = syn::meta::parser(|inner| {
        match keys.read(&inner)? {
            Some(COLUMNS) => {
                columns_seen = true;
                columns = index_columns(cx, &inner)?;
            }
            Some(NAME) => {
                let example = r#"name = "ix_users_name""#;
                name = string(cx, &inner, NAME, example)?
                    .filter(|lit| identifier(cx, lit, NAME, "an index name", example));
            }
            Some(UNIQUE) => unique = flag(cx, &inner, UNIQUE, "")?,
            _ => {}
        }
        Ok(())
    })
    .parse2(group.stream());
    if let Err(err) = result {
        cx.syn_error(err);
        return Ok(None);
    }
    if !columns_seen {
        let path = &meta.path;
        cx.error_spanned_by(
            quote!(#path #group),
            format!("`index(...)` needs `columns(...)`: `{INDEX_EXAMPLE}`"),
        );
    }
    Ok(columns.map(|columns| Index {
        columns,
        name,
        unique,
    }))
}

/// `columns("a", "b")`: one or more distinct column names.
fn index_columns(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Vec<LitStr>>> {
    let example = r#"columns("last_name", "first_name")"#;
    let path = &meta.path;
    let Some(group) = group(meta)? else {
        let rest = skip_value(meta)?;
        cx.error_spanned_by(
            quote!(#path #rest),
            format!("`columns` takes a list of column names: `{example}`"),
        );
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

/// `references = "table.column"`.
fn references(cx: &Ctxt, lit: &LitStr) -> Option<References> {
    let text = lit.value();
    let parts: Vec<&str> = text.split('.').collect();
    match parts.as_slice() {
        [table, column] if is_identifier(table) && is_identifier(column) => Some(References {
            table: (*table).to_owned(),
            column: (*column).to_owned(),
        }),
        _ => {
            cx.error_spanned_by(
                lit,
                format!(
                    "`references` takes \"table.column\", e.g. `references = \"users.id\"`, \
                     not {text:?}; names are letters, digits and `_`, not starting with a digit"
                ),
            );
            None
        }
    }
}

/// `on_delete = "cascade"` and friends.
fn action(cx: &Ctxt, lit: &LitStr, key: &str) -> Option<FkAction> {
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

fn non_empty(cx: &Ctxt, lit: &LitStr, key: &str, what: &str, example: &str) -> bool {
    let ok = !lit.value().trim().is_empty();
    if !ok {
        cx.error_spanned_by(lit, format!("`{key}` needs {what}: `{example}`"));
    }
    ok
}

fn identifier(cx: &Ctxt, lit: &LitStr, key: &str, what: &str, example: &str) -> bool {
    let ok = is_identifier(&lit.value());
    if !ok {
        cx.error_spanned_by(
            lit,
            format!(
                "`{key}` takes {what} of letters, digits and `_`, not starting with a digit: \
                 `{example}`"
            ),
        );
    }
    ok
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn path_to_string(path: &Path) -> String {
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
pub fn quoted_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|item| format!("`{}`", item.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
