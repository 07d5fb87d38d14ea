//! PostgreSQL normalises the models' own spellings.
//!
//! A model writes a type or default however its author likes (`character varying`, `float`,
//! `'a' || 'b'`, `1e3`); the catalog reports PostgreSQL's canonical form
//! (`character varying`, `double precision`, `'a'::text || 'b'::text`, `'1000'::double precision`).
//! Rather than re-implementing PostgreSQL's parser, [`normalize_target`] asks the server: in a
//! transaction that is always rolled back it creates TEMP tables holding one column per model
//! column (`c0`, `c1`, ...; at most [`COLUMNS_PER_TABLE`] per table, PostgreSQL allows 1600)
//! with the model's rendered type and default, then reads `format_type(atttypid, atttypmod)` and
//! `pg_get_expr(adbin, adrelid)` back in one query, exactly as introspection reads the live
//! tables. Both sides of the diff then carry the server's spelling, and the dialect's pure
//! normalisation ([`crate::dialect::Postgres`]) finishes the job on both alike.
//!
//! The statements are fixed whatever the number of tables: `BEGIN`, one batch of
//! `CREATE TEMP TABLE`s, one `SELECT`, `ROLLBACK`. Only when the batch fails (a default
//! expression or a type PostgreSQL rejects) does it probe column by column to name the culprit.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::{Nullable, Text};
use diesel::{Connection as _, QueryableByName, RunQueryDsl};

use crate::dialect::{Dialect, Postgres};
use crate::schema::{Column, Schema, SqlType};

/// Model columns per TEMP table (PostgreSQL's limit is 1600).
pub const COLUMNS_PER_TABLE: usize = 1000;

/// A model type or default PostgreSQL rejects, or the normalisation query failing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NormalizeError {
    #[error("model column `{table}.{column}`: PostgreSQL rejects the type `{ty}`: {message}; fix its #[model(sql_type = \"...\")]")]
    /// PostgreSQL rejects a model column's type.
    Type {
        /// Table of the model column.
        table: String,
        /// Name of the model column.
        column: String,
        /// The type as rendered for PostgreSQL (`BYTEA` for [`SqlType::Blob`]).
        ty: String,
        /// PostgreSQL's error message.
        message: String,
    },
    #[error("model column `{table}.{column}`: PostgreSQL rejects the default expression `{expr}`: {message}; fix its #[model(default = \"...\")]")]
    /// PostgreSQL rejects a model column's default expression.
    Default {
        /// Table of the model column.
        table: String,
        /// Name of the model column.
        column: String,
        /// The default expression, as the model declares it.
        expr: String,
        /// PostgreSQL's error message.
        message: String,
    },
    #[error("asking PostgreSQL to normalise the models' column types and defaults failed: {0}; Retort creates TEMP tables in a transaction it rolls back, which needs a read-write session (not a read-only transaction or a hot standby) and the TEMP privilege")]
    /// The TEMP tables or the query reading them back failed, with no model column to blame.
    Query(diesel::result::Error),
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = Nullable<Text>)]
    dflt: Option<String>,
}

/// Ends a transaction that must never commit.
enum Outcome<T> {
    Done(T),
    Failed(diesel::result::Error),
}

impl<T> From<diesel::result::Error> for Outcome<T> {
    fn from(e: diesel::result::Error) -> Self {
        Outcome::Failed(e)
    }
}

/// Runs `f` in a transaction (a savepoint when one is open) and always rolls it back.
fn rolled_back<T>(
    conn: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> Result<T, diesel::result::Error>,
) -> Result<T, diesel::result::Error> {
    match conn.transaction::<(), Outcome<T>, _>(|c| Err(Outcome::Done(f(c)?))) {
        Ok(()) => unreachable!("the transaction always ends in a rollback"),
        Err(Outcome::Done(value)) => Ok(value),
        Err(Outcome::Failed(e)) => Err(e),
    }
}

/// `CREATE TEMP TABLE` column definition of model column number `k`: type and default only.
fn definition(k: usize, column: &Column) -> String {
    let mut s = format!("c{k} {}", Postgres.render_type(column));
    if let Some(default) = &column.default {
        s.push_str(" DEFAULT ");
        s.push_str(&Postgres.render_default(default));
    }
    s
}

/// The statements creating the TEMP tables for `columns` and the query reading them back.
fn statements(columns: &[&Column]) -> (String, String) {
    let mut create = String::new();
    let mut tables = Vec::new();
    for (chunk_no, chunk) in columns.chunks(COLUMNS_PER_TABLE).enumerate() {
        let name = format!("__retort_norm_{chunk_no}");
        let defs: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, c)| definition(chunk_no * COLUMNS_PER_TABLE + i, c))
            .collect();
        create.push_str(&format!(
            "CREATE TEMP TABLE {name} (\n    {}\n);\n",
            defs.join(",\n    ")
        ));
        tables.push(format!("'pg_temp.{name}'::regclass"));
    }
    let select = format!(
        "SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS ty, \
                pg_get_expr(d.adbin, d.adrelid) AS dflt \
         FROM pg_attribute a \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attrelid IN ({}) AND a.attnum > 0 AND NOT a.attisdropped",
        tables.join(", ")
    );
    (create, select)
}

/// Replaces every column type and default of `target` with PostgreSQL's own spelling of it.
/// Names are left alone (the dialect's normalisation truncates long ones).
pub fn normalize_target(
    conn: &mut PgConnection,
    target: &mut Schema,
) -> Result<(), NormalizeError> {
    let places: Vec<(String, usize)> = target
        .tables
        .values()
        .flat_map(|t| (0..t.columns.len()).map(move |i| (t.name.clone(), i)))
        .collect();
    if places.is_empty() {
        return Ok(());
    }
    // Columns with the same rendered type and default get the same answer: ask once per
    // distinct pair (a thousand tables share a handful), then apply to every column.
    let mut groups: std::collections::BTreeMap<(String, Option<String>), Vec<usize>> =
        std::collections::BTreeMap::new();
    for (p, (t, i)) in places.iter().enumerate() {
        let column = &target.tables[t].columns[*i];
        groups
            .entry((Postgres.render_type(column), column.default.clone()))
            .or_default()
            .push(p);
    }
    let members: Vec<&Vec<usize>> = groups.values().collect();
    let columns: Vec<&Column> = members
        .iter()
        .map(|m| {
            let (t, i) = &places[m[0]];
            &target.tables[t].columns[*i]
        })
        .collect();
    let (create, select) = statements(&columns);
    let rows = rolled_back(conn, |c| {
        c.batch_execute(&create)?;
        diesel::sql_query(&select).load::<Row>(c)
    });
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            let named: Vec<(&str, &Column)> = members
                .iter()
                .zip(&columns)
                .map(|(m, c)| (places[m[0]].0.as_str(), *c))
                .collect();
            return Err(locate(conn, &named).unwrap_or(NormalizeError::Query(e)));
        }
    };
    let answers: Vec<(usize, SqlType, Option<String>)> = rows
        .into_iter()
        .filter_map(|row| {
            let k = row.name.strip_prefix('c')?.parse::<usize>().ok()?;
            Some((k, SqlType::parse(&row.ty), row.dflt))
        })
        .collect();
    for (k, ty, default) in answers {
        let Some(member) = members.get(k) else {
            continue;
        };
        for &p in member.iter() {
            let (table, i) = &places[p];
            let column = &mut target
                .tables
                .get_mut(table)
                .expect("a target table")
                .columns[*i];
            column.ty = ty.clone();
            column.default = default.clone();
        }
    }
    Ok(())
}

/// Finds the first column whose type or default PostgreSQL rejects (only after a failure).
fn locate(conn: &mut PgConnection, columns: &[(&str, &Column)]) -> Option<NormalizeError> {
    let probe = |conn: &mut PgConnection, column: &Column| {
        rolled_back(conn, |c| {
            c.batch_execute(&format!(
                "CREATE TEMP TABLE __retort_probe ({});",
                definition(0, column)
            ))
        })
        .err()
        .map(|e| e.to_string())
    };
    // When not even a plain TEMP table can be created (a read-only session, a hot standby, no
    // TEMP privilege), no column is to blame.
    if probe(conn, &Column::new("c", SqlType::Integer, true)).is_some() {
        return None;
    }
    for (table, column) in columns {
        let bare = Column::new(column.name.clone(), column.ty.clone(), true);
        if let Some(message) = probe(conn, &bare) {
            return Some(NormalizeError::Type {
                table: (*table).to_owned(),
                column: column.name.clone(),
                ty: Postgres.render_type(column),
                message,
            });
        }
        if let Some(expr) = &column.default {
            if let Some(message) = probe(conn, column) {
                return Some(NormalizeError::Default {
                    table: (*table).to_owned(),
                    column: column.name.clone(),
                    expr: expr.clone(),
                    message,
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_temp_table_per_thousand_columns_and_one_query() {
        let mut with_default = Column::new("x", SqlType::Blob, true);
        with_default.default = Some("'\\x00'".into());
        let plain = Column::new("y", SqlType::parse("character varying"), false);
        let mut columns = vec![&with_default];
        columns.extend(std::iter::repeat_n(&plain, COLUMNS_PER_TABLE));
        let (create, select) = statements(&columns);
        assert_eq!(create.matches("CREATE TEMP TABLE").count(), 2);
        assert!(create.starts_with(
            "CREATE TEMP TABLE __retort_norm_0 (\n    c0 BYTEA DEFAULT '\\x00',\n    c1 VARCHAR,"
        ));
        assert!(
            create.contains("CREATE TEMP TABLE __retort_norm_1 (\n    c1000 VARCHAR\n);"),
            "{create}"
        );
        assert!(select.contains(
            "IN ('pg_temp.__retort_norm_0'::regclass, 'pg_temp.__retort_norm_1'::regclass)"
        ));
    }
}
