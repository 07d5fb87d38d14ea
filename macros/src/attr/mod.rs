//! `#[model(...)]` attributes, parsed into a typed attribute AST.
//!
//! This module checks each key on its own: that it is known, not repeated, and that its value
//! has the right form. Rules that involve several keys or fields live in `check.rs`.
//!
//! Every problem is recorded in the [`Ctxt`] and parsing goes on with the next key, so that one
//! compile reports every bad attribute. A parse closure returns `Err` only when the tokens cannot
//! be read at all (for example `#[model(table = )]`); that ends the current attribute.

use syn::{Attribute, LitStr, Path};

use crate::ctxt::Ctxt;

mod read;
mod table;

pub(crate) use read::quoted_list;
#[cfg(test)]
pub(crate) use read::split_names;
use read::*;
use table::*;

/// The attribute's own name: `#[model(...)]`.
pub const MODEL: &str = "model";

// Container (struct) keys.
pub const TABLE: &str = "table";
pub const SCHEMA: &str = "schema";
pub const INDEX: &str = "index";
pub const CHECK: &str = "check";
/// On the struct and on a field: the table's or column's previous name.
pub const RENAMED_FROM: &str = "renamed_from";
/// On the struct: the primary key constraint's name (PostgreSQL).
pub const PRIMARY_KEY_NAME: &str = "primary_key_name";
pub const FOREIGN_KEY: &str = "foreign_key";
/// On the struct: the table has no primary key.
pub const NO_PRIMARY_KEY: &str = "no_primary_key";
/// On a field: part of the primary key. On the struct, `primary_key(columns("b", "a"))`: the
/// key's columns in the key's order.
pub const PRIMARY_KEY: &str = "primary_key";

// Keys inside a container's `index(...)`.
pub const COLUMNS: &str = "columns";
pub const NAME: &str = "name";
pub const UNIQUE: &str = "unique";
pub const KEYS: &str = "keys";
pub const WHERE: &str = "where";
/// Inside `index(...)`: storage parameters, `with = "fillfactor = 70"`.
pub const WITH: &str = "with";
pub const METHOD: &str = "method";
pub const INCLUDE: &str = "include";
pub const NULLS_NOT_DISTINCT: &str = "nulls_not_distinct";
/// Inside `index(...)`: the prefix lengths of key columns, `prefix(body = 100)` (MariaDB, MySQL).
pub const PREFIX: &str = "prefix";

// Keys inside a container's `check(...)` (`name` is shared with `index(...)`).
pub const EXPR: &str = "expr";
/// In `check(...)`: PostgreSQL's `NOT VALID` (existing rows are not checked).
pub const NOT_VALID: &str = "not_valid";

// Field keys (`primary_key`, `unique` and `index` are shared with the lists above).
pub const MAX_LENGTH: &str = "max_length";
pub const DEFAULT: &str = "default";
pub const REFERENCES: &str = "references";
pub const ON_DELETE: &str = "on_delete";
pub const ON_UPDATE: &str = "on_update";
pub const COLUMN: &str = "column";
pub const SQL_TYPE: &str = "sql_type";
pub const SKIP: &str = "skip";
pub const GENERATED: &str = "generated";
pub const STORED: &str = "stored";
pub const DEFERRABLE: &str = "deferrable";
pub const INITIALLY_DEFERRED: &str = "initially_deferred";
/// `identity = false` on a key field (the application assigns the key's values), or
/// `identity = "always"` / `"by_default"` on an integer field.
pub const IDENTITY: &str = "identity";
/// On an integer field: a sequence owned by the column and a `nextval` default (PostgreSQL).
pub const SERIAL: &str = "serial";
/// On a key field: SQLite's `AUTOINCREMENT` (ids of deleted rows are never given again).
pub const AUTOINCREMENT: &str = "autoincrement";

pub const CONTAINER_KEYS: &[&str] = &[
    TABLE,
    SCHEMA,
    INDEX,
    UNIQUE,
    FOREIGN_KEY,
    CHECK,
    RENAMED_FROM,
    PRIMARY_KEY,
    PRIMARY_KEY_NAME,
    NO_PRIMARY_KEY,
];
pub const INDEX_KEYS: &[&str] = &[
    COLUMNS,
    KEYS,
    NAME,
    UNIQUE,
    WHERE,
    WITH,
    METHOD,
    INCLUDE,
    NULLS_NOT_DISTINCT,
    PREFIX,
];
pub const UNIQUE_KEYS: &[&str] = &[COLUMNS, NAME, INCLUDE, NULLS_NOT_DISTINCT];
pub const FOREIGN_KEY_KEYS: &[&str] = &[
    COLUMNS,
    REFERENCES,
    NAME,
    ON_DELETE,
    ON_UPDATE,
    DEFERRABLE,
    INITIALLY_DEFERRED,
];
pub const CHECK_KEYS: &[&str] = &[NAME, EXPR, NOT_VALID];
pub const PRIMARY_KEY_KEYS: &[&str] = &[COLUMNS];
/// The index methods `method = "..."` accepts (PostgreSQL's built-in ones).
pub const METHODS: &[&str] = &["btree", "hash", "gin", "gist", "brin", "spgist"];
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
    RENAMED_FROM,
    GENERATED,
    STORED,
    DEFERRABLE,
    INITIALLY_DEFERRED,
    IDENTITY,
    SERIAL,
    AUTOINCREMENT,
    CHECK,
];

const INDEX_EXAMPLE: &str =
    r#"index(columns("last_name", "first_name"), name = "ix_users_name", unique)"#;
const UNIQUE_EXAMPLE: &str = r#"unique(columns("org_id", "email"), name = "uq_users_org_email")"#;
const FOREIGN_KEY_EXAMPLE: &str =
    r#"foreign_key(columns("org_id", "org_region"), references = "orgs(id, region)")"#;
const CHECK_EXAMPLE: &str = r#"check(name = "ck_users_age", expr = "age >= 0")"#;
const PRIMARY_KEY_EXAMPLE: &str = r#"primary_key(columns("tag", "post_id"))"#;
const ACTIONS_EXPECTED: &str = "`cascade`, `restrict`, `set null`, `set default`, `no action` \
                                (any case; `set_null`, `set_default` and `no_action` also work)";

/// The doc comment (`///` lines, i.e. `#[doc = "..."]` attributes) in `attrs`: lines joined with
/// `\n`, each without the one leading space rustdoc keeps and without trailing whitespace,
/// blank lines around trimmed; `None` when there is none or it is blank. It becomes the table's
/// or column's comment.
pub fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        let syn::Meta::NameValue(nv) = &attr.meta else {
            continue;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &nv.value
        else {
            continue;
        };
        for line in text.value().split('\n') {
            lines.push(line.strip_prefix(' ').unwrap_or(line).trim_end().to_owned());
        }
    }
    let text = lines.join("\n");
    let text = text.trim_matches('\n');
    (!text.is_empty()).then(|| text.to_owned())
}

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
    /// `schema = "billing"` (PostgreSQL): the schema the table lives in.
    pub schema: Option<Keyed<LitStr>>,
    /// `index(...)`, in declaration order. Malformed ones are left out (their error is recorded).
    pub indexes: Vec<Keyed<Index>>,
    /// `check(...)`, in declaration order. Malformed ones are left out (their error is recorded).
    pub checks: Vec<Keyed<Check>>,
    /// `renamed_from = "old_table"`.
    pub renamed_from: Option<Keyed<LitStr>>,
    /// `primary_key(columns("tag", "post_id"))`: the key's columns, in the key's order (which
    /// need not be the fields' order). Left out when malformed (its error is recorded).
    pub primary_key: Option<Keyed<Vec<LitStr>>>,
    /// `primary_key_name = "users_pk"`.
    pub primary_key_name: Option<Keyed<LitStr>>,
    /// `unique(...)`, in declaration order. Malformed ones are left out.
    pub uniques: Vec<Keyed<Unique>>,
    /// `foreign_key(...)`, in declaration order. Malformed ones are left out.
    pub foreign_keys: Vec<Keyed<ForeignKey>>,
    /// `no_primary_key`: the table has no primary key (an `id` field is then a plain column).
    pub no_primary_key: Option<Path>,
}

/// `unique(columns("a", "b"), name = "uq_t_a_b", include("c"), nulls_not_distinct)` on the
/// struct: a UNIQUE constraint.
#[derive(Debug)]
pub struct Unique {
    /// Column names, never empty.
    pub columns: Vec<LitStr>,
    /// `None`: the conventional `uq_<table>_<cols>`.
    pub name: Option<LitStr>,
    pub include: Vec<LitStr>,
    pub nulls_not_distinct: bool,
}

/// `foreign_key(columns("a", "b"), references = "t(x, y)", ...)` on the struct.
#[derive(Debug)]
pub struct ForeignKey {
    /// Referencing column names, never empty.
    pub columns: Vec<LitStr>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    /// `None`: the conventional `fk_<table>_<cols>_<ref_table>`.
    pub name: Option<LitStr>,
    pub on_delete: Option<FkAction>,
    pub on_update: Option<FkAction>,
    pub deferrable: bool,
    pub initially_deferred: bool,
}

/// `check(name = "ck_users_age", expr = "age >= 0")` on the struct: a CHECK constraint.
#[derive(Debug)]
pub struct Check {
    /// `None`: the conventional `ck_<table>_<n>`, `n` the check's position (from 1) among the
    /// struct's `check(...)` attributes.
    pub name: Option<LitStr>,
    /// The SQL boolean expression, never blank.
    pub expr: LitStr,
    /// `not_valid`: PostgreSQL adds the constraint `NOT VALID` (rows already there are not
    /// checked).
    pub not_valid: bool,
}

/// `index(columns("a", "b"), name = "ix_t_a_b", unique)` on the struct, with the optional
/// properties of [`IndexOptions`].
#[derive(Debug)]
pub struct Index {
    /// Column names; empty when `keys(...)` gives the keys instead.
    pub columns: Vec<LitStr>,
    pub name: Option<LitStr>,
    pub unique: bool,
    pub options: IndexOptions,
}

/// An index's properties beyond its columns (all optional).
#[derive(Debug, Default)]
pub struct IndexOptions {
    /// `keys("lower(email)", "created_at DESC")`: the keys as SQL, instead of `columns(...)`.
    pub keys: Vec<LitStr>,
    /// `where = "deleted_at IS NULL"`: a partial index.
    pub predicate: Option<LitStr>,
    /// `with = "fillfactor = 70"`: storage parameters (PostgreSQL).
    pub with: Option<LitStr>,
    /// `method = "gin"`, one of [`METHODS`].
    pub method: Option<LitStr>,
    /// `include("a", "b")`.
    pub include: Vec<LitStr>,
    /// `nulls_not_distinct`, with its key for spans.
    pub nulls_not_distinct: Option<Path>,
    /// `prefix(body = 100, "Title" = 20)`: key columns keyed by their first n characters, each
    /// column name (a literal, spanned where it was written) with its length.
    pub prefixes: Vec<(LitStr, u32)>,
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
    /// `renamed_from = "old_column"`.
    pub renamed_from: Option<Keyed<LitStr>>,
    /// `generated = "price * qty"`: the column's generation expression.
    pub generated: Option<Keyed<LitStr>>,
    /// `stored`: the generated column is STORED (VIRTUAL without it).
    pub stored: Option<Path>,
    pub deferrable: Option<Path>,
    pub initially_deferred: Option<Path>,
    /// `identity = false` (the application assigns the key's values), `identity = "always"`
    /// or `identity = "by_default"`.
    pub identity: Option<Keyed<Identity>>,
    /// `serial`: a sequence owned by the column and a `nextval` default (PostgreSQL).
    pub serial: Option<Path>,
    /// `serial = "name"` / `serial(name = "...")`: the sequence's name, where not
    /// `<table>_<column>_seq`.
    pub serial_name: Option<LitStr>,
    /// `serial(ty = "bigint")`: the sequence's type, where not the column's.
    pub serial_type: Option<LitStr>,
    /// `autoincrement`: SQLite's `AUTOINCREMENT` on the key.
    pub autoincrement: Option<Path>,
    /// `check = "age >= 0"`: the column's own CHECK constraint.
    pub check: Option<Keyed<LitStr>>,
    /// Every key that was read successfully, in source order.
    pub present: Vec<(&'static str, Path)>,
}

/// `references = "table.column"`.
#[derive(Debug)]
pub struct References {
    pub table: String,
    pub column: String,
}

/// A field's `identity = ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// `identity = false`: the application assigns the key's values.
    No,
    /// `identity = "always"`: `GENERATED ALWAYS AS IDENTITY`.
    Always,
    /// `identity = "by_default"`: `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault,
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
            &[INDEX, UNIQUE, FOREIGN_KEY, CHECK],
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
                    Some(SCHEMA) => {
                        let example = r#"schema = "billing""#;
                        if let Some(lit) = string(cx, &meta, SCHEMA, example)? {
                            if identifier(cx, &lit, SCHEMA, "a schema name", example) {
                                out.schema = Some(keyed(&meta, lit));
                            }
                        }
                    }
                    Some(INDEX) => {
                        if let Some(index) = index(cx, &meta)? {
                            out.indexes.push(keyed(&meta, index));
                        }
                    }
                    Some(CHECK) => {
                        if let Some(check) = check(cx, &meta)? {
                            out.checks.push(keyed(&meta, check));
                        }
                    }
                    Some(RENAMED_FROM) => {
                        let example = r#"renamed_from = "old_users""#;
                        if let Some(lit) = string(cx, &meta, RENAMED_FROM, example)? {
                            // `schema.table`: the table moved from another schema (PostgreSQL).
                            let ok = match lit.value().split_once('.') {
                                Some((schema, table))
                                    if is_identifier(schema) && is_identifier(table) =>
                                {
                                    true
                                }
                                _ => identifier(cx, &lit, RENAMED_FROM, "a table name", example),
                            };
                            if ok {
                                out.renamed_from = Some(keyed(&meta, lit));
                            }
                        }
                    }
                    Some(PRIMARY_KEY_NAME) => {
                        let example = r#"primary_key_name = "users_pk""#;
                        if let Some(lit) = string(cx, &meta, PRIMARY_KEY_NAME, example)? {
                            if identifier(cx, &lit, PRIMARY_KEY_NAME, "a constraint name", example)
                            {
                                out.primary_key_name = Some(keyed(&meta, lit));
                            }
                        }
                    }
                    Some(UNIQUE) => {
                        if let Some(unique) = unique(cx, &meta)? {
                            out.uniques.push(keyed(&meta, unique));
                        }
                    }
                    Some(FOREIGN_KEY) => {
                        if let Some(fk) = foreign_key(cx, &meta)? {
                            out.foreign_keys.push(keyed(&meta, fk));
                        }
                    }
                    Some(PRIMARY_KEY) => {
                        if let Some(columns) = primary_key(cx, &meta)? {
                            out.primary_key = Some(keyed(&meta, columns));
                        }
                    }
                    Some(NO_PRIMARY_KEY) => {
                        let ok = flag(cx, &meta, NO_PRIMARY_KEY, "")?;
                        set_flag(&mut out.no_primary_key, &meta, ok);
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
                    PRIMARY_KEY | UNIQUE | SKIP | STORED | DEFERRABLE | INITIALLY_DEFERRED
                    | AUTOINCREMENT => {
                        let ok = flag(cx, &meta, key, "")?;
                        let slot = match key {
                            PRIMARY_KEY => &mut out.primary_key,
                            AUTOINCREMENT => &mut out.autoincrement,
                            UNIQUE => &mut out.unique,
                            STORED => &mut out.stored,
                            DEFERRABLE => &mut out.deferrable,
                            INITIALLY_DEFERRED => &mut out.initially_deferred,
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
                    GENERATED => {
                        let example = r#"generated = "price * qty""#;
                        let value = string(cx, &meta, key, example)?
                            .filter(|lit| non_empty(cx, lit, key, "an SQL expression", example));
                        set(&mut out.generated, &meta, value)
                    }
                    CHECK => {
                        let example = r#"check = "age >= 0""#;
                        let value = string(cx, &meta, key, example)?
                            .filter(|lit| non_empty(cx, lit, key, "an SQL expression", example));
                        set(&mut out.check, &meta, value)
                    }
                    // `serial`, or `serial = "sequence_name"`.
                    SERIAL if meta.input.peek(syn::Token![=]) => {
                        let example = r#"serial = "users_id_seq""#;
                        let name = string(cx, &meta, key, example)?
                            .filter(|lit| identifier(cx, lit, key, "a sequence name", example));
                        let ok = name.is_some();
                        out.serial_name = name;
                        set_flag(&mut out.serial, &meta, ok)
                    }
                    // `serial(name = "...", ty = "bigint")`: the sequence's name and type.
                    SERIAL if meta.input.peek(syn::token::Paren) => {
                        let mut ok = true;
                        meta.parse_nested_meta(|inner| {
                            let example = r#"serial(name = "users_id_seq", ty = "bigint")"#;
                            if inner.path.is_ident("name") {
                                let name = string(cx, &inner, "name", example)?.filter(|lit| {
                                    identifier(cx, lit, "name", "a sequence name", example)
                                });
                                ok &= name.is_some();
                                out.serial_name = name;
                            } else if inner.path.is_ident("ty") {
                                let ty = string(cx, &inner, "ty", example)?;
                                match &ty {
                                    Some(lit)
                                        if ["smallint", "integer", "bigint"]
                                            .contains(&lit.value().as_str()) => {}
                                    Some(lit) => {
                                        cx.error_spanned_by(
                                            lit,
                                            "`ty` is the sequence's type: `\"smallint\"`, \
                                             `\"integer\"` or `\"bigint\"`",
                                        );
                                        ok = false;
                                    }
                                    None => ok = false,
                                }
                                out.serial_type = ty;
                            } else {
                                skip_value(&inner)?;
                                let path = &inner.path;
                                cx.error_spanned_by(
                                    path,
                                    format!(
                                        "unknown key in `serial(...)`; expected `name` or `ty`: \
                                         `{example}`"
                                    ),
                                );
                                ok = false;
                            }
                            Ok(())
                        })?;
                        set_flag(&mut out.serial, &meta, ok)
                    }
                    SERIAL => {
                        let ok = flag(cx, &meta, key, "")?;
                        set_flag(&mut out.serial, &meta, ok)
                    }
                    IDENTITY => {
                        let value = identity(cx, &meta)?;
                        set(&mut out.identity, &meta, value)
                    }
                    RENAMED_FROM => {
                        let example = r#"renamed_from = "old_name""#;
                        let value = string(cx, &meta, key, example)?
                            .filter(|lit| identifier(cx, lit, key, "a column name", example));
                        set(&mut out.renamed_from, &meta, value)
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
