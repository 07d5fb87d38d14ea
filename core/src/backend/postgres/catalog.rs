//! The catalog queries of PostgreSQL introspection, one function per query, each returning the
//! typed rows of its query; [`super::introspect`] assembles them into a schema. The tables are
//! those `user_tables` selects ([`super::namespaces::user_tables`]): the number of queries does
//! not depend on how many there are.

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Bool, Nullable, SmallInt, Text};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::namespaces::{user_relations, user_tables_as, QTBL, TBL};

/// `pg_get_expr` of the default or generation expression of `pg_attrdef` row `d`. Given its
/// table, `pg_get_expr` opens the relation to name its columns (a few microseconds each: most
/// of the columns' query's time at 10,000 tables, and as much again where the sequences' query
/// looks for `nextval` defaults); an expression that names no column (no `{VAR` node in its
/// tree: defaults never do, generation expressions may) is spelled the same without it.
pub(super) const DEFAULT_EXPR: &str = "(CASE WHEN d.adbin::text LIKE '%{VAR %' \
     THEN pg_get_expr(d.adbin, d.adrelid) ELSE pg_get_expr(d.adbin, 0) END)";

/// A column of a table (or, for a table without columns, all NULL but `tbl`).
#[derive(QueryableByName)]
pub(super) struct ColumnRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) name: Option<String>,
    /// `pg_attribute.attnum`, by which constraints name their columns.
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub(super) num: Option<i16>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) ty: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub(super) notnull: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) dflt: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) identity: Option<String>,
    /// `s` for a stored generated column, whose expression `dflt` holds.
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) generated: Option<String>,
    /// The name of the column's type when it is an enum type of the current schema.
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) enum_ty: Option<String>,
}

/// An enum type of the current schema and its labels, in order.
#[derive(QueryableByName)]
pub(super) struct EnumRow {
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    #[diesel(sql_type = Array<Text>)]
    pub(super) labels: Vec<String>,
}

/// A constraint of a table: `kind` is `pg_constraint.contype` (`p`, `f`, `u`, `c`, `x`).
#[derive(QueryableByName)]
pub(super) struct ConstraintRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    #[diesel(sql_type = Text)]
    pub(super) kind: String,
    /// The constrained columns' numbers (`conkey`; 0 for an expression of an exclusion
    /// constraint), named from the columns' query ([`ColumnRow::num`]).
    #[diesel(sql_type = Array<SmallInt>)]
    pub(super) keys: Vec<i16>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) ref_table: Option<String>,
    /// A foreign key's referenced columns' numbers (`confkey`).
    #[diesel(sql_type = Array<SmallInt>)]
    pub(super) ref_keys: Vec<i16>,
    /// A foreign key's referenced columns' names when the referenced table is none of the
    /// tables read (whose columns would name them).
    #[diesel(sql_type = Nullable<Array<Text>>)]
    pub(super) ref_names: Option<Vec<String>>,
    #[diesel(sql_type = Text)]
    pub(super) on_delete: String,
    #[diesel(sql_type = Text)]
    pub(super) on_update: String,
    /// `pg_get_constraintdef`, for constraints kept verbatim (empty for primary keys and the
    /// foreign keys the model describes: the costly part of the query, not asked of them).
    #[diesel(sql_type = Text)]
    pub(super) def: String,
    /// `pg_constraint.condeferrable` and `condeferred`.
    #[diesel(sql_type = Bool)]
    pub(super) deferrable: bool,
    #[diesel(sql_type = Bool)]
    pub(super) deferred: bool,
    /// `pg_constraint.convalidated`: false for a constraint added `NOT VALID` and not
    /// validated since (the rows already there were never checked).
    #[diesel(sql_type = Bool)]
    pub(super) validated: bool,
}

/// A trigger, comment or owned sequence: SQL that re-creates it, for
/// [`Table::unmodeled`](crate::schema::Table::unmodeled).
#[derive(QueryableByName)]
pub(super) struct DefinitionRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Text)]
    pub(super) def: String,
}

/// A comment: a table's or a column's own text (`kind` 0), or the statement that re-creates
/// any other.
#[derive(QueryableByName)]
pub(super) struct CommentRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub(super) kind: i32,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) col: Option<String>,
    #[diesel(sql_type = Text)]
    pub(super) def: String,
}

/// A view, materialized view or foreign table of the migrated schemas; a view's definition
/// (`pg_get_viewdef`) and columns (names and `format_type` types, in order).
#[derive(QueryableByName)]
pub(super) struct RelationRow {
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    #[diesel(sql_type = Text)]
    pub(super) kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) def: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    pub(super) cols: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    pub(super) types: Vec<String>,
    /// A materialized view's indexes (`pg_get_indexdef`), by name.
    #[diesel(sql_type = Array<Text>)]
    pub(super) idx: Vec<String>,
    /// A view's triggers (`pg_get_triggerdef`), by name.
    #[diesel(sql_type = Array<Text>)]
    pub(super) trg: Vec<String>,
    /// The views a view reads (`pg_depend`), keyed like tables.
    #[diesel(sql_type = Array<Text>)]
    pub(super) needs: Vec<String>,
}

/// A view, materialized view, rule or trigger that depends on a table or a column.
#[derive(QueryableByName)]
pub(super) struct DependentRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) col: Option<String>,
    #[diesel(sql_type = Text)]
    pub(super) kind: String,
    #[diesel(sql_type = Text)]
    pub(super) name: String,
}

/// The columns of the tables `user_tables` selects (see [`super::namespaces::user_tables`]), by table and
/// position; a table without columns has one all-NULL row.
pub(super) fn columns(conn: &mut PgConnection, user_tables: &str) -> QueryResult<Vec<ColumnRow>> {
    diesel::sql_query(format!(
        "SELECT {TBL} AS tbl, a.attname::text AS name, a.attnum AS num, \
                format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS notnull, \
                {DEFAULT_EXPR} AS dflt, a.attidentity::text AS identity, \
                a.attgenerated::text AS generated, \
                CASE WHEN ty.typtype = 'e' AND ty.typnamespace = current_schema()::text::regnamespace THEN ty.typname::text END AS enum_ty \
         FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_type ty ON ty.oid = a.atttypid \
         WHERE {user_tables} \
         ORDER BY c.relname, a.attnum"
    ))
    .load(conn)
}

/// The primary keys, foreign keys, unique, check and exclusion constraints of the tables
/// `user_tables` selects (the table's own, not inherited ones), by table and name.
///
/// The columns are given by number (`conkey`, `confkey`) and named from the columns' query
/// ([`super::introspect`]): looked up here, one subquery per constraint and side, they were
/// two thirds of the query's time at 10,000 tables. Only a foreign key to a table not read
/// (another schema's) has its referenced columns named here (`referenced_read`: the
/// condition [`super::namespaces::user_tables_as`] `rc`, `rn` gives).
pub(super) fn constraints(
    conn: &mut PgConnection,
    user_tables: &str,
    schemas: &[String],
) -> QueryResult<Vec<ConstraintRow>> {
    let referenced_read = user_tables_as(schemas, "rc", "rn");
    diesel::sql_query(format!(
        "SELECT {TBL} AS tbl, con.conname::text AS name, con.contype::text AS kind, \
                COALESCE(con.conkey, '{{}}') AS keys, \
                CASE WHEN rn.nspname = current_schema() THEN rc.relname::text \
                     ELSE rn.nspname::text || '.' || rc.relname::text END AS ref_table, \
                COALESCE(con.confkey, '{{}}') AS ref_keys, \
                CASE WHEN con.contype = 'f' AND NOT ({referenced_read}) THEN \
                ARRAY(SELECT (SELECT a.attname::text FROM pg_attribute a \
                              WHERE a.attrelid = con.confrelid AND a.attnum = k.num) \
                      FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord) ORDER BY k.ord) \
                END AS ref_names, \
                con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update, \
                CASE WHEN con.contype = 'p' OR (con.contype = 'f' AND con.convalidated \
                          AND con.confmatchtype <> 'f') THEN '' \
                     ELSE pg_get_constraintdef(con.oid) END AS def, \
                con.convalidated AS validated, con.condeferrable AS deferrable, \
                con.condeferred AS deferred \
         FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_class rc ON rc.oid = con.confrelid \
         LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
         WHERE {user_tables} AND con.contype IN ('p', 'f', 'u', 'c', 'x') AND con.conislocal \
         ORDER BY c.relname, con.conname"
    ))
    .load(conn)
}

/// The user triggers of the tables `user_tables` selects, as `pg_get_triggerdef` defines
/// them, by table and name.
pub(super) fn triggers(
    conn: &mut PgConnection,
    user_tables: &str,
) -> QueryResult<Vec<DefinitionRow>> {
    diesel::sql_query(format!(
        "SELECT {TBL} AS tbl, pg_get_triggerdef(t.oid) AS def \
         FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {user_tables} AND NOT t.tgisinternal \
         ORDER BY c.relname, t.tgname"
    ))
    .load(conn)
}

/// Comments on the tables `user_tables` selects, their columns, constraints, indexes and
/// triggers. The table's and a column's comment are theirs (`kind` 0, `col` set for a column,
/// `def` the text); the others are statements that re-create them.
pub(super) fn comments(conn: &mut PgConnection, user_tables: &str) -> QueryResult<Vec<CommentRow>> {
    diesel::sql_query(format!(
        "SELECT tbl, kind, col, def FROM ( \
           SELECT {TBL} AS tbl, 0 AS kind, d.objsubid::text AS ord, a.attname::text AS col, \
                  d.description AS def \
           FROM pg_description d \
           JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid \
           WHERE {user_tables} AND (d.objsubid = 0 OR a.attnum IS NOT NULL) \
         UNION ALL \
           SELECT {TBL}, 1, con.conname::text, NULL, \
                  format('COMMENT ON CONSTRAINT %I ON %s IS %L', con.conname, {QTBL}, d.description) \
           FROM pg_description d \
           JOIN pg_constraint con ON con.oid = d.objoid AND d.classoid = 'pg_constraint'::regclass \
           JOIN pg_class c ON c.oid = con.conrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           WHERE {user_tables} \
         UNION ALL \
           SELECT {TBL}, 2, i.relname::text, NULL, \
                  format('COMMENT ON INDEX %s IS %L', CASE WHEN n.nspname = current_schema() \
                         THEN quote_ident(i.relname) \
                         ELSE quote_ident(n.nspname) || '.' || quote_ident(i.relname) END, d.description) \
           FROM pg_description d \
           JOIN pg_class i ON i.oid = d.objoid AND d.classoid = 'pg_class'::regclass AND i.relkind = 'i' \
           JOIN pg_index ix ON ix.indexrelid = i.oid \
           JOIN pg_class c ON c.oid = ix.indrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           WHERE {user_tables} \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.oid) \
         UNION ALL \
           SELECT {TBL}, 3, t.tgname::text, NULL, \
                  format('COMMENT ON TRIGGER %I ON %s IS %L', t.tgname, {QTBL}, d.description) \
           FROM pg_description d \
           JOIN pg_trigger t ON t.oid = d.objoid AND d.classoid = 'pg_trigger'::regclass \
           JOIN pg_class c ON c.oid = t.tgrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           WHERE {user_tables} \
         ) comments ORDER BY tbl, kind, ord"
    ))
    .load(conn)
}

/// The views, materialized views and foreign tables of the default schema and `schemas`: the
/// names no table can have, and the views' definitions and columns.
pub(super) fn occupied(
    conn: &mut PgConnection,
    schemas: &[String],
) -> QueryResult<Vec<RelationRow>> {
    diesel::sql_query(format!(
        "SELECT {TBL} AS name, CASE c.relkind WHEN 'v' THEN 'view' \
                WHEN 'm' THEN 'materialized view' ELSE 'foreign table' END AS kind, \
                CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS def, \
                ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid \
                      AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS cols, \
                ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
                      ORDER BY a.attnum) AS types, \
                ARRAY(SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i \
                      JOIN pg_class ic ON ic.oid = i.indexrelid \
                      WHERE i.indrelid = c.oid AND c.relkind = 'm' ORDER BY ic.relname) AS idx, \
                ARRAY(SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t \
                      WHERE t.tgrelid = c.oid AND NOT t.tgisinternal ORDER BY t.tgname) AS trg, \
                ARRAY(SELECT DISTINCT CASE WHEN dn.nspname = current_schema() THEN dv.relname::text \
                             ELSE dn.nspname::text || '.' || dv.relname::text END \
                      FROM pg_rewrite r \
                      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid \
                      JOIN pg_class dv ON dv.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass \
                      JOIN pg_namespace dn ON dn.oid = dv.relnamespace \
                      WHERE r.ev_class = c.oid AND dv.relkind IN ('v', 'm') AND dv.oid <> c.oid \
                      ORDER BY 1) AS needs \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {} ORDER BY 1",
        user_relations(schemas, "'v', 'm', 'f'")
    ))
    .load(conn)
}

/// What depends on the tables `user_tables` selects and their columns, from `pg_depend`:
/// views, materialized views and rules through their rewrite rules, triggers through their
/// column references.
pub(super) fn dependents(
    conn: &mut PgConnection,
    user_tables: &str,
) -> QueryResult<Vec<DependentRow>> {
    diesel::sql_query(format!(
        "SELECT DISTINCT {TBL} AS tbl, a.attname::text AS col, \
                CASE v.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' \
                               ELSE 'rule' END AS kind, \
                CASE WHEN v.relkind IN ('v', 'm') THEN v.relname::text \
                     ELSE r.rulename::text || ' on ' || v.relname::text END AS name \
         FROM pg_depend dep \
         JOIN pg_rewrite r ON r.oid = dep.objid AND dep.classid = 'pg_rewrite'::regclass \
         JOIN pg_class v ON v.oid = r.ev_class \
         JOIN pg_class c ON c.oid = dep.refobjid AND dep.refclassid = 'pg_class'::regclass \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = dep.refobjsubid \
                                  AND dep.refobjsubid > 0 \
         WHERE {user_tables} AND v.oid <> c.oid \
         UNION \
         SELECT {TBL}, a.attname::text, 'trigger', t.tgname::text || ' on ' || {TBL} \
         FROM pg_depend dep \
         JOIN pg_trigger t ON t.oid = dep.objid AND dep.classid = 'pg_trigger'::regclass \
         JOIN pg_class c ON c.oid = dep.refobjid AND dep.refclassid = 'pg_class'::regclass \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = dep.refobjsubid \
         WHERE {user_tables} AND dep.refobjsubid > 0 AND NOT t.tgisinternal \
         ORDER BY 1, 2, 3, 4"
    ))
    .load(conn)
}

/// The enum types of the current schema with their labels in sort order.
pub(super) fn enums(conn: &mut PgConnection) -> QueryResult<Vec<EnumRow>> {
    diesel::sql_query(
        "SELECT t.typname::text AS name, \
                ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid \
                      ORDER BY e.enumsortorder) AS labels \
         FROM pg_type t \
         JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = current_schema() AND t.typtype = 'e' \
         ORDER BY 1",
    )
    .load(conn)
}
