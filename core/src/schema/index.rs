//! A model index's properties beyond plain column keys. The dialect renders the statement
//! that creates such an index (`dialect::standard::index_statement`); `sql::simplify_index`
//! reads its keys.

use super::Index;

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
