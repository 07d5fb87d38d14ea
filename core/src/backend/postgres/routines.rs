//! PostgreSQL's functions and triggers: every function and procedure of the migrated schemas
//! as the catalog defines it (`pg_get_functiondef`, one catalog query), and the server's own
//! text of the ones the models declare, so that the diff compares like with like (`check` is
//! clean after an upgrade; a change of spacing, keyword case or comments is no change).
//!
//! The models' functions and triggers are normalised in one transaction that is always rolled
//! back, after the TEMP tables standing for the model tables ([`super::views::temp_tables`]):
//! each declared function is created in the session's temporary schema (`pg_temp.name`, with
//! `check_function_bodies` off, so that a SQL function may read a table the models add), each
//! declared trigger on the TEMP table of its table, executing the temporary function when the
//! models declare the one it names; then one query reads back `pg_get_functiondef`,
//! `pg_get_triggerdef` and each function's signature and interface, and the temporary schema's
//! name is replaced with the name the object will have. One statement per object plus a fixed
//! few, so that a statement PostgreSQL rejects is named.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::{Bool, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::normalize::{rolled_back, NormalizeError};
use crate::dialect::{Dialect, Postgres};
use crate::schema::{bare_name, split_qualified, Function, Schema};

#[derive(QueryableByName)]
pub(super) struct FunctionRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    args: String,
    #[diesel(sql_type = Bool)]
    procedure: bool,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Text)]
    interface: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    comment: Option<String>,
    /// What depends on it (`pg_depend`): `kind<TAB>name<TAB>table[<TAB>column]`.
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    used_by: Vec<String>,
}

/// The columns every function query reads, `{name}` being the function's key expression.
const FUNCTION_COLUMNS: &str = "oidvectortypes(p.proargtypes) AS args, p.prokind = 'p' AS procedure, \
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

#[derive(QueryableByName)]
struct TriggerRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    def: String,
}

#[derive(QueryableByName)]
struct Names {
    #[diesel(sql_type = Text)]
    temp: String,
    #[diesel(sql_type = Text)]
    current: String,
}

/// Statements creating each function the models declare, where the database has none of that
/// signature (an existing one serves: same name and arguments), with `check_function_bodies`
/// off for the rest of the transaction (a SQL function may read a table the models add): the
/// models' defaults, checks and index expressions may call them. For a normalisation batch,
/// whose transaction is always rolled back.
pub(super) fn function_prelude(target: &Schema) -> Option<String> {
    if target.functions.is_empty() {
        return None;
    }
    let mut out = String::from("SET LOCAL check_function_bodies = off;\n");
    for f in target.functions.values() {
        let sql = f.sql.replace('\'', "''");
        out.push_str(&format!(
            "DO $retort$ BEGIN EXECUTE '{sql}'; \
             EXCEPTION WHEN duplicate_function THEN NULL; END $retort$;\n"
        ));
    }
    Some(out)
}

/// Replaces each declared function's signature, definition and interface, and each declared
/// trigger's comparison key, with what PostgreSQL makes of them.
pub(super) fn normalize_routines(
    conn: &mut PgConnection,
    target: &mut Schema,
) -> Result<(), NormalizeError> {
    let triggers: Vec<(String, usize)> = target
        .tables
        .values()
        .filter(|t| split_qualified(&t.name).0.is_none())
        .flat_map(|t| {
            t.unmodeled
                .iter()
                .enumerate()
                .filter(|(_, k)| crate::diff::routines::is_declared_trigger(k))
                .map(|(i, _)| (t.name.clone(), i))
        })
        .collect();
    if target.functions.is_empty() && triggers.is_empty() {
        return Ok(());
    }
    let declared: Vec<&str> = target
        .functions
        .values()
        .map(|f| bare_name(&f.name))
        .collect();
    let mut statements: Vec<(String, String, String)> = Vec::new(); // (what, sql as run, sql as declared)
    for f in target.functions.values() {
        let h = crate::sql::function_header(&f.sql).expect("read by the registry");
        let temp = format!("pg_temp.{}", Postgres.quote(&h.name));
        statements.push((
            format!("{} `{}`", f.kind(), f.key()),
            crate::sql::replace_span(&f.sql, h.name_span, &temp),
            f.sql.clone(),
        ));
    }
    for (table, i) in &triggers {
        let k = &target.tables[table].unmodeled[*i];
        let h = crate::sql::trigger_header(k.sql()).expect("read by the registry");
        let mut sql = k.sql().to_owned();
        // The function first: it comes after the table in the statement.
        if let Some((f, span)) = &h.function {
            if split_qualified(f).0.is_none() && declared.contains(&f.as_str()) {
                sql = crate::sql::replace_span(
                    &sql,
                    *span,
                    &format!("pg_temp.{}", Postgres.quote(f)),
                );
            }
        }
        sql = crate::sql::replace_span(&sql, h.table_span, &Postgres.quote(table));
        statements.push((
            format!("trigger `{}` on `{table}`", h.name),
            sql,
            k.sql().to_owned(),
        ));
    }
    let tables = super::views::temp_tables(target);
    let mut failed: Option<(String, String, String)> = None;
    let read = rolled_back(conn, |c| {
        c.batch_execute("SET LOCAL check_function_bodies = off")?;
        c.batch_execute(&tables)?;
        for (what, sql, declared) in &statements {
            if let Err(e) = c.batch_execute(sql) {
                failed = Some((what.clone(), declared.clone(), e.to_string()));
                return Err(e);
            }
        }
        let names: Names = diesel::sql_query(
            "SELECT pg_my_temp_schema()::regnamespace::text AS temp, current_schema()::text AS current",
        )
        .get_result(c)?;
        let functions: Vec<FunctionRow> = diesel::sql_query(format!(
            "SELECT p.proname::text AS name, {FUNCTION_COLUMNS} FROM pg_proc p \
             WHERE p.pronamespace = pg_my_temp_schema() ORDER BY 1, 2"
        ))
        .load(c)?;
        let triggers: Vec<TriggerRow> = diesel::sql_query(
            "SELECT c.relname::text AS tbl, pg_get_triggerdef(t.oid) AS def \
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE c.relnamespace = pg_my_temp_schema() AND NOT t.tgisinternal ORDER BY 1, 2",
        )
        .load(c)?;
        Ok((names, functions, triggers))
    });
    let (names, functions, trigger_rows) = match (read, failed) {
        (Ok(read), _) => read,
        (Err(_), Some((what, sql, message))) => {
            return Err(NormalizeError::Declared { what, sql, message })
        }
        (Err(e), None) => return Err(NormalizeError::Query(e)),
    };
    let temp = format!("{}.", names.temp);
    let current = format!("{}.", Postgres.quote(&names.current));
    // Functions: matched by name and position among those of the name (declaration order).
    let old = std::mem::take(&mut target.functions);
    for mut f in old.into_values() {
        let bare = bare_name(&f.name).to_owned();
        // `public.f` names the function `f` of the default schema, keyed as the catalog's are.
        if split_qualified(&f.name).0 == Some(names.current.as_str()) {
            f.name = bare.clone();
        }
        let schema = split_qualified(&f.name)
            .0
            .map_or_else(|| current.clone(), |s| format!("{}.", Postgres.quote(s)));
        if let Some(row) = functions
            .iter()
            .find(|r| r.name == bare && crate::sql::comparable(&r.args) == f.args)
            .or_else(|| functions.iter().find(|r| r.name == bare))
        {
            let def = crate::schema::trim_query(&row.def)
                .replace(&temp, &schema)
                .replace("pg_temp.", &schema);
            f.definition = crate::sql::routine_comparable(&def);
            f.args = row.args.clone();
            f.interface = row.interface.clone();
        }
        target.functions.insert(f.key(), f);
    }
    // Triggers: by table and name.
    for row in trigger_rows {
        let Some(h) = crate::sql::trigger_header(&row.def) else {
            continue;
        };
        // PostgreSQL writes the session's temporary schema as `pg_temp` or by its name.
        let mut def = row.def.clone();
        for t in [temp.as_str(), "pg_temp."] {
            // The function first: `FUNCTION pg_temp.` ends in `ON pg_temp.`.
            def = def
                .replace(&format!("FUNCTION {t}"), "FUNCTION ")
                .replace(&format!(" ON {t}"), &format!(" ON {current}"));
        }
        if let Some(t) = target.tables.get_mut(&row.tbl) {
            if let Some(k) = t.unmodeled.iter_mut().find(|k| {
                crate::diff::routines::is_declared_trigger(k)
                    && k.trigger_name() == Some(h.name.as_str())
            }) {
                *k = k.with_key(crate::sql::routine_comparable(&def));
            }
        }
    }
    Ok(())
}
