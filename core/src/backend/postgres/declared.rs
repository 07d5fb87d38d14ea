//! PostgreSQL's own text of the functions and triggers the models declare.
//!
//! In one transaction that is always rolled back, after the TEMP tables standing for the model
//! tables ([`super::views::temp_tables`], and one more per table of another schema that has a
//! declared trigger): each declared function is created in the session's temporary schema under
//! a name of its own (`pg_temp.__retort_fn_N`: overloads stay apart), with
//! `check_function_bodies` on for PL/pgSQL (its syntax is checked) and for SQL (a syntax error
//! is the declaration's; any other error, which the TEMP tables may cause, is tried again
//! without the check, in a savepoint); each declared trigger on the TEMP table of its
//! table, executing the temporary function when the models declare the one it names. Then one
//! query each reads back `pg_get_functiondef` with the signature and interface, and
//! `pg_get_triggerdef`; the temporary names are replaced with the names the objects will have.
//! One statement per object plus a fixed few, so that a statement PostgreSQL rejects is named.
//!
//! [`function_prelude`] creates the declared functions the database lacks in the other
//! normalisation batches, whose defaults, checks and index expressions may call them.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};

use super::normalize::{rolled_back, temp_type, NormalizeError};
use super::routines::{FunctionRow, FUNCTION_COLUMNS};
use crate::dialect::{Dialect, Postgres};
use crate::schema::{bare_name, split_qualified, Function, Schema};

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

/// The temporary name of declared function number `i`.
fn temp_function(i: usize) -> String {
    format!("__retort_fn_{i}")
}

/// The language a `CREATE FUNCTION` statement names, lower case.
fn language(sql: &str) -> Option<String> {
    let words: Vec<String> = crate::sql::routine_comparable(sql)
        .split(' ')
        .map(str::to_owned)
        .collect();
    let at = words.iter().position(|w| w == "language")?;
    words
        .get(at + 1)
        .map(|w| w.trim_matches('\'').trim_matches('"').to_owned())
}

/// Statements creating each function the models declare, where the database has none of that
/// signature (an existing one serves: same name and arguments), in its schema (created if
/// missing), with `check_function_bodies` off for the rest of the transaction (a SQL function
/// may read a table the models add): the models' defaults, checks and index expressions may
/// call them. A statement PostgreSQL rejects raises an error naming the function. For a
/// normalisation batch, whose transaction is always rolled back.
pub(super) fn function_prelude(target: &Schema) -> Option<String> {
    if target.functions.is_empty() {
        return None;
    }
    let mut out = String::from("SET LOCAL check_function_bodies = off;\n");
    let schemas: std::collections::BTreeSet<&str> = target
        .functions
        .values()
        .filter_map(|f| split_qualified(&f.name).0)
        .collect();
    for schema in schemas {
        out.push_str(&format!(
            "CREATE SCHEMA IF NOT EXISTS {};\n",
            Postgres.quote(schema)
        ));
    }
    for f in target.functions.values() {
        let sql = f.sql.replace('\'', "''");
        let what = format!("{} {}", f.kind(), f.key()).replace('\'', "''");
        out.push_str(&format!(
            "DO $retort$ BEGIN EXECUTE '{sql}'; \
             EXCEPTION WHEN duplicate_function THEN NULL; \
             WHEN OTHERS THEN RAISE EXCEPTION 'declared %: %', '{what}', SQLERRM; END $retort$;\n"
        ));
    }
    Some(out)
}

/// One statement of the normalisation: what it creates (for messages), the statement as run,
/// the statement as declared.
struct Statement {
    what: String,
    run: String,
    declared: String,
    /// A SQL function: the statement to run with `check_function_bodies` off when the checked
    /// one fails with anything but a syntax error.
    retry_unchecked: Option<String>,
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
        .flat_map(|t| {
            t.unmodeled
                .iter()
                .enumerate()
                .filter(|(_, k)| crate::diff::routines::is_declared_trigger(k))
                .map(|(i, _)| (t.name.clone(), i))
        })
        .collect();
    // The declared triggers on declared views (`INSTEAD OF`): each on a TEMP view standing for
    // its view, numbered.
    let view_triggers: Vec<(String, usize)> = target
        .views
        .values()
        .flat_map(|v| (0..v.triggers.len()).map(|i| (v.name.clone(), i)))
        .collect();
    if target.functions.is_empty() && triggers.is_empty() && view_triggers.is_empty() {
        return Ok(());
    }
    let functions: Vec<Function> = target.functions.values().cloned().collect();
    let mut statements: Vec<Statement> = Vec::new();
    for (i, f) in functions.iter().enumerate() {
        let h = crate::sql::function_header(&f.sql).expect("read by the registry");
        let run = crate::sql::replace_span(
            &f.sql,
            h.name_span,
            &format!("pg_temp.{}", temp_function(i)),
        );
        // PL/pgSQL's validator checks the body's syntax (not the tables it names); a SQL
        // body is parsed and analysed against the TEMP tables standing for the model tables,
        // and only a syntax error counts: any other error is tried again without the check.
        let sql_body = language(&f.sql).as_deref() == Some("sql");
        let run = if sql_body || language(&f.sql).as_deref() == Some("plpgsql") {
            format!(
                "SET LOCAL check_function_bodies = on;\n{run};\nSET LOCAL check_function_bodies = off"
            )
        } else {
            run
        };
        statements.push(Statement {
            what: format!("{} `{}`", f.kind(), f.key()),
            retry_unchecked: sql_body.then(|| {
                crate::sql::replace_span(
                    &f.sql,
                    h.name_span,
                    &format!("pg_temp.{}", temp_function(i)),
                )
            }),
            run,
            declared: f.sql.clone(),
        });
    }
    // Tables of another schema with a declared trigger: a TEMP table each, numbered.
    let mut others: Vec<String> = Vec::new();
    let mut extra_tables = String::new();
    let mut views: Vec<String> = Vec::new();
    let on_view = view_triggers.iter().map(|(view, i)| {
        let k = &target.views[view].triggers[*i];
        (view, k, true)
    });
    let on_table = triggers.iter().map(|(table, i)| {
        let k = &target.tables[table].unmodeled[*i];
        (table, k, false)
    });
    for (table, k, is_view) in on_table.chain(on_view).collect::<Vec<_>>() {
        let h = crate::sql::trigger_header(k.sql()).expect("read by the registry");
        let mut run = k.sql().to_owned();
        // The function first: it comes after the table in the statement. A trigger function
        // takes no arguments.
        if let Some((f, span)) = &h.function {
            let called = functions.iter().position(|d| {
                bare_name(&d.name) == bare_name(f)
                    && d.args.is_empty()
                    && (split_qualified(f).0.is_none()
                        || split_qualified(f) == split_qualified(&d.name))
            });
            if let Some(n) = called {
                run =
                    crate::sql::replace_span(&run, *span, &format!("pg_temp.{}", temp_function(n)));
            }
        }
        let on = if is_view {
            let n = match views.iter().position(|o| o == table) {
                Some(n) => n,
                None => {
                    views.push(table.clone());
                    let columns: Vec<String> = target.views[table]
                        .columns
                        .iter()
                        .map(|c| format!("NULL::{} AS {}", temp_type(c), Postgres.quote(&c.name)))
                        .collect();
                    extra_tables.push_str(&format!(
                        "CREATE TEMP VIEW __retort_tv_{} AS SELECT {};\n",
                        views.len() - 1,
                        columns.join(", ")
                    ));
                    views.len() - 1
                }
            };
            format!("__retort_tv_{n}")
        } else if split_qualified(table).0.is_none() {
            Postgres.quote(table)
        } else {
            let n = match others.iter().position(|o| o == table) {
                Some(n) => n,
                None => {
                    others.push(table.clone());
                    let columns: Vec<String> = target.tables[table]
                        .columns
                        .iter()
                        .map(|c| format!("{} {}", Postgres.quote(&c.name), temp_type(c)))
                        .collect();
                    extra_tables.push_str(&format!(
                        "CREATE TEMP TABLE __retort_tt_{} ({});\n",
                        others.len() - 1,
                        columns.join(", ")
                    ));
                    others.len() - 1
                }
            };
            format!("__retort_tt_{n}")
        };
        run = crate::sql::replace_span(&run, h.table_span, &on);
        statements.push(Statement {
            what: format!("trigger `{}` on `{table}`", h.name),
            run,
            declared: k.sql().to_owned(),
            retry_unchecked: None,
        });
    }
    let tables = super::views::temp_tables(target);
    let mut failed: Option<(String, String, String)> = None;
    let read = rolled_back(conn, |c| {
        c.batch_execute("SET LOCAL check_function_bodies = off")?;
        for batch in [&tables, &extra_tables] {
            if !batch.is_empty() {
                c.batch_execute(batch)?;
            }
        }
        for s in &statements {
            if s.retry_unchecked.is_some() {
                c.batch_execute("SAVEPOINT retort_checked")?;
            }
            let mut result = c.batch_execute(&s.run);
            if let (Err(e), Some(unchecked)) = (&result, &s.retry_unchecked) {
                // Only a syntax error is the declaration's for sure: the TEMP tables have no
                // keys (a GROUP BY relying on one fails there) and no view or other declared
                // function is there under its name.
                if !e.to_string().contains("syntax error") {
                    c.batch_execute(
                        "ROLLBACK TO SAVEPOINT retort_checked; \
                         SET LOCAL check_function_bodies = off",
                    )?;
                    result = c.batch_execute(unchecked);
                }
            }
            if let Err(e) = result {
                failed = Some((s.what.clone(), s.declared.clone(), e.to_string()));
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
    let (names, rows, trigger_rows) = match (read, failed) {
        (Ok(read), _) => read,
        (Err(_), Some((what, sql, message))) => {
            return Err(NormalizeError::Declared { what, sql, message })
        }
        (Err(e), None) => return Err(NormalizeError::Query(e)),
    };
    // PostgreSQL writes the session's temporary schema as `pg_temp` or by its name.
    let temps = [format!("{}.", names.temp), "pg_temp.".to_owned()];
    let current = Postgres.quote(&names.current);
    // How the server will write each declared function's name: in a definition (always
    // qualified), and where a trigger executes it (unqualified in the current schema).
    let mut renames: Vec<(String, String, String)> = Vec::new(); // (temp name, qualified, as called)
    target.functions.clear();
    for (i, mut f) in functions.into_iter().enumerate() {
        // `public.f` names the function `f` of the default schema, keyed as the catalog's are.
        if split_qualified(&f.name).0 == Some(names.current.as_str()) {
            f.name = bare_name(&f.name).to_owned();
        }
        let quoted_bare = Postgres.quote(bare_name(&f.name));
        let (qualified, called) = match split_qualified(&f.name).0 {
            None => (format!("{current}.{quoted_bare}"), quoted_bare.clone()),
            Some(s) => {
                let q = format!("{}.{quoted_bare}", Postgres.quote(s));
                (q.clone(), q)
            }
        };
        let temp = temp_function(i);
        if let Some(row) = rows.iter().find(|r| r.name == temp) {
            let mut def = crate::schema::trim_query(&row.def);
            for t in &temps {
                def = def.replace(&format!("{t}{temp}("), &format!("{qualified}("));
            }
            f.definition = crate::sql::routine_comparable(&def);
            f.args = row.args.clone();
            f.interface = row.interface.clone();
        }
        renames.push((temp, qualified, called));
        target.functions.insert(f.key(), f);
    }
    for row in trigger_rows {
        let Some(h) = crate::sql::trigger_header(&row.def) else {
            continue;
        };
        let view = row
            .tbl
            .strip_prefix("__retort_tv_")
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| views.get(n));
        let other = row
            .tbl
            .strip_prefix("__retort_tt_")
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| others.get(n));
        let (table, on) = match view.or(other) {
            Some(table) => {
                // A view of the default schema is named by it, as the server writes it.
                let (schema, bare) = split_qualified(table);
                let schema = schema.map_or_else(|| current.clone(), |s| Postgres.quote(s));
                (table.clone(), format!("{schema}.{}", Postgres.quote(bare)))
            }
            None => (
                row.tbl.clone(),
                format!("{current}.{}", Postgres.quote(&row.tbl)),
            ),
        };
        let mut def = row.def.clone();
        for t in &temps {
            // The function first: `FUNCTION pg_temp.` ends in `ON pg_temp.`.
            for (temp, _, called) in &renames {
                def = def.replace(
                    &format!("FUNCTION {t}{temp}("),
                    &format!("FUNCTION {called}("),
                );
            }
            def = def.replace(&format!(" ON {t}{} ", row.tbl), &format!(" ON {on} "));
        }
        if view.is_some() {
            let v = target.views.get_mut(&table).expect("a declared view");
            if let Some(k) = v
                .triggers
                .iter_mut()
                .find(|k| k.trigger_name() == Some(h.name.as_str()))
            {
                *k = k.with_key(crate::sql::routine_comparable(&def));
            }
        } else if let Some(t) = target.tables.get_mut(&table) {
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
