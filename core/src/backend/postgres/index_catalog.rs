//! The catalog query that reads the user tables' indexes (see [`super::introspect`]).
//!
//! Whether an index is one the schema model describes (plain: B-tree, key columns only, default
//! operator classes, collations and order, no predicate, `INCLUDE`, `NULLS NOT DISTINCT` or
//! storage parameters) is decided by comparing `pg_get_indexdef` with the definition a plain
//! index has. `pg_get_indexdef` is the costly part of the query (it looks up each column's
//! default operator class), so it is not asked of every index: indexes of one *shape* (access
//! method, storage parameters, column count, per column: option flags, operator class,
//! collation, and the indexed column's type, collation and operator class options) have the
//! same definition but for their names, so the server spells one index per shape and that
//! decides the others. Only the indexes found not plain (and those an expression or a predicate
//! makes unlike any other) have their own definition read, which introspection keeps verbatim.
//! The shapes' answers are computed once (`OFFSET 0` keeps the planner from inlining them into
//! the join, where it evaluated `pg_get_indexdef` again for every index: half the query's time
//! at 10,000 tables), and each key column's row is looked up by number (`OFFSET 0` again: joined
//! instead, every column of the table was scanned for every index).

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Bool, Integer, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::namespaces::TBL;

#[derive(QueryableByName)]
pub(super) struct IndexRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Text)]
    pub(super) idx: String,
    #[diesel(sql_type = Bool)]
    pub(super) is_unique: bool,
    /// The indexed columns (keys and `INCLUDE`d), in order; expressions left out.
    #[diesel(sql_type = Array<Text>)]
    pub(super) cols: Vec<String>,
    /// `pg_get_indexdef`: the server's own definition, read only when the index is not plain.
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) def: Option<String>,
    /// Whether the definition is exactly what the model's plain index renders.
    #[diesel(sql_type = Bool)]
    pub(super) plain: bool,
    /// Whether a constraint (UNIQUE, EXCLUDE) owns the index: the constraint re-creates it.
    #[diesel(sql_type = Bool)]
    pub(super) owned: bool,
    /// Every column the index uses (keys, expressions, predicate), when it is not plain.
    #[diesel(sql_type = Array<Text>)]
    pub(super) used: Vec<String>,
    /// `pg_index.indisvalid`: false for an index a `CREATE INDEX CONCURRENTLY` left behind
    /// when it failed or was interrupted (it enforces and serves nothing).
    #[diesel(sql_type = Bool)]
    pub(super) valid: bool,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Integer)]
    version: i32,
}

/// The query (`nulls_not_distinct`: the server has `pg_index.indnullsnotdistinct`, PostgreSQL
/// 15 and later).
fn query(user_tables: &str, nulls_not_distinct: bool) -> String {
    let distinct_nulls = if nulls_not_distinct {
        "NOT ix.indnullsnotdistinct"
    } else {
        "true"
    };
    format!(
        "WITH ix AS ( \
           SELECT ix.indexrelid, c.relname AS crel, i.relname AS irel, {TBL} AS tbl, \
                  i.relname::text AS idx, \
                  ix.indisunique AS is_unique, ix.indisvalid AS valid, \
                  ix.indexprs IS NULL AS no_exprs, COALESCE(k.cols, '{{}}') AS cols, \
                  format('CREATE %sINDEX %s ON %s USING btree (%s)', \
                         CASE WHEN ix.indisunique THEN 'UNIQUE ' ELSE '' END, \
                         quote_ident(i.relname), \
                         quote_ident(n.nspname) || '.' || quote_ident(c.relname), k.qcols) AS plain_def, \
                  CASE WHEN i.relkind = 'i' AND ix.indexprs IS NULL AND ix.indpred IS NULL \
                            AND {distinct_nulls} \
                       THEN concat_ws('|', i.relam, i.reloptions::text, ix.indnatts, ix.indnkeyatts, \
                                      ix.indoption::text, ix.indclass::text, ix.indcollation::text, \
                                      k.shape) END AS shape \
           FROM pg_index ix \
           JOIN pg_class c ON c.oid = ix.indrelid \
           JOIN pg_class i ON i.oid = ix.indexrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN LATERAL ( \
             SELECT array_agg(a.attname::text ORDER BY ia.attnum) AS cols, \
                    string_agg(quote_ident(a.attname), ', ' ORDER BY ia.attnum) AS qcols, \
                    string_agg(concat_ws(':', a.atttypid, a.attcollation, ia.attoptions::text), ',' \
                               ORDER BY ia.attnum) AS shape \
             FROM pg_attribute ia \
             CROSS JOIN LATERAL (SELECT a.attname, a.atttypid, a.attcollation FROM pg_attribute a \
                                 WHERE a.attrelid = ix.indrelid \
                                   AND a.attnum = ix.indkey[ia.attnum - 1] OFFSET 0) a \
             WHERE ia.attrelid = ix.indexrelid AND ia.attnum > 0) k ON true \
           WHERE {user_tables} AND NOT ix.indisprimary \
         ), shapes AS ( \
           SELECT shape, pg_get_indexdef(indexrelid) = plain_def AS plain \
           FROM (SELECT DISTINCT ON (shape) shape, indexrelid, plain_def FROM ix \
                 WHERE shape IS NOT NULL ORDER BY shape, indexrelid) one \
           OFFSET 0 \
         ), decided AS ( \
           SELECT ix.*, s.plain AS shape_plain, \
                  CASE WHEN s.plain THEN NULL ELSE pg_get_indexdef(ix.indexrelid) END AS def \
           FROM ix LEFT JOIN shapes s ON s.shape = ix.shape \
           OFFSET 0 \
         ), judged AS ( \
           SELECT d.*, COALESCE(shape_plain, no_exprs AND def = plain_def) AS plain FROM decided d \
         ) \
         SELECT tbl, idx, is_unique, cols, CASE WHEN plain THEN NULL ELSE def END AS def, plain, \
                EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = j.indexrelid \
                        AND con.contype IN ('u', 'x', 'p')) AS owned, \
                CASE WHEN plain THEN '{{}}' ELSE \
                ARRAY(SELECT DISTINCT a.attname::text FROM pg_depend dep \
                      JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid \
                      WHERE dep.classid = 'pg_class'::regclass AND dep.objid = j.indexrelid \
                        AND dep.refclassid = 'pg_class'::regclass AND dep.refobjsubid > 0 \
                      ORDER BY 1) END AS used, \
                valid \
         FROM judged j \
         ORDER BY crel, irel"
    )
}

/// The indexes (primary keys' aside) of the tables `user_tables` selects, by table and name.
pub(super) fn indexes(
    conn: &mut PgConnection,
    user_tables: &str,
) -> diesel::QueryResult<Vec<IndexRow>> {
    let Version { version } =
        diesel::sql_query("SELECT current_setting('server_version_num')::int AS version")
            .get_result(conn)?;
    diesel::sql_query(query(user_tables, version >= 150000)).load(conn)
}
