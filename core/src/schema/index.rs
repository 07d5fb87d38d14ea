//! A model index's properties beyond plain column keys, and the statement that creates such an
//! index: what both dialects compare it by.

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

/// The statement that creates a non-plain model index `index` on `table`, each part in the
/// order PostgreSQL's grammar takes it: `CREATE [UNIQUE] INDEX "name" ON "table" [USING m]
/// (keys) [INCLUDE (...)] [NULLS NOT DISTINCT] [WHERE predicate]`, or, for a unique
/// constraint, `ALTER TABLE "table" ADD CONSTRAINT "name" UNIQUE [NULLS NOT DISTINCT] (...)
/// [INCLUDE (...)]`. Deterministic: SQLite keeps this text verbatim; PostgreSQL's is replaced by
/// the server's rendering when connected.
pub fn index_statement(table: &str, index: &Index) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let list = |items: &[String]| {
        items
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let o = &index.options;
    let keys = if o.keys.is_empty() {
        list(&index.columns)
    } else {
        o.keys
            .iter()
            .map(|k| k.trim())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let include = if o.include.is_empty() {
        String::new()
    } else {
        format!(" INCLUDE ({})", list(&o.include))
    };
    let nnd = if o.nulls_not_distinct {
        " NULLS NOT DISTINCT"
    } else {
        ""
    };
    if index.constraint {
        return format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE{nnd} ({keys}){include}",
            super::quote_table(table),
            quote(&index.name)
        );
    }
    let method = o
        .method
        .as_ref()
        .map(|m| format!(" USING {}", m.trim()))
        .unwrap_or_default();
    let predicate = o
        .predicate
        .as_ref()
        .map(|p| format!(" WHERE {}", p.trim()))
        .unwrap_or_default();
    let with = o
        .with
        .as_ref()
        .map(|w| format!(" WITH ({})", w.trim()))
        .unwrap_or_default();
    format!(
        "CREATE {}INDEX {} ON {}{method} ({keys}){include}{nnd}{with}{predicate}",
        if index.unique { "UNIQUE " } else { "" },
        quote(&index.name),
        super::quote_table(table),
    )
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
    fn statements_put_each_property_where_the_grammar_takes_it() {
        let index = Index {
            name: "ix".into(),
            unique: true,
            options: IndexOptions {
                keys: vec![" lower(email) ".into(), "\"Org\" DESC".into()],
                method: Some("btree".into()),
                include: vec!["Org".into()],
                predicate: Some("email <> ''".into()),
                nulls_not_distinct: true,
                with: Some("fillfactor = 70".into()),
            },
            ..Default::default()
        };
        assert_eq!(
            index_statement("users", &index),
            "CREATE UNIQUE INDEX \"ix\" ON \"users\" USING btree (lower(email), \"Org\" DESC) \
             INCLUDE (\"Org\") NULLS NOT DISTINCT WITH (fillfactor = 70) WHERE email <> ''"
        );
        let constraint = Index {
            name: "uq".into(),
            columns: vec!["email".into(), "Org".into()],
            unique: true,
            constraint: true,
            options: IndexOptions {
                nulls_not_distinct: true,
                ..Default::default()
            },
        };
        assert_eq!(
            index_statement("users", &constraint),
            "ALTER TABLE \"users\" ADD CONSTRAINT \"uq\" UNIQUE NULLS NOT DISTINCT (\"email\", \"Org\")"
        );
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
