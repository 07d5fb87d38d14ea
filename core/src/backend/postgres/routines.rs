//! PostgreSQL's functions and triggers: every function and procedure of the migrated schemas
//! as the catalog defines it (`pg_get_functiondef`, one catalog query), and the server's own
//! text of the ones the models declare, so that the diff compares like with like (`check` is
//! clean after an upgrade; a change of spacing, keyword case or comments is no change).
//!
//! The models' functions and triggers are normalised by the server in [`super::declared`].

use diesel::pg::PgConnection;
use diesel::sql_types::{Bool, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::schema::Function;

#[derive(QueryableByName)]
pub(super) struct FunctionRow {
    #[diesel(sql_type = Text)]
    pub(super) name: String,
    #[diesel(sql_type = Text)]
    pub(super) args: String,
    #[diesel(sql_type = Bool)]
    procedure: bool,
    #[diesel(sql_type = Text)]
    pub(super) def: String,
    #[diesel(sql_type = Text)]
    pub(super) interface: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    comment: Option<String>,
    /// What depends on it (`pg_depend`): `kind<TAB>name<TAB>table[<TAB>column]`.
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    used_by: Vec<String>,
}

/// The columns every function query reads, `{name}` being the function's key expression.
pub(super) const FUNCTION_COLUMNS: &str = "oidvectortypes(p.proargtypes) AS args, p.prokind = 'p' AS procedure, \
     pg_get_functiondef(p.oid) AS def, \
     coalesce(pg_get_function_result(p.oid), '') || ' (' || pg_get_function_arguments(p.oid) || ')' \
       AS interface, obj_description(p.oid, 'pg_proc') AS comment, \
     ARRAY(SELECT DISTINCT concat_ws(chr(9), x.kind, x.name, x.tbl, x.col) FROM pg_depend d \
       CROSS JOIN LATERAL ( \
         SELECT 'view' AS kind, v.relname::text AS name, v.relname::text AS tbl, NULL::text AS col \
           FROM pg_rewrite r JOIN pg_class v ON v.oid = r.ev_class \
           WHERE d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid \
         UNION ALL SELECT 'trigger', t.tgname::text, c.relname::text, NULL \
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
           WHERE d.classid = 'pg_trigger'::regclass AND t.oid = d.objid \
         UNION ALL SELECT 'default', c.relname::text || '.' || a.attname::text, c.relname::text, \
                a.attname::text \
           FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid \
           JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum \
           WHERE d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid \
         UNION ALL SELECT CASE WHEN i.indexrelid IS NOT NULL THEN 'index' ELSE 'column' END, \
                ic.relname::text, coalesce(tc.relname, ic.relname)::text, NULL \
           FROM pg_class ic LEFT JOIN pg_index i ON i.indexrelid = ic.oid \
           LEFT JOIN pg_class tc ON tc.oid = i.indrelid \
           WHERE d.classid = 'pg_class'::regclass AND ic.oid = d.objid \
         UNION ALL SELECT 'constraint', con.conname::text, c.relname::text, NULL \
           FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
           WHERE d.classid = 'pg_constraint'::regclass AND con.oid = d.objid \
       ) x WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid AND d.deptype = 'n' \
       ORDER BY 1) AS used_by";

/// Every function and procedure (not an aggregate or window function, not an extension's) of
/// the current schema and of `schemas`, keyed like tables.
pub(super) fn functions(
    conn: &mut PgConnection,
    schemas: &[String],
) -> diesel::QueryResult<Vec<FunctionRow>> {
    let others: Vec<String> = schemas
        .iter()
        .map(|s| format!("'{}'", s.replace('\'', "''")))
        .collect();
    let others = if others.is_empty() {
        String::new()
    } else {
        format!(" OR n.nspname IN ({})", others.join(", "))
    };
    diesel::sql_query(format!(
        "SELECT (CASE WHEN n.nspname = current_schema() THEN p.proname::text \
                 ELSE n.nspname::text || '.' || p.proname::text END) AS name, {FUNCTION_COLUMNS} \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE (n.nspname = current_schema(){others}) AND p.prokind IN ('f', 'p') \
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
                           AND d.objid = p.oid AND d.deptype = 'e') \
         ORDER BY 1, 2"
    ))
    .load(conn)
}

/// The functions of `rows`, by key.
pub(super) fn functions_of(rows: Vec<FunctionRow>) -> std::collections::BTreeMap<String, Function> {
    rows.into_iter()
        .map(|r| {
            let sql = crate::schema::trim_query(&r.def);
            let f = Function {
                definition: crate::sql::routine_comparable(&sql),
                name: r.name,
                args: r.args,
                procedure: r.procedure,
                sql,
                interface: r.interface,
                comment: r.comment,
                used_by: r
                    .used_by
                    .iter()
                    .filter_map(|u| {
                        let mut parts = u.split('\t');
                        let (kind, name, table) = (parts.next()?, parts.next()?, parts.next()?);
                        Some(crate::schema::Dependent {
                            table: table.to_owned(),
                            column: parts.next().map(str::to_owned),
                            kind: kind.to_owned(),
                            name: if kind == "trigger" {
                                format!("{name} on {table}")
                            } else {
                                name.to_owned()
                            },
                            blocks_type_change: false,
                        })
                    })
                    .collect(),
            };
            (f.key(), f)
        })
        .collect()
}
