//! The sequences of a table's columns, kept as statements in [`crate::schema::Table::unmodeled`]:
//! serial columns' own sequences (the dialect leaves `nextval` defaults out of the model),
//! identity sequences with options of their own, sequences a column owns without a default,
//! and `nextval` defaults on a sequence no column owns. One catalog query.

use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};

use super::catalog::DEFAULT_EXPR;
use super::namespaces::{QSEQ, QTBL, TBL};

/// A sequence owned by a column (serial), with the SQL that re-creates it.
#[derive(QueryableByName)]
pub(super) struct SequenceRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Text)]
    pub(super) col: String,
    /// `a`: a serial column's own sequence; `o`: a sequence a column owns, its default
    /// dropped; `i`: an identity's sequence with its options; `d`: a `nextval` default on a
    /// sequence no column owns.
    #[diesel(sql_type = Text)]
    pub(super) kind: String,
    #[diesel(sql_type = Text)]
    pub(super) def: String,
}

/// The sequences of the columns of the tables `user_tables` selects, by table and column.
pub(super) fn sequences(
    conn: &mut PgConnection,
    user_tables: &str,
) -> diesel::QueryResult<Vec<SequenceRow>> {
    // Sequences owned by a column (serial): re-created with their options, owner and default.
    // Identity sequences (deptype 'i') only when their options are not the defaults the
    // IDENTITY clause gives them.
    // A `nextval` default on a sequence no column owns (`d`): the dialect leaves `nextval`
    // defaults out of the model (they are serials'), so it is kept as a statement.
    // A sequence a column owns without taking its values (`o`: the default was dropped) is
    // kept too.
    let not_nextval = format!("COALESCE({DEFAULT_EXPR}, '') NOT LIKE 'nextval(%'");
    diesel::sql_query(format!(
        "SELECT tbl, col, kind, def FROM ( \
         SELECT c.relname AS rel, a.attnum AS num, \
                {TBL} AS tbl, a.attname::text AS col, \
                CASE WHEN dep.deptype = 'a' AND {not_nextval} THEN 'o' \
                     ELSE dep.deptype::text END AS kind, \
                CASE dep.deptype WHEN 'a' THEN \
                format('CREATE SEQUENCE %s AS %s START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s;\n\
                        ALTER SEQUENCE %s OWNED BY %s.%s', \
                       {QSEQ}, format_type(sq.seqtypid, NULL), sq.seqstart, \
                       sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, \
                       CASE WHEN sq.seqcycle THEN ' CYCLE' ELSE '' END, \
                       {QSEQ}, {QTBL}, quote_ident(a.attname)) \
                || CASE WHEN {not_nextval} THEN '' \
                        ELSE format(';\nALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', \
                                    {QTBL}, quote_ident(a.attname), \
                                    {DEFAULT_EXPR}) END \
                ELSE \
                format('ALTER TABLE %s ALTER COLUMN %s SET START WITH %s SET INCREMENT BY %s \
                        SET MINVALUE %s SET MAXVALUE %s SET CACHE %s SET %sCYCLE', \
                       {QTBL}, quote_ident(a.attname), sq.seqstart, \
                       sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, \
                       CASE WHEN sq.seqcycle THEN '' ELSE 'NO ' END) \
                END AS def \
         FROM pg_depend dep \
         JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S' \
         JOIN pg_sequence sq ON sq.seqrelid = s.oid \
         JOIN pg_class c ON c.oid = dep.refobjid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = dep.refobjsubid \
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum \
         WHERE {user_tables} AND dep.classid = 'pg_class'::regclass \
               AND dep.refclassid = 'pg_class'::regclass \
               AND (dep.deptype = 'a' \
                    OR (dep.deptype = 'i' AND NOT (sq.seqstart = 1 AND sq.seqincrement = 1 \
                        AND sq.seqmin = 1 AND sq.seqcache = 1 AND NOT sq.seqcycle \
                        AND sq.seqmax = CASE sq.seqtypid WHEN 'int2'::regtype THEN 32767 \
                            WHEN 'int4'::regtype THEN 2147483647 ELSE 9223372036854775807 END))) \
         UNION ALL \
         SELECT c.relname, a.attnum, {TBL}, a.attname::text, 'd', \
                format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', {QTBL}, \
                       quote_ident(a.attname), {DEFAULT_EXPR}) \
         FROM pg_attrdef d \
         JOIN pg_class c ON c.oid = d.adrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.adnum \
         WHERE {user_tables} AND {DEFAULT_EXPR} LIKE 'nextval(%' \
               AND NOT EXISTS (SELECT 1 FROM pg_depend dep \
                               JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S' \
                               WHERE dep.classid = 'pg_class'::regclass \
                                 AND dep.refclassid = 'pg_class'::regclass \
                                 AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum \
                                 AND dep.deptype = 'a') \
         ) s ORDER BY rel, num, kind"
    ))
    .load(conn)
}
