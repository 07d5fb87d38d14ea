//! The models' own SQL (types, defaults, generated and check expressions) checked by the
//! server before anything is written: each model table is created as a `TEMPORARY` table (no
//! keys, no foreign keys) and dropped again, in one batch, so `default = "lower("` is refused
//! by `autogenerate` naming the column, not by a failing upgrade.

use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;

use crate::dialect::{Dialect, MySql};
use crate::schema::{Schema, Table};

/// MariaDB refuses a model's SQL.
#[derive(Debug, thiserror::Error)]
#[error("model {place}: MariaDB rejects `{sql}`: {message}; fix the model's attribute (nothing was written)")]
pub struct ModelSqlError {
    /// `table \`t\`` or `column \`t.c\``.
    pub place: String,
    /// The definition MariaDB refused.
    pub sql: String,
    /// MariaDB's message.
    pub message: String,
}

/// The probe table of the `i`th model table: a temporary table of this session only.
fn probe(i: usize) -> String {
    MySql.quote(&format!("__retort_probe_{i}"))
}

/// `table` as the plan renders it (model defaults, normalisation), without keys: a temporary
/// table takes none of the foreign keys, and the keys' own limits are checked by the dialect.
fn prepared(table: &Table) -> Table {
    let mut one = Schema::new();
    one.insert(table.clone());
    MySql.model_defaults(&mut one);
    MySql.normalize(&mut one);
    let mut table = one.tables.into_values().next().expect("the table");
    table.primary_key.clear();
    table.identity = None;
    table.foreign_keys.clear();
    table.indexes.clear();
    table.unmodeled.clear();
    table
}

/// `CREATE TABLE` of `table` as [`check`] tries it (columns and checks, no keys): the table a
/// scratch database holds for the models' views and triggers ([`super::declared`]).
pub(super) fn plain_create(table: &Table) -> String {
    MySql.create_table(&prepared(table), &table.name)
}

/// `CREATE TEMPORARY TABLE` of `table` under `name`.
fn create(table: &Table, name: &str) -> String {
    let sql = MySql.create_table(table, &table.name);
    let body = sql
        .split_once(" (\n")
        .map_or(sql.as_str(), |(_, body)| body);
    format!("CREATE TEMPORARY TABLE {name} (\n{body}")
}

/// Has MariaDB create every model table as a temporary table, in one batch; when that fails,
/// finds the column or check it refuses.
pub fn check(conn: &mut MysqlConnection, target: &Schema) -> Result<(), ModelSqlError> {
    if MySql.check_models(target).is_err() {
        // Refused with its own reason when the plan is made.
        return Ok(());
    }
    let tables: Vec<Table> = target.tables.values().map(prepared).collect();
    let mut script = String::new();
    for (i, table) in tables.iter().enumerate() {
        script.push_str(&create(table, &probe(i)));
        script.push_str(&format!("DROP TEMPORARY TABLE {};\n", probe(i)));
    }
    if script.is_empty() || conn.batch_execute(&script).is_ok() {
        return Ok(());
    }
    for (i, table) in tables.iter().enumerate() {
        let _ = conn.batch_execute(&format!("DROP TEMPORARY TABLE IF EXISTS {}", probe(i)));
        if let Err(e) = conn.batch_execute(&create(table, &probe(i))) {
            return Err(culprit(conn, table, e.to_string()));
        }
        let _ = conn.batch_execute(&format!("DROP TEMPORARY TABLE IF EXISTS {}", probe(i)));
    }
    Ok(())
}

/// What of `table` MariaDB refuses: the first column whose definition fails on its own, else a
/// check, else the table.
fn culprit(conn: &mut MysqlConnection, table: &Table, message: String) -> ModelSqlError {
    let mut try_sql = |sql: &str| -> Result<(), String> {
        let result = conn.batch_execute(sql).map_err(|e| e.to_string());
        let _ = conn.batch_execute("DROP TEMPORARY TABLE IF EXISTS `__retort_probe`");
        result
    };
    let plain: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("{} INT", MySql.quote(&c.name)))
        .collect();
    for (i, column) in table.columns.iter().enumerate() {
        let definition = MySql.column_definition(column);
        let mut lines = plain.clone();
        lines[i] = definition.clone();
        if let Err(message) = try_sql(&format!(
            "CREATE TEMPORARY TABLE `__retort_probe` ({})",
            lines.join(", ")
        )) {
            return ModelSqlError {
                place: format!("column `{}.{}`", table.name, column.name),
                sql: definition,
                message,
            };
        }
    }
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| MySql.column_definition(c))
        .collect();
    for constraint in &table.table_constraints {
        let clause = MySql.table_constraint_clause(constraint);
        if let Err(message) = try_sql(&format!(
            "CREATE TEMPORARY TABLE `__retort_probe` ({}, {clause})",
            columns.join(", ")
        )) {
            return ModelSqlError {
                place: format!("table `{}`", table.name),
                sql: clause,
                message,
            };
        }
    }
    ModelSqlError {
        place: format!("table `{}`", table.name),
        sql: create(table, &MySql.quote(&table.name)).trim().to_owned(),
        message,
    }
}
