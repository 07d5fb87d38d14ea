//! What follows `CREATE TABLE`'s closing parenthesis: SQLite's table options.

/// A table's options (SQLite: `STRICT`, `WITHOUT ROWID`), read by `sql::table_options` and
/// rendered by the SQLite dialect. Not compared by the diff: a rebuilt table keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableOptions {
    /// `STRICT`: every value must be of its column's declared type.
    pub strict: bool,
    /// `WITHOUT ROWID`: the primary key is the storage key; no rowid alias.
    pub without_rowid: bool,
    /// The options as the database has them written (SQLite keeps `CREATE TABLE`'s text:
    /// `WITHOUT ROWID, STRICT`), rendered verbatim so that a rebuild keeps them exactly; `None`
    /// when the table has none written.
    pub written: Option<String>,
}

impl TableOptions {
    /// True when the table has no options.
    pub fn is_empty(&self) -> bool {
        *self == TableOptions::default()
    }
}
