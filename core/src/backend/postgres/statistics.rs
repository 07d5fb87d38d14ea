//! Extended statistics (`CREATE STATISTICS`): kept as definitions of their table, like its
//! triggers. The models do not own them, so a diff never drops one; a dropped table is
//! re-created with them, and a baseline creates them. One catalog query.

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::namespaces::TBL;

/// A statistics object of a user table: the SQL that re-creates it (with its statistics target
/// and comment) and the columns it uses.
#[derive(QueryableByName)]
pub(super) struct StatisticsRow {
    #[diesel(sql_type = Text)]
    pub(super) tbl: String,
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    #[diesel(sql_type = Text)]
    pub(super) def: String,
    /// Every column it uses, from `pg_depend`: PostgreSQL drops the object with any of them.
    #[diesel(sql_type = Array<Text>)]
    pub(super) used: Vec<String>,
}

/// The statistics objects on the tables `user_tables` selects (see
/// [`super::namespaces::user_tables`]), by table and name.
pub(super) fn statistics(
    conn: &mut PgConnection,
    user_tables: &str,
) -> diesel::QueryResult<Vec<StatisticsRow>> {
    // The object's own name, qualified as pg_get_statisticsobjdef qualifies it.
    const QSTAT: &str = "quote_ident(sn.nspname) || '.' || quote_ident(s.stxname)";
    diesel::sql_query(format!(
        "SELECT {TBL} AS tbl, s.stxname::text AS name, \
                pg_get_statisticsobjdef(s.oid) \
                || CASE WHEN s.stxstattarget >= 0 \
                        THEN format(E';\\nALTER STATISTICS %s SET STATISTICS %s', {QSTAT}, \
                                    s.stxstattarget) ELSE '' END \
                || COALESCE((SELECT format(E';\\nCOMMENT ON STATISTICS %s IS %L', {QSTAT}, \
                                           d.description) \
                             FROM pg_description d WHERE d.objoid = s.oid \
                             AND d.classoid = 'pg_statistic_ext'::regclass), '') AS def, \
                ARRAY(SELECT DISTINCT a.attname::text FROM pg_depend dep \
                      JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid \
                      WHERE dep.classid = 'pg_statistic_ext'::regclass AND dep.objid = s.oid \
                        AND dep.refclassid = 'pg_class'::regclass AND dep.refobjsubid > 0 \
                      ORDER BY 1) AS used \
         FROM pg_statistic_ext s \
         JOIN pg_namespace sn ON sn.oid = s.stxnamespace \
         JOIN pg_class c ON c.oid = s.stxrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {user_tables} \
         ORDER BY c.relname, s.stxname"
    ))
    .load(conn)
}
