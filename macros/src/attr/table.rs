//! Readers for the struct's table-level keys beyond `index(columns(...))` and `check(...)`:
//! an index's properties (`keys`, `where`, `method`, `include`, `nulls_not_distinct`, `prefix`),
//! `unique(...)` constraints and `foreign_key(...)`. Like `read.rs`, each records every problem
//! in the [`Ctxt`] and goes on.

use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, LitStr, Token};

use super::read::*;
use super::*;
use crate::ctxt::Ctxt;

/// One of an index's optional properties, `key` already identified by [`Keys::read`]. Returns
/// whether its value was well-formed.
pub(super) fn index_option(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    options: &mut IndexOptions,
) -> syn::Result<bool> {
    Ok(match key {
        KEYS => match sql_list(cx, meta)? {
            Some(keys) => {
                options.keys = keys;
                true
            }
            None => false,
        },
        WHERE => {
            let example = r#"where = "deleted_at IS NULL""#;
            options.predicate = string(cx, meta, WHERE, example)?
                .filter(|lit| non_empty(cx, lit, WHERE, "an SQL condition", example));
            options.predicate.is_some()
        }
        WITH => {
            let example = r#"with = "fillfactor = 70""#;
            options.with = string(cx, meta, WITH, example)?
                .filter(|lit| non_empty(cx, lit, WITH, "storage parameters", example));
            options.with.is_some()
        }
        METHOD => {
            let example = r#"method = "gin""#;
            options.method = string(cx, meta, METHOD, example)?.filter(|lit| {
                let ok = METHODS.contains(&lit.value().as_str());
                if !ok {
                    cx.error_spanned_by(
                        lit,
                        format!(
                            "unknown index method {:?}; expected one of: {} (lower case)",
                            lit.value(),
                            quoted_list(METHODS)
                        ),
                    );
                }
                ok
            });
            options.method.is_some()
        }
        INCLUDE => match index_columns(cx, meta)? {
            Some(columns) => {
                options.include = columns;
                true
            }
            None => false,
        },
        NULLS_NOT_DISTINCT => {
            let ok = flag(cx, meta, key, "")?;
            if ok {
                options.nulls_not_distinct = Some(meta.path.clone());
            }
            ok
        }
        PREFIX => match prefix_list(cx, meta)? {
            Some(prefixes) => {
                options.prefixes = prefixes;
                true
            }
            None => false,
        },
        _ => unreachable!("index key `{key}` not handled"),
    })
}

/// `prefix(body = 100, "Title" = 20)`: one or more key columns (an identifier or a string),
/// each with a prefix length of 1 or more, each column once.
fn prefix_list(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Vec<(LitStr, u32)>>> {
    let example = r#"prefix(body = 100)"#;
    let path = &meta.path;
    let message =
        format!("`prefix` takes key columns with the length of their prefix: `{example}`");
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
            format!("`prefix(...)` needs at least one column: `{example}`"),
        );
        return Ok(None);
    }
    let mut prefixes: Vec<(LitStr, u32)> = Vec::new();
    let mut ok = true;
    for expr in exprs {
        let Expr::Assign(assign) = &expr else {
            cx.error_spanned_by(
                &expr,
                format!("a prefix is a key column and a length: `{example}`"),
            );
            ok = false;
            continue;
        };
        let column = match &*assign.left {
            Expr::Path(p) if p.path.get_ident().is_some() => {
                let ident = p.path.get_ident().expect("checked");
                let name = ident.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                Some(LitStr::new(&name, ident.span()))
            }
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(lit), ..
            }) => Some(lit.clone()),
            other => {
                cx.error_spanned_by(
                    other,
                    format!(
                        "the column of a prefix is its name, an identifier or a string: `{example}`"
                    ),
                );
                None
            }
        };
        let length = match &*assign.right {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Int(int), ..
            }) => match int.base10_parse::<u32>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    cx.error_spanned_by(
                        int,
                        format!(
                            "a prefix length is a number of characters from 1 to {}: `{example}`",
                            u32::MAX
                        ),
                    );
                    None
                }
            },
            other => {
                cx.error_spanned_by(
                    other,
                    format!("a prefix length is a number of characters: `{example}`"),
                );
                None
            }
        };
        let (Some(column), Some(length)) = (column, length) else {
            ok = false;
            continue;
        };
        if prefixes.iter().any(|(c, _)| c.value() == column.value()) {
            cx.error_spanned_by(
                &column,
                format!("column `{}` has two prefixes in this index", column.value()),
            );
            ok = false;
            continue;
        }
        prefixes.push((column, length));
    }
    Ok(ok.then_some(prefixes))
}

/// `keys("lower(email)", "created_at DESC")`: one or more non-empty SQL strings.
fn sql_list(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Vec<LitStr>>> {
    let example = r#"keys("lower(email)", "created_at DESC NULLS LAST")"#;
    let path = &meta.path;
    let message = format!("`keys` takes a list of SQL index keys: `{example}`");
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
            format!("`keys(...)` needs at least one key: `{example}`"),
        );
        return Ok(None);
    }
    let mut keys = Vec::new();
    let mut ok = true;
    for expr in exprs {
        match expr {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(lit), ..
            }) if !lit.value().trim().is_empty() => keys.push(lit),
            other => {
                cx.error_spanned_by(
                    other,
                    format!("index keys are non-empty SQL strings: `{example}`"),
                );
                ok = false;
            }
        }
    }
    Ok(ok.then_some(keys))
}

/// `unique(columns("a", "b"), name = "uq", include("c"), nulls_not_distinct)` on the struct.
pub(super) fn unique(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Unique>> {
    let message = format!(
        "`unique` on a struct takes a column list: `{UNIQUE_EXAMPLE}` (on a field, `unique` alone)"
    );
    let Some(group) = group_or_report(cx, meta, &message)? else {
        return Ok(None);
    };
    let mut keys = Keys::new(cx, "unique", UNIQUE_KEYS, &[], (&[], ""));
    let mut columns = None;
    let mut columns_seen = false;
    let mut name = None;
    let mut name_ok = true;
    let mut options = IndexOptions::default();
    let mut options_ok = true;
    let parsed = parse_group(cx, &group, |inner| {
        match keys.read(&inner)? {
            Some(COLUMNS) => {
                columns_seen = true;
                columns = index_columns(cx, &inner)?;
            }
            Some(NAME) => {
                let example = r#"name = "uq_users_org_email""#;
                name = name_key(cx, &inner, "a constraint name", example)?;
                name_ok = name.is_some();
            }
            Some(key) => options_ok &= index_option(cx, &inner, key, &mut options)?,
            None => {}
        }
        Ok(())
    });
    if !parsed {
        return Ok(None);
    }
    if !columns_seen {
        missing_columns(cx, meta, &group, "unique", UNIQUE_EXAMPLE);
    }
    Ok(columns
        .filter(|_| name_ok && options_ok)
        .map(|columns| Unique {
            columns,
            name,
            include: options.include,
            nulls_not_distinct: options.nulls_not_distinct.is_some(),
        }))
}

/// `primary_key(columns("tag", "post_id"))` on the struct: the key's columns in the key's order.
pub(super) fn primary_key(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<Vec<LitStr>>> {
    let message = format!(
        "`primary_key` on a struct takes the key's columns, in the key's order: \
         `{PRIMARY_KEY_EXAMPLE}` (on a field, `primary_key` alone)"
    );
    let Some(group) = group_or_report(cx, meta, &message)? else {
        return Ok(None);
    };
    let mut keys = Keys::new(cx, "primary_key", PRIMARY_KEY_KEYS, &[], (&[], ""));
    let mut columns = None;
    let mut columns_seen = false;
    let parsed = parse_group(cx, &group, |inner| {
        if let Some(COLUMNS) = keys.read(&inner)? {
            columns_seen = true;
            columns = index_columns(cx, &inner)?;
        }
        Ok(())
    });
    if !parsed {
        return Ok(None);
    }
    if !columns_seen {
        missing_columns(cx, meta, &group, "primary_key", PRIMARY_KEY_EXAMPLE);
    }
    Ok(columns)
}

/// `foreign_key(columns("a", "b"), references = "t(x, y)", on_delete = "...", ...)`.
pub(super) fn foreign_key(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Option<ForeignKey>> {
    let message = format!("`foreign_key` takes its columns and target: `{FOREIGN_KEY_EXAMPLE}`");
    let Some(group) = group_or_report(cx, meta, &message)? else {
        return Ok(None);
    };
    let mut keys = Keys::new(cx, "foreign_key", FOREIGN_KEY_KEYS, &[], (&[], ""));
    let mut columns = None;
    let mut columns_seen = false;
    let mut references = None;
    let mut references_seen = false;
    let mut name = None;
    let (mut on_delete, mut on_update) = (None, None);
    let (mut deferrable, mut initially_deferred) = (false, false);
    let mut ok = true;
    let parsed = parse_group(cx, &group, |inner| {
        match keys.read(&inner)? {
            Some(COLUMNS) => {
                columns_seen = true;
                columns = index_columns(cx, &inner)?;
            }
            Some(REFERENCES) => {
                references_seen = true;
                let example = r#"references = "orgs(id, region)""#;
                references = string(cx, &inner, REFERENCES, example)?
                    .and_then(|lit| table_columns(cx, &lit).map(|(t, c)| (lit, t, c)));
            }
            Some(NAME) => {
                let example = r#"name = "fk_members_org""#;
                name = name_key(cx, &inner, "a constraint name", example)?;
                ok &= name.is_some();
            }
            Some(key @ (ON_DELETE | ON_UPDATE)) => {
                let value = string(cx, &inner, key, &format!(r#"{key} = "cascade""#))?
                    .and_then(|lit| action(cx, &lit, key));
                ok &= value.is_some();
                if key == ON_DELETE {
                    on_delete = value;
                } else {
                    on_update = value;
                }
            }
            Some(DEFERRABLE) => deferrable = flag(cx, &inner, DEFERRABLE, "")?,
            Some(INITIALLY_DEFERRED) => {
                initially_deferred = flag(cx, &inner, INITIALLY_DEFERRED, "")?
            }
            _ => {}
        }
        Ok(())
    });
    if !parsed {
        return Ok(None);
    }
    let path = &meta.path;
    for (seen, what) in [
        (columns_seen, "columns(...)"),
        (references_seen, "references = \"...\""),
    ] {
        if !seen {
            cx.error_spanned_by(
                quote!(#path #group),
                format!("`foreign_key(...)` needs `{what}`: `{FOREIGN_KEY_EXAMPLE}`"),
            );
        }
    }
    let (Some(columns), Some((references, ref_table, ref_columns)), true) =
        (columns, references, ok)
    else {
        return Ok(None);
    };
    if columns.len() != ref_columns.len() {
        cx.error_spanned_by(
            &references,
            format!(
                "`references` names {} column(s) but `columns(...)` has {}; pair them position by position",
                ref_columns.len(),
                columns.len()
            ),
        );
        return Ok(None);
    }
    Ok(Some(ForeignKey {
        columns,
        ref_table,
        ref_columns,
        name,
        on_delete,
        on_update,
        deferrable,
        initially_deferred,
    }))
}

/// `"table(a, b)"` (or `"schema.table(a, b)"`): a table name and one or more column names; a
/// name other than letters, digits and `_` goes in double quotes (`"\"Order Items\"(\"Item Id\")"`).
fn table_columns(cx: &Ctxt, lit: &LitStr) -> Option<(String, Vec<String>)> {
    let text = lit.value();
    let parsed = text.trim().strip_suffix(')').and_then(|head| {
        let open = table_end(head)?;
        let table = match split_names(&head[..open], '.')?.as_slice() {
            [table] => table.clone(),
            // A table of another schema (PostgreSQL).
            [schema, table] => format!("{schema}.{table}"),
            _ => return None,
        };
        let cols = split_names(&head[open + 1..], ',')?;
        Some((table, cols))
    });
    if parsed.is_none() {
        cx.error_spanned_by(
            lit,
            format!(
                "`references` takes \"table(column, ...)\", e.g. `references = \"orgs(id, region)\"`, \
                 not {text:?}; a name other than letters, digits and `_` (not starting with a \
                 digit) goes in double quotes"
            ),
        );
    }
    parsed
}

/// The position of the `(` that opens the column list: the first one outside double quotes.
fn table_end(head: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in head.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// The error for a `what(...)` list without its `columns(...)`, spanning the whole attribute.
fn missing_columns<T: quote::ToTokens>(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    group: &T,
    what: &str,
    example: &str,
) {
    let path = &meta.path;
    cx.error_spanned_by(
        quote!(#path #group),
        format!("`{what}(...)` needs `columns(...)`: `{example}`"),
    );
}
