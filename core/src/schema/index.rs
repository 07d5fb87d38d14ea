//! A model index's properties beyond plain column keys (the dialect renders the statement
//! that creates such an index, `dialect::standard::index_statement`).

use super::{Index, Table};

impl Index {
    /// True when the index is plain column keys, nothing more: what the diff compares as an
    /// [`Index`]. Any other index is compared as its definition.
    pub fn is_plain(&self) -> bool {
        self.options == IndexOptions::default()
    }
}

/// The properties of a model's index beyond its columns; the default is a plain B-tree index
/// over [`Index::columns`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct IndexOptions {
    /// The index's keys as SQL, used instead of [`Index::columns`] when not empty: a column
    /// (`"email"`), an expression (`lower(email)`), either with an operator class, a collation
    /// or an order (`created_at DESC NULLS LAST`, `title gin_trgm_ops`).
    pub keys: Vec<String>,
    /// The access method (`USING gin`); `None` is the backend's default (B-tree).
    pub method: Option<String>,
    /// Non-key columns stored in the index (`INCLUDE (a, b)`, PostgreSQL).
    pub include: Vec<String>,
    /// The predicate of a partial index (`WHERE deleted_at IS NULL`).
    pub predicate: Option<String>,
    /// NULLs are equal for uniqueness (`NULLS NOT DISTINCT`, PostgreSQL 15).
    pub nulls_not_distinct: bool,
    /// Storage parameters (`WITH (fillfactor = 70)`, PostgreSQL), as written inside the
    /// parentheses.
    pub with: Option<String>,
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
mod tests {
    use super::*;
    use crate::schema::{Column, SqlType};

    fn users() -> Table {
        let mut t = Table::new("users");
        t.columns.push(Column::new("email", SqlType::Text, false));
        t.columns.push(Column::new("Org", SqlType::BigInt, false));
        t
    }

    #[test]
    fn keys_that_are_columns_and_an_explicit_btree_are_a_plain_index() {
        let t = users();
        let mut index = Index {
            name: "ix".into(),
            options: IndexOptions {
                keys: vec!["email".into(), "\"Org\" asc".into()],
                method: Some("BTREE".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        simplify_index(&t, &mut index);
        assert!(index.is_plain());
        assert_eq!(index.columns, ["email", "Org"]);
        // An expression, an order, an unknown (or case-folded) column stay keys.
        for key in ["lower(email)", "email DESC", "org", "email COLLATE \"C\""] {
            let mut index = Index {
                name: "ix".into(),
                options: IndexOptions {
                    keys: vec![key.into()],
                    ..Default::default()
                },
                ..Default::default()
            };
            simplify_index(&t, &mut index);
            assert!(!index.is_plain(), "{key}");
        }
    }
}
