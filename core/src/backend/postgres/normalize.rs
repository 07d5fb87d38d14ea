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
//! Models with generated columns add one more rolled-back transaction: a TEMP table per such
//! model table, with all its columns (an expression names them), read back with `pg_get_expr`
//! as introspection reads generation expressions.

use std::collections::HashMap;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::{Nullable, Text};
use diesel::{Connection as _, QueryableByName, RunQueryDsl};

use crate::dialect::{Dialect, Postgres};
use crate::schema::{Column, ConstraintKind, Schema, SqlType};

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
    #[error("model table `{table}`: PostgreSQL rejects the check constraint `{name}` (`{expr}`): {message}; fix its #[model(check(expr = \"...\"))]")]
    /// PostgreSQL rejects a model's CHECK constraint.
    Check {
        /// Table of the model.
        table: String,
        /// Name of the constraint.
        name: String,
        /// The expression, as the model declares it.
        expr: String,
        /// PostgreSQL's error message.
        message: String,
    },
    #[error("model column `{table}.{column}`: PostgreSQL rejects the generation expression `{expr}`: {message}; fix its #[model(generated = \"...\")]")]
    /// PostgreSQL rejects a model's generated column expression.
    Generated {
        /// Table of the model column.
        table: String,
        /// Name of the model column.
        column: String,
        /// The expression, as the model declares it.
        expr: String,
        /// PostgreSQL's error message.
        message: String,
    },
    #[error("model table `{table}`: PostgreSQL rejects the index `{name}` (`{definition}`): {message}; fix its #[model(index(...))] or #[model(unique(...))]")]
    /// PostgreSQL rejects a model's index or unique constraint.
    Index {
        /// Table of the model.
        table: String,
        /// Name of the index.
        name: String,
        /// The statement that creates it, as rendered from the model.
        definition: String,
        /// PostgreSQL's error message.
        message: String,
    },
    #[error("view `{name}`: PostgreSQL rejects its query `{sql}`: {message}; fix its #[view(sql = \"...\")]")]
    /// PostgreSQL rejects a model view's query.
    View {
        /// The view's name.
        name: String,
        /// The query, as the model declares it.
        sql: String,
        /// PostgreSQL's error message.
        message: String,
    },
    #[error("{what}: PostgreSQL rejects its statement `{sql}`: {message}; fix its declaration (retort::function! / retort::trigger!)")]
    /// PostgreSQL rejects a declared function's or trigger's statement.
    Declared {
        /// What it is (`function `f(integer)``, `trigger `t` on `users``).
        what: String,
        /// The statement, as declared.
        sql: String,
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

#[derive(QueryableByName)]
struct CheckRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
}

/// The model tables that declare CHECK constraints (`check(...)`), in the order of
/// [`check_statements`]' TEMP tables.
fn checked_tables(target: &Schema) -> Vec<&str> {
    target
        .tables
        .values()
        .filter(|t| t.table_constraints.iter().any(|c| c.check_name().is_some()))
        .map(|t| t.name.as_str())
        .collect()
}

/// One TEMP table per table of `tables` (`__retort_ck_0`, ...) with its columns (type only) and
/// its model CHECK constraints, and the query reading `pg_get_constraintdef` back, as
/// introspection reads the live constraints.
fn check_statements(target: &Schema, tables: &[&str]) -> (String, String) {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut create = enum_prelude(target);
    let mut names = Vec::new();
    for (k, name) in tables.iter().enumerate() {
        let table = &target.tables[*name];
        let mut defs: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("{} {}", quote(&c.name), temp_type(c)))
            .collect();
        defs.extend(
            table
                .table_constraints
                .iter()
                // `NOT VALID` is for ALTER TABLE: the server's spelling of the check is the
                // same either way.
                .filter_map(|c| match (&c.name, &c.kind) {
                    (Some(name), ConstraintKind::Check { expr, .. }) => {
                        Some(format!("CONSTRAINT {} CHECK ({expr})", quote(name)))
                    }
                    _ => None,
                }),
        );
        create.push_str(&format!(
            "CREATE TEMP TABLE __retort_ck_{k} (\n    {}\n);\n",
            defs.join(",\n    ")
        ));
        names.push(format!("'pg_temp.__retort_ck_{k}'::regclass"));
    }
    let select = format!(
        "SELECT c.relname::text AS tbl, con.conname::text AS name, \
                pg_get_constraintdef(con.oid) AS def \
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
         WHERE con.conrelid IN ({}) AND con.contype = 'c'",
        names.join(", ")
    );
    (create, select)
}

/// The model tables that have generated columns, in the order of [`generated_statements`]'
/// TEMP tables.
fn generating_tables(target: &Schema) -> Vec<String> {
    target
        .tables
        .values()
        .filter(|t| t.columns.iter().any(|c| c.generated.is_some()))
        .map(|t| t.name.clone())
        .collect()
}

/// One TEMP table per table of `tables` (`__retort_gen_0`, ...) with its columns (type only;
/// generated columns with their expression, STORED as PostgreSQL 15 requires) and the query
/// reading `pg_get_expr` of each generation expression back, as introspection reads them.
/// A model column's type on the TEMP tables that normalise checks, generation expressions and
/// indexes: its own. An enum type that does not exist yet is created first in the same
/// rolled-back transaction ([`enum_prelude`]), so an expression over an enum column (a check,
/// an index predicate) is spelled as it will be on the real table.
pub(super) fn temp_type(column: &Column) -> String {
    Postgres.render_type(column)
}

/// The model table behind a TEMP table named `<prefix><k>`: the `k`-th of `tables`.
pub(super) fn temp_table<'t>(
    target: &'t mut Schema,
    tables: &[String],
    temp: &str,
    prefix: &str,
) -> Option<&'t mut crate::schema::Table> {
    let k = temp.strip_prefix(prefix)?.parse::<usize>().ok()?;
    target.tables.get_mut(tables.get(k)?)
}

/// Statements that create each enum type `target`'s columns use, unless it exists with the
/// models' labels (then the existing type serves: it has the same name). An existing type with
/// other labels (one the plan adds a label to) is renamed out of the way and created again with
/// the models' labels: a label added with `ADD VALUE` could not be used before a commit, and a
/// predicate or check may name it. Then the functions the models declare that the database
/// lacks ([`super::declared::function_prelude`]): a default, check or index expression may call
/// one. Run at the start of a normalisation batch, whose transaction is always rolled back, so
/// the real types and functions are never touched.
pub(super) fn enum_prelude(target: &Schema) -> String {
    let mut types = std::collections::BTreeMap::new();
    for column in target.tables.values().flat_map(|t| &t.columns) {
        if let SqlType::Enum { name, labels } = &column.ty {
            if !labels.is_empty() {
                types.insert(name.clone(), labels.clone());
            }
        }
    }
    types
        .iter()
        .map(|(name, labels)| {
            let labels: Vec<String> = labels
                .iter()
                .map(|l| format!("'{}'", l.replace('\'', "''")))
                .collect();
            let ty = Postgres.quote(name);
            let aside = Postgres.quote(&crate::dialect::postgres::truncate_identifier(&format!(
                "_retort_norm_{}",
                crate::schema::bare_name(name)
            )));
            let labels = labels.join(", ");
            let regtype = format!("'{}'", ty.replace('\'', "''"));
            format!(
                "DO $retort$ BEGIN \
                 IF to_regtype({regtype}) IS NOT NULL AND ARRAY(SELECT e.enumlabel::text FROM pg_enum e \
                 WHERE e.enumtypid = to_regtype({regtype}) ORDER BY e.enumsortorder) \
                 IS DISTINCT FROM ARRAY[{labels}]::text[] THEN \
                 ALTER TYPE {ty} RENAME TO {aside}; END IF; \
                 CREATE TYPE {ty} AS ENUM ({labels}); \
                 EXCEPTION WHEN duplicate_object THEN NULL; END $retort$;\n"
            )
        })
        .chain(super::declared::function_prelude(target))
        .collect()
}

fn generated_statements(target: &Schema, tables: &[String]) -> (String, String) {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut create = enum_prelude(target);
    let mut names = Vec::new();
    for (k, name) in tables.iter().enumerate() {
        let defs: Vec<String> = target.tables[name]
            .columns
            .iter()
            .map(|c| {
                let mut d = format!("{} {}", quote(&c.name), temp_type(c));
                if let Some(g) = &c.generated {
                    d.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.expr.trim()));
                }
                d
            })
            .collect();
        create.push_str(&format!(
            "CREATE TEMP TABLE __retort_gen_{k} (\n    {}\n);\n",
            defs.join(",\n    ")
        ));
        names.push(format!("'pg_temp.__retort_gen_{k}'::regclass"));
    }
    let select = format!(
        "SELECT c.relname::text AS tbl, a.attname::text AS name, \
                pg_get_expr(d.adbin, d.adrelid) AS def \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attrelid IN ({}) AND a.attgenerated = 's'",
        names.join(", ")
    );
    (create, select)
}

/// Replaces every generation expression of `target` with the server's rendering of it.
fn normalize_generated(conn: &mut PgConnection, target: &mut Schema) -> Result<(), NormalizeError> {
    let tables = generating_tables(target);
    if tables.is_empty() {
        return Ok(());
    }
    let (create, select) = generated_statements(target, &tables);
    let rows = rolled_back(conn, |c| {
        c.batch_execute(&create)?;
        diesel::sql_query(&select).load::<CheckRow>(c)
    });
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            // Name the first column PostgreSQL rejects, one table and column at a time.
            for name in &tables {
                let table = &target.tables[name];
                for column in table.columns.iter().filter(|c| c.generated.is_some()) {
                    let mut one = table.clone();
                    for c in &mut one.columns {
                        if c.name != column.name {
                            c.generated = None;
                        }
                    }
                    let mut schema = Schema::new();
                    schema.insert(one);
                    let (create, _) = generated_statements(&schema, std::slice::from_ref(name));
                    if let Err(e) = rolled_back(conn, |c| c.batch_execute(&create)) {
                        return Err(NormalizeError::Generated {
                            table: name.clone(),
                            column: column.name.clone(),
                            expr: column
                                .generated
                                .as_ref()
                                .map(|g| g.expr.clone())
                                .unwrap_or_default(),
                            message: e.to_string(),
                        });
                    }
                }
            }
            return Err(NormalizeError::Query(e));
        }
    };
    for row in rows {
        let Some(table) = temp_table(target, &tables, &row.tbl, "__retort_gen_") else {
            continue;
        };
        if let Some(g) = table
            .column_mut(&row.name)
            .and_then(|c| c.generated.as_mut())
        {
            g.expr = row.def;
        }
    }
    Ok(())
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
pub(super) fn rolled_back<T>(
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
    normalize_generated(conn, target)?;
    super::views::normalize_views(conn, target)?;
    super::declared::normalize_routines(conn, target)?;
    // Columns with the same rendered type and default get the same answer: ask once per
    // distinct pair (a thousand tables share a handful), then apply to every column. The
    // model's own pairs are told apart first (hashing borrowed types and defaults: every
    // column of a large schema passes here), and rendered once each. An enum type may not
    // exist yet: its columns keep the models' spelling, which the dialect's normalisation
    // handles (`'x'` = `'x'::type`).
    let mut distinct: HashMap<(&SqlType, Option<&str>), usize> = HashMap::new();
    // The first column (and its table) of each distinct pair, in table and column order.
    let mut firsts: Vec<(&str, &Column)> = Vec::new();
    // Each column's pair, in table and column order (`None` for an enum column).
    let mut pair_of: Vec<Option<usize>> = Vec::new();
    for table in target.tables.values() {
        for column in &table.columns {
            if matches!(column.ty, SqlType::Enum { .. }) {
                pair_of.push(None);
                continue;
            }
            let next = firsts.len();
            let pair = *distinct
                .entry((&column.ty, column.default.as_deref()))
                .or_insert(next);
            if pair == next {
                firsts.push((&table.name, column));
            }
            pair_of.push(Some(pair));
        }
    }
    if firsts.is_empty() {
        return Ok(());
    }
    // The pairs as the TEMP tables hold them: by rendered type and default, in that order.
    let mut groups: std::collections::BTreeMap<(String, Option<String>), Vec<usize>> =
        std::collections::BTreeMap::new();
    for (pair, (_, column)) in firsts.iter().enumerate() {
        groups
            .entry((Postgres.render_type(column), column.default.clone()))
            .or_default()
            .push(pair);
    }
    let members: Vec<&Vec<usize>> = groups.values().collect();
    let columns: Vec<&Column> = members.iter().map(|m| firsts[m[0]].1).collect();
    // Each pair's group: the TEMP table column that answers for it.
    let mut group_of = vec![0; firsts.len()];
    for (k, member) in members.iter().enumerate() {
        for &pair in member.iter() {
            group_of[pair] = k;
        }
    }
    let (create, select) = statements(&columns);
    // A default may call a function the models declare.
    let create = format!(
        "{}{create}",
        super::declared::function_prelude(target).unwrap_or_default()
    );
    let checked: Vec<String> = checked_tables(target)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let checked_refs: Vec<&str> = checked.iter().map(String::as_str).collect();
    let (check_create, check_select) = check_statements(target, &checked_refs);
    let rows = rolled_back(conn, |c| {
        c.batch_execute(&create)?;
        let rows = diesel::sql_query(&select).load::<Row>(c)?;
        if checked.is_empty() {
            return Ok((rows, Vec::new()));
        }
        c.batch_execute(&check_create)?;
        let checks = diesel::sql_query(&check_select).load::<CheckRow>(c)?;
        Ok((rows, checks))
    });
    let (rows, checks) = match rows {
        Ok(rows) => rows,
        Err(e) => {
            let named: Vec<(&str, &Column)> = members.iter().map(|m| firsts[m[0]]).collect();
            let culprit = locate(conn, &named).or_else(|| locate_check(conn, target, &checked));
            return Err(culprit.unwrap_or(NormalizeError::Query(e)));
        }
    };
    for row in checks {
        let Some(table) = temp_table(target, &checked, &row.tbl, "__retort_ck_") else {
            continue;
        };
        let position = table
            .table_constraints
            .iter()
            .position(|c| c.check_name() == Some(row.name.as_str()));
        if let Some(position) = position {
            let constraint = table.table_constraints.remove(position);
            let mut def = row.def.clone();
            if constraint.is_not_valid() {
                def.push_str(crate::dialect::postgres::NOT_VALID);
            }
            let definition =
                crate::dialect::postgres::constraint_definition(&table.name, &row.name, &def);
            table.unmodeled.push(definition);
        }
    }
    let mut answers: Vec<Option<(SqlType, Option<String>)>> = vec![None; members.len()];
    for row in rows {
        let Some(k) = row
            .name
            .strip_prefix('c')
            .and_then(|k| k.parse::<usize>().ok())
        else {
            continue;
        };
        if let Some(answer) = answers.get_mut(k) {
            *answer = Some((SqlType::parse(&row.ty), row.dflt));
        }
    }
    let mut pairs = pair_of.into_iter();
    for column in target.tables.values_mut().flat_map(|t| &mut t.columns) {
        let Some(Some((ty, default))) = pairs.next().flatten().map(|pair| &answers[group_of[pair]])
        else {
            continue;
        };
        if column.ty != *ty {
            column.ty = ty.clone();
        }
        if column.default != *default {
            column.default.clone_from(default);
        }
    }
    super::indexes::normalize_indexes(conn, target)
}

/// Finds the first model CHECK constraint PostgreSQL rejects (only after a failure).
fn locate_check(
    conn: &mut PgConnection,
    target: &Schema,
    tables: &[String],
) -> Option<NormalizeError> {
    for name in tables {
        let table = &target.tables[name];
        for constraint in &table.table_constraints {
            let (Some(check), ConstraintKind::Check { expr, .. }) =
                (&constraint.name, &constraint.kind)
            else {
                continue;
            };
            let mut one = table.clone();
            one.table_constraints = vec![constraint.clone()];
            let mut schema = Schema::new();
            schema.insert(one);
            let (create, _) = check_statements(&schema, &[name.as_str()]);
            if let Err(e) = rolled_back(conn, |c| c.batch_execute(&create)) {
                return Some(NormalizeError::Check {
                    table: name.clone(),
                    name: check.clone(),
                    expr: expr.to_owned(),
                    message: e.to_string(),
                });
            }
        }
    }
    None
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
    fn one_temp_table_per_checked_model_table_and_one_query() {
        let mut users = crate::schema::Table::new("users");
        users
            .columns
            .push(Column::new("age", SqlType::Integer, false));
        users
            .table_constraints
            .push(crate::schema::TableConstraint::check(
                "ck_users_1",
                "age >= 0",
                false,
            ));
        let mut plain = crate::schema::Table::new("plain");
        plain
            .columns
            .push(Column::new("id", SqlType::BigInt, false));
        let mut target = Schema::new();
        target.insert(users);
        target.insert(plain);
        let tables = checked_tables(&target);
        assert_eq!(tables, ["users"]);
        let (create, select) = check_statements(&target, &tables);
        assert_eq!(
            create,
            "CREATE TEMP TABLE __retort_ck_0 (\n    \"age\" INTEGER,\n    \
             CONSTRAINT \"ck_users_1\" CHECK (age >= 0)\n);\n"
        );
        assert!(select.contains("IN ('pg_temp.__retort_ck_0'::regclass)"));
        assert!(select.contains("pg_get_constraintdef(con.oid)"));
    }

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
