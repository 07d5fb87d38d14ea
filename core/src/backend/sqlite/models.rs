//! The models' own SQL (types, defaults, generated and check expressions, index predicates)
//! checked by SQLite itself before anything is written: compiled in a private in-memory
//! database, so a `default = "lower("` is refused by `autogenerate` naming
//! the column, not by a failing upgrade. SQLite accepts any type name (it derives an affinity
//! from it), so only a type that does not parse is refused.

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection as _;

use crate::dialect::{Dialect, Sqlite};
use crate::schema::{Schema, Table};

/// SQLite refuses a model's SQL.
#[derive(Debug, thiserror::Error)]
#[error("model {place}: SQLite rejects `{sql}`: {message}; fix the model's attribute (nothing was written)")]
pub struct ModelSqlError {
    /// `table \`t\``, `column \`t.c\``, or `index \`ix\` on \`t\``.
    pub place: String,
    /// The definition SQLite refused.
    pub sql: String,
    /// SQLite's message.
    pub message: String,
}

/// Has SQLite compile the models' SQL in a private in-memory database, in one batch whose cost
/// does not grow with the schema: the distinct definitions of plain columns (no clauses of
/// their own, not generated) once each, in one table; each table with SQL of its own (checks,
/// generated columns, kept indexes) created and dropped again. When that fails, finds the
/// column, table constraint or index that SQLite refuses.
pub fn check(target: &Schema) -> Result<(), ModelSqlError> {
    if Sqlite.check_models(target).is_err() {
        // Refused with its own reason when the plan is made.
        return Ok(());
    }
    // Only the tables with SQL of their own are prepared as the plan renders them (a copy of
    // each); plain columns render from the models as they are.
    // The distinct (type, nullability, default) of plain columns: a handful in any schema.
    let mut plain: Vec<(&crate::schema::SqlType, bool, Option<&String>)> = Vec::new();
    let mut script = String::new();
    for table in target.tables.values() {
        if has_own_sql(table) {
            let table = prepared(table);
            script.push_str(&table_sql(&table));
            script.push_str(&format!("DROP TABLE {};\n", Sqlite.quote(&table.name)));
        } else {
            for column in &table.columns {
                let key = (&column.ty, column.nullable, column.default.as_ref());
                if !plain.contains(&key) {
                    plain.push(key);
                }
            }
        }
    }
    if !plain.is_empty() {
        let columns: Vec<String> = plain
            .iter()
            .enumerate()
            .map(|(i, (ty, nullable, default))| {
                let mut column =
                    crate::schema::Column::new(format!("c{i}"), (*ty).clone(), *nullable);
                column.default = default.cloned();
                Sqlite.column_definition(&column)
            })
            .collect();
        script.push_str(&format!(
            "CREATE TABLE \"plain\" ({});\n",
            columns.join(", ")
        ));
    }
    let Ok(mut conn) = SqliteConnection::establish(":memory:") else {
        return Ok(());
    };
    if conn
        .batch_execute(&format!("BEGIN;\n{script}ROLLBACK;"))
        .is_ok()
    {
        return Ok(());
    }
    for table in target.tables.values().map(prepared) {
        let table = &table;
        let mut conn = SqliteConnection::establish(":memory:").map_err(|e| ModelSqlError {
            place: format!("table `{}`", table.name),
            sql: String::new(),
            message: e.to_string(),
        })?;
        if let Err(e) = conn.batch_execute(&table_sql(table)) {
            return Err(culprit(table, e.to_string()));
        }
    }
    Ok(())
}

/// Whether a model table holds SQL beyond its columns' types and defaults: table
/// constraints, a column's own clauses, generation or enum check, kept definitions, indexes
/// with properties (expressions, predicates).
fn has_own_sql(table: &Table) -> bool {
    !table.table_constraints.is_empty()
        || !table.unmodeled.is_empty()
        || table.indexes.iter().any(|i| !i.is_plain())
        || table.columns.iter().any(|c| {
            !c.extra.is_empty()
                || c.generated.is_some()
                || matches!(c.ty, crate::schema::SqlType::Enum { .. })
        })
}

/// `table` as the SQLite dialect renders it in a plan (model defaults, normalisation).
fn prepared(table: &Table) -> Table {
    let mut one = Schema::new();
    one.insert(table.clone());
    Sqlite.model_defaults(&mut one);
    Sqlite.normalize(&mut one);
    one.tables.into_values().next().expect("the table")
}

/// A table's `CREATE TABLE` and its indexes.
fn table_sql(table: &Table) -> String {
    let mut sql = Sqlite.create_table(table, &table.name);
    for index in &table.indexes {
        sql.push_str(&Sqlite.create_index(&table.name, index));
    }
    for definition in &table.unmodeled {
        sql.push_str(definition.sql().trim_end().trim_end_matches(';'));
        sql.push_str(";\n");
    }
    sql
}

/// What of `table` SQLite refuses: the first column whose definition fails on its own (next to
/// the table's other columns, plainly typed), else a table constraint, else an index.
fn culprit(table: &Table, message: String) -> ModelSqlError {
    let plain: Vec<String> = table
        .columns
        .iter()
        .map(|c| Sqlite.quote(&c.name))
        .collect();
    let try_sql = |sql: &str| -> Result<(), String> {
        let mut conn = SqliteConnection::establish(":memory:").map_err(|e| e.to_string())?;
        conn.batch_execute(sql).map_err(|e| e.to_string())
    };
    let name = Sqlite.quote(&table.name);
    for (i, column) in table.columns.iter().enumerate() {
        let definition = Sqlite.create_table_column(table, column);
        let mut lines = plain.clone();
        lines[i] = definition.clone();
        if let Err(message) = try_sql(&format!("CREATE TABLE {name} ({});", lines.join(", "))) {
            return ModelSqlError {
                place: format!("column `{}.{}`", table.name, column.name),
                sql: definition,
                message,
            };
        }
    }
    for constraint in &table.table_constraints {
        let clause = Sqlite.table_constraint_clause(constraint);
        if let Err(message) = try_sql(&format!(
            "CREATE TABLE {name} ({}, {clause});",
            plain.join(", ")
        )) {
            return ModelSqlError {
                place: format!("table `{}`", table.name),
                sql: clause,
                message,
            };
        }
    }
    let bare = Table {
        indexes: Vec::new(),
        unmodeled: Vec::new(),
        ..table.clone()
    };
    for statement in table
        .indexes
        .iter()
        .map(|i| Sqlite.create_index(&table.name, i))
        .chain(table.unmodeled.iter().map(|d| d.sql().to_owned()))
    {
        let sql = format!("{}{statement};", Sqlite.create_table(&bare, &table.name));
        if let Err(message) = try_sql(&sql) {
            return ModelSqlError {
                place: format!("table `{}`", table.name),
                sql: statement.trim().to_owned(),
                message,
            };
        }
    }
    ModelSqlError {
        place: format!("table `{}`", table.name),
        sql: Sqlite.create_table(table, &table.name).trim().to_owned(),
        message,
    }
}
