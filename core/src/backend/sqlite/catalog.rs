//! The catalog queries of SQLite introspection, one function per query, each returning the
//! typed rows of its query (joining `sqlite_schema` with the table-valued pragma functions);
//! [`super::introspect`] assembles them into a schema.

use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::SqliteConnection;
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

/// The user tables among `sqlite_schema AS m`: not SQLite's own, not the bookkeeping.
const TABLES: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT IN ('__diesel_schema_migrations', '__retort_checksums', '__retort_progress')";

/// A column of a table, as `pragma_table_xinfo` gives it (generated columns included).
#[derive(QueryableByName)]
pub(super) struct ColumnRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    #[diesel(sql_type = Text)]
    pub(super) ty: String,
    #[diesel(sql_type = BigInt)]
    pub(super) notnull: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) dflt: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(super) pk: i64,
}

/// One column pair of a foreign key (`id` numbers the keys of a table, last declared first).
#[derive(QueryableByName)]
pub(super) struct ForeignKeyRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = BigInt)]
    pub(super) id: i64,
    #[diesel(sql_type = Text)]
    pub(super) ref_table: String,
    #[diesel(sql_type = Text)]
    pub(super) from_col: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) to_col: Option<String>,
    #[diesel(sql_type = Text)]
    pub(super) on_update: String,
    #[diesel(sql_type = Text)]
    pub(super) on_delete: String,
}

/// A table, index, trigger or view with its SQL text, from `sqlite_schema`.
#[derive(QueryableByName)]
pub(super) struct AttachedRow {
    #[diesel(sql_type = Text)]
    pub(super) kind: String,
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Text)]
    pub(super) sql: String,
}

/// One key of an index created by `CREATE INDEX` (not partial); `col` is `None` for an
/// expression, a `DESC` key or one with its own collation.
#[derive(QueryableByName)]
pub(super) struct IndexRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Text)]
    pub(super) idx: String,
    #[diesel(sql_type = BigInt)]
    pub(super) is_unique: i64,
    #[diesel(sql_type = BigInt)]
    pub(super) descending: i64,
    // Whether an index's SQL says COLLATE is read from the `attached` rows (a join with
    // `sqlite_schema` here would scan it once per index).
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) col: Option<String>,
}

/// The columns of every user table, by table and position.
pub(super) fn columns(conn: &mut SqliteConnection) -> QueryResult<Vec<ColumnRow>> {
    diesel::sql_query(format!(
        "SELECT m.name AS tbl, p.name AS name, p.type AS ty, p.\"notnull\" AS \"notnull\", \
         p.dflt_value AS dflt, p.pk AS pk \
         FROM sqlite_schema AS m, pragma_table_xinfo(m.name) AS p \
         WHERE {TABLES} AND p.hidden IN (0, 2, 3) ORDER BY m.name, p.cid"
    ))
    .load(conn)
}

/// The foreign keys of every user table, by table, key and position.
pub(super) fn foreign_keys(conn: &mut SqliteConnection) -> QueryResult<Vec<ForeignKeyRow>> {
    diesel::sql_query(format!(
        "SELECT m.name AS tbl, f.id AS id, f.\"table\" AS ref_table, f.\"from\" AS from_col, \
         f.\"to\" AS to_col, f.on_update AS on_update, f.on_delete AS on_delete \
         FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f \
         WHERE {TABLES} ORDER BY m.name, f.id, f.seq"
    ))
    .load(conn)
}

/// The keys of the indexes `CREATE INDEX` made on user tables (not partial ones), by table,
/// index and position.
pub(super) fn indexes(conn: &mut SqliteConnection) -> QueryResult<Vec<IndexRow>> {
    diesel::sql_query(format!(
        "SELECT m.name AS tbl, il.name AS idx, il.\"unique\" AS is_unique, \
         ii.\"desc\" AS descending, ii.name AS col \
         FROM sqlite_schema AS m, pragma_index_list(m.name) AS il, pragma_index_xinfo(il.name) AS ii \
         WHERE {TABLES} AND il.origin = 'c' AND il.partial = 0 AND ii.key = 1 \
         ORDER BY m.name, il.name, ii.seqno"
    ))
    .load(conn)
}

/// The tables' own text (for the clauses the model cannot say) and everything else attached
/// to a table that a rebuild would otherwise lose: indexes, triggers, views.
pub(super) fn attached(conn: &mut SqliteConnection) -> QueryResult<Vec<AttachedRow>> {
    diesel::sql_query(
        "SELECT type AS kind, name, tbl_name AS tbl, sql FROM sqlite_schema \
         WHERE type IN ('table', 'index', 'trigger', 'view') AND sql IS NOT NULL \
         ORDER BY tbl_name, type, name",
    )
    .load(conn)
}
