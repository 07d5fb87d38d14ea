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

    /// The prefix length the `i`th key column is keyed by, `None` for the whole column.
    pub fn prefix(&self, i: usize) -> Option<u32> {
        self.prefixes.get(i).copied().flatten()
    }

    /// The prefix length the key column `column` is keyed by, `None` for the whole column (or
    /// a column the index does not have).
    pub fn prefix_of(&self, column: &str) -> Option<u32> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.prefix(i)
    }

    /// Keys the column `i` by its first `length` characters (bytes for a binary column), or
    /// whole with `None`; [`Index::prefixes`] stays empty while no column has a prefix.
    pub fn set_prefix(&mut self, i: usize, length: Option<u32>) {
        if length.is_some() && self.prefixes.len() < self.columns.len() {
            self.prefixes.resize(self.columns.len(), None);
        }
        if let Some(slot) = self.prefixes.get_mut(i) {
            *slot = length;
        }
        if self.prefixes.iter().all(Option::is_none) {
            self.prefixes.clear();
        }
    }

    /// Whether `self` and `other` key their columns by the same prefixes (whatever the form of
    /// [`Index::prefixes`]).
    pub fn same_prefixes(&self, other: &Index) -> bool {
        let n = self.columns.len().max(other.columns.len());
        (0..n).all(|i| self.prefix(i) == other.prefix(i))
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
