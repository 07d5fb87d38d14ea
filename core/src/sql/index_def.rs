//! What a kept index or constraint declares, read from its text once (`sql::kept`): a
//! `CREATE INDEX` as `pg_get_indexdef` renders it (a hand-written SQLite one after
//! [`super::canonical_index_statement`]), an `ALTER TABLE ... ADD CONSTRAINT` with a `CHECK` or
//! a `UNIQUE` as `pg_get_constraintdef` does. Anything more (storage parameters of a unique
//! constraint, a tablespace, an `EXCLUDE`, `MATCH FULL` keys) reads as nothing: the models
//! cannot say it. Also [`simplify_index`], which reads a model index's keys.

use crate::schema::{ConstraintDef, Index, IndexDef, IndexOptions, Table};

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table [USING method] (keys) [INCLUDE (...)]
/// [NULLS NOT DISTINCT] [WITH (...)] [WHERE predicate]`, in canonical spelling; `None` for
/// anything more (tablespaces) or other.
pub(super) fn index_def(text: &str) -> Option<IndexDef> {
    let (unique, rest) = match text.strip_prefix("CREATE UNIQUE INDEX ") {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix("CREATE INDEX ")?),
    };
    let rest = rest.strip_prefix("IF NOT EXISTS ").unwrap_or(rest);
    let (_name, rest) = identifier(rest)?;
    let rest = rest.trim_start().strip_prefix("ON ")?;
    // The table, possibly qualified: up to the method or the key list.
    let open = rest.find(" USING ").or_else(|| rest.find('('))?;
    let mut rest = &rest[open..];
    let mut method = None;
    if let Some(after) = rest.trim_start().strip_prefix("USING ") {
        let end = after.find([' ', '('])?;
        let m = after[..end].to_ascii_lowercase();
        method = (m != "btree").then_some(m);
        rest = &after[end..];
    }
    let (keys, after) = group(rest.trim_start())?;
    let mut o = IndexOptions {
        keys: split(keys),
        method,
        ..IndexOptions::default()
    };
    let mut after = after.trim_start();
    if let Some(include) = after.strip_prefix("INCLUDE ") {
        let (cols, rest) = group(include)?;
        o.include = split(cols);
        after = rest.trim_start();
    }
    if let Some(rest) = after.strip_prefix("NULLS NOT DISTINCT") {
        o.nulls_not_distinct = true;
        after = rest.trim_start();
    }
    if let Some(with) = after.strip_prefix("WITH ") {
        let (parameters, rest) = group(with)?;
        o.with = Some(parameters.to_owned());
        after = rest.trim_start();
    }
    if let Some(predicate) = after.strip_prefix("WHERE ") {
        o.predicate = Some(predicate.trim().to_owned());
    } else if !after.is_empty() {
        return None;
    }
    Some(IndexDef { unique, options: o })
}

/// `ALTER TABLE t ADD CONSTRAINT "name" CHECK (...) [NOT VALID]` or `... UNIQUE [NULLS NOT
/// DISTINCT] (keys) [INCLUDE (...)]`; `None` for any other constraint.
pub(super) fn constraint_def(text: &str) -> Option<ConstraintDef> {
    let rest = text.trim().strip_prefix("ALTER TABLE ")?;
    let at = rest.find(" ADD CONSTRAINT ")?;
    let (_name, def) = identifier(&rest[at + " ADD CONSTRAINT ".len()..])?;
    let def = def.trim_start();
    if let Some(check) = def.strip_prefix("CHECK ") {
        let (expr, after) = group(check)?;
        let not_valid = match after.trim() {
            "" => false,
            "NOT VALID" => true,
            _ => return None,
        };
        return Some(ConstraintDef::Check {
            expr: expr.to_owned(),
            not_valid,
        });
    }
    let mut def = def.strip_prefix("UNIQUE")?.trim_start();
    let mut o = IndexOptions::default();
    if let Some(rest) = def.strip_prefix("NULLS NOT DISTINCT") {
        o.nulls_not_distinct = true;
        def = rest.trim_start();
    }
    let (keys, after) = group(def)?;
    o.keys = split(keys);
    let after = after.trim();
    if let Some(include) = after.strip_prefix("INCLUDE ") {
        let (cols, rest) = group(include)?;
        if !rest.trim().is_empty() {
            return None;
        }
        o.include = split(cols);
    } else if !after.is_empty() {
        return None;
    }
    Some(ConstraintDef::Unique(IndexDef {
        unique: true,
        options: o,
    }))
}

/// A key as PostgreSQL writes a column name (`"select"`, `"Last ""Name"""`, `email`),
/// unquoted; any other key (an expression, a key with an order) unchanged.
pub fn unquote_key(key: &str) -> String {
    match identifier(key) {
        Some((plain, rest)) if rest.trim().is_empty() => plain,
        _ => key.to_owned(),
    }
}

/// A leading identifier, quoted or not, unquoted; and the rest.
fn identifier(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    if let Some(quoted) = text.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if quoted[i + 1..].starts_with('"') {
                    name.push('"');
                    chars.next();
                    continue;
                }
                return Some((name, &quoted[i + 1..]));
            }
            name.push(c);
        }
        return None;
    }
    let end = text
        .find(|c: char| c.is_whitespace() || c == '(')
        .unwrap_or(text.len());
    (end > 0).then(|| (text[..end].to_owned(), &text[end..]))
}

/// `(inner) rest` -> (`inner`, `rest`), parentheses balanced, quotes respected.
fn group(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    if !text.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some((&text[1..i], &text[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at the commas outside parentheses and quotes; each item trimmed.
fn split(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in list.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                out.push(list[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = list[start..].trim();
    if !last.is_empty() {
        out.push(last.to_owned());
    }
    out
}

/// Rewrites a model index into the plainest form that means the same, as introspection would
/// read it back: `method = "btree"` (the default) is no method, and keys that are only column
/// names of `table` (optionally quoted, optionally `ASC`) are its [`Index::columns`].
pub fn simplify_index(table: &Table, index: &mut Index) {
    let o = &mut index.options;
    if o.method
        .as_deref()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("btree"))
    {
        o.method = None;
    }
    let column = |key: &str| {
        let key = key.trim();
        let key = match key.len().checked_sub(4) {
            Some(at) if key.is_char_boundary(at) && key[at..].eq_ignore_ascii_case(" ASC") => {
                key[..at].trim_end()
            }
            _ => key,
        };
        let name = match key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
            Some(quoted) if !quoted.contains('"') => quoted.to_owned(),
            _ => key.to_owned(),
        };
        table.column(&name).map(|c| c.name.clone())
    };
    if !o.keys.is_empty() {
        if let Some(columns) = o.keys.iter().map(|k| column(k)).collect::<Option<Vec<_>>>() {
            index.columns = columns;
            o.keys.clear();
        }
    }
}

#[cfg(test)]
#[path = "index_def_tests.rs"]
mod tests;
