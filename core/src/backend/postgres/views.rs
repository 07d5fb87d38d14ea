//! PostgreSQL's own text of the models' views: what `pg_get_viewdef` will say of them once they
//! exist, so that the diff compares like with like (`check` is clean after an upgrade, and a
//! change of spacing or case in the model's query is no change).
//!
//! In one transaction that is always rolled back: the enum types the models use that do not
//! exist yet, a TEMP table per model table (its columns and types only) under the table's own
//! name (TEMP relations come first in the search path, so the views read the tables as the
//! models will have them, new columns included), a TEMP view per model view in creation order
//! (a materialized one as a plain view: `pg_get_viewdef` deparses both alike), then one query
//! reading every definition and column back. The statements are fixed whatever the number of
//! views but for one `CREATE TEMP VIEW` each, so that a query PostgreSQL rejects is named.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::normalize::{enum_prelude, rolled_back, temp_type, NormalizeError};
use crate::dialect::{Dialect, Postgres};
use crate::schema::{bare_name, Column, Schema, SqlType};

#[derive(QueryableByName)]
struct ViewRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Array<Text>)]
    cols: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    types: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    needs: Vec<String>,
}

/// The TEMP tables standing for the model tables of the default schema.
pub(super) fn temp_tables(target: &Schema) -> String {
    let mut out = enum_prelude(target);
    for table in target.tables.values() {
        if crate::schema::split_qualified(&table.name).0.is_some() {
            continue;
        }
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("{} {}", Postgres.quote(&c.name), temp_type(c)))
            .collect();
        out.push_str(&format!(
            "CREATE TEMP TABLE {} ({});\n",
            Postgres.quote(&table.name),
            columns.join(", ")
        ));
    }
    out
}

const SELECT: &str = "SELECT c.relname::text AS name, pg_get_viewdef(c.oid) AS def, \
       ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid \
             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS cols, \
       ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum) AS types, \
       ARRAY(SELECT DISTINCT dv.relname::text FROM pg_rewrite r \
             JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid \
             JOIN pg_class dv ON dv.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass \
             WHERE r.ev_class = c.oid AND dv.relkind = 'v' AND dv.oid <> c.oid \
               AND dv.relnamespace = pg_my_temp_schema() ORDER BY 1) AS needs \
     FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'v'";

/// Replaces each model view's definition and columns with PostgreSQL's.
pub(super) fn normalize_views(
    conn: &mut PgConnection,
    target: &mut Schema,
) -> Result<(), NormalizeError> {
    if target.views.is_empty() {
        return Ok(());
    }
    let order: Vec<String> = crate::diff::views::creation_order(target)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let tables = temp_tables(target);
    let mut failed: Option<(String, String)> = None;
    let rows = rolled_back(conn, |c| {
        c.batch_execute(&tables)?;
        for name in &order {
            let view = &target.views[name];
            let sql = format!(
                "CREATE TEMP VIEW {} AS {}",
                Postgres.quote(bare_name(name)),
                view.sql
            );
            if let Err(e) = c.batch_execute(&sql) {
                failed = Some((name.clone(), e.to_string()));
                return Err(e);
            }
        }
        diesel::sql_query(SELECT).load::<ViewRow>(c)
    });
    let rows = match (rows, failed) {
        (Ok(rows), _) => rows,
        (Err(_), Some((name, message))) => {
            let view = &target.views[&name];
            return Err(NormalizeError::View {
                name,
                sql: view.sql.clone(),
                message,
            });
        }
        (Err(e), None) => return Err(NormalizeError::Query(e)),
    };
    // The TEMP views are named by their bare names: back to the models' keys.
    let keys: Vec<(String, String)> = target
        .views
        .keys()
        .map(|k| (bare_name(k).to_owned(), k.clone()))
        .collect();
    for row in rows {
        let Some(view) = target
            .views
            .values_mut()
            .find(|v| bare_name(&v.name) == row.name)
        else {
            continue;
        };
        view.needs = row
            .needs
            .iter()
            .filter_map(|n| keys.iter().find(|(b, _)| b == n).map(|(_, k)| k.clone()))
            .collect();
        view.definition = crate::schema::trim_query(&row.def);
        view.columns = row
            .cols
            .into_iter()
            .zip(row.types)
            .map(|(name, ty)| Column::new(name, SqlType::parse(&ty), true))
            .collect();
    }
    Ok(())
}
