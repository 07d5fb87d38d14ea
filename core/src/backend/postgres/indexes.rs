//! PostgreSQL's own rendering of the models' non-plain indexes and unique constraints (partial,
//! expression keys, methods, `INCLUDE`, `NULLS NOT DISTINCT`), as [`super::normalize`] does for
//! types, defaults and checks: in a transaction that is always rolled back, one TEMP table per
//! model table that declares such an index (`__retort_ix_0`, ...; its columns, type only) with
//! those indexes created on it, then one query reading `pg_get_indexdef` /
//! `pg_get_constraintdef` back, as introspection reads the live ones. The TEMP table's name in
//! a definition is mapped back to the model table's. Whether the server reads one back as a
//! plain index (keys that are only columns, B-tree) is decided exactly as introspection decides
//! it, so an equal declaration is never a difference.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Bool, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::normalize::{rolled_back, NormalizeError};
use crate::dialect::{standard::index_statement, Postgres};
use crate::schema::{Index, Schema};

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Text)]
    real: String,
    #[diesel(sql_type = Bool)]
    is_constraint: bool,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    no_exprs: bool,
    #[diesel(sql_type = Text)]
    qname: String,
    #[diesel(sql_type = Nullable<Text>)]
    qcols: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    cols: Vec<String>,
}

/// The model tables with at least one non-plain index, in the order of their TEMP tables.
fn indexed_tables(target: &Schema) -> Vec<String> {
    target
        .tables
        .values()
        .filter(|t| t.indexes.iter().any(|i| !i.is_plain()))
        .map(|t| t.name.clone())
        .collect()
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The statements creating the TEMP tables and the non-plain indexes of `tables` (`only`: just
/// the index of that name), and the query reading them back.
fn statements(target: &Schema, tables: &[String], only: Option<&str>) -> (String, String) {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut create = super::normalize::enum_prelude(target);
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (k, name) in tables.iter().enumerate() {
        let table = &target.tables[name];
        let temp = format!("__retort_ix_{k}");
        let defs: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("{} {}", quote(&c.name), super::normalize::temp_type(c)))
            .collect();
        create.push_str(&format!(
            "CREATE TEMP TABLE {temp} (\n    {}\n);\n",
            defs.join(",\n    ")
        ));
        for index in table.indexes.iter().filter(|i| !i.is_plain()) {
            if only.is_none_or(|o| o == index.name) {
                create.push_str(&index_statement(&Postgres, &temp, index));
                create.push_str(";\n");
            }
        }
        names.push(format!("'pg_temp.{temp}'::regclass"));
        // A table of another schema: its definition names that schema, not the current one.
        let (schema, bare) = crate::schema::split_qualified(name);
        let schema = schema.map_or_else(|| "NULL::name".to_owned(), literal);
        values.push(format!("({}, {schema}, {})", literal(&temp), literal(bare)));
    }
    let select = format!(
        "SELECT c.relname::text AS tbl, i.relname::text AS name, \
                COALESCE(pg_get_constraintdef(con.oid), pg_get_indexdef(ix.indexrelid)) AS def, \
                quote_ident(COALESCE(v.schema, current_schema())) || '.' || quote_ident(v.model) AS real, \
                con.oid IS NOT NULL AS is_constraint, ix.indisunique AS is_unique, \
                ix.indexprs IS NULL AND ix.indpred IS NULL AS no_exprs, \
                quote_ident(i.relname) AS qname, \
                (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) \
                 FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(num, ord) \
                 JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num) AS qcols, \
                ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(num, ord) \
                      JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num \
                      ORDER BY k.ord) AS cols \
         FROM pg_index ix \
         JOIN pg_class c ON c.oid = ix.indrelid \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN (VALUES {}) AS v(temp, schema, model) ON v.temp = c.relname \
         LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.contype = 'u' \
         WHERE ix.indrelid IN ({}) \
         ORDER BY 1, 2",
        values.join(", "),
        names.join(", ")
    );
    (create, select)
}

/// `pg_get_indexdef` of an index on TEMP table `temp` (`CREATE INDEX ix ON pg_temp.t USING
/// ...`), on the model table instead (`real`, schema-qualified and quoted as PostgreSQL quotes).
fn on_model_table(def: &str, temp: &str, real: &str) -> String {
    let needle = format!("{temp} USING ");
    let Some(at) = def.find(&needle) else {
        return def.to_owned();
    };
    let Some(on) = def[..at].rfind(" ON ") else {
        return def.to_owned();
    };
    format!("{} ON {real}{}", &def[..on], &def[at + temp.len()..])
}

/// Whether `index` is the one the server reports as `name` (cut to 63 bytes when longer).
fn same_name(index: &Index, name: &str) -> bool {
    index.name == name || (name.len() >= 63 && index.name.starts_with(name))
}

/// Replaces every non-plain model index of `target` with the server's definition of it (in
/// [`crate::schema::Table::unmodeled`]), or with the plain [`Index`] introspection would read.
pub fn normalize_indexes(
    conn: &mut PgConnection,
    target: &mut Schema,
) -> Result<(), NormalizeError> {
    let tables = indexed_tables(target);
    if tables.is_empty() {
        return Ok(());
    }
    let (create, select) = statements(target, &tables, None);
    let rows = rolled_back(conn, |c| {
        c.batch_execute(&create)?;
        diesel::sql_query(&select).load::<IndexRow>(c)
    });
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => return Err(locate(conn, target, &tables).unwrap_or(NormalizeError::Query(e))),
    };
    for row in rows {
        let Some(table) = super::normalize::temp_table(target, &tables, &row.tbl, "__retort_ix_")
        else {
            continue;
        };
        let Some(at) = table
            .indexes
            .iter()
            .position(|i| !i.is_plain() && same_name(i, &row.name))
        else {
            continue;
        };
        let mut index = table.indexes.remove(at);
        if row.is_constraint {
            let plain = row.def
                == format!(
                    "UNIQUE ({})",
                    crate::dialect::postgres::pg_ident_list(&row.cols)
                );
            if plain {
                index.options = Default::default();
                index.columns = row.cols;
                table.indexes.push(index);
            } else {
                table
                    .unmodeled
                    .push(crate::dialect::postgres::constraint_definition(
                        &table.name,
                        &index.name,
                        &row.def,
                    ));
            }
            table.canonicalize();
            continue;
        }
        let definition = on_model_table(&row.def, &row.tbl, &row.real);
        // Plain exactly as introspection decides it (see `introspect`).
        let plain = row.no_exprs
            && row.qcols.as_deref().is_some_and(|cols| {
                definition
                    == format!(
                        "CREATE {}INDEX {} ON {} USING btree ({cols})",
                        if row.is_unique { "UNIQUE " } else { "" },
                        row.qname,
                        row.real
                    )
            });
        if plain {
            index.options = Default::default();
            index.columns = row.cols;
            index.unique = row.is_unique;
            table.indexes.push(index);
        } else {
            table.unmodeled.push(crate::sql::kept(definition));
        }
        table.canonicalize();
    }
    Ok(())
}

/// Finds the first model index PostgreSQL rejects (only after a failure).
fn locate(conn: &mut PgConnection, target: &Schema, tables: &[String]) -> Option<NormalizeError> {
    for name in tables {
        let table = &target.tables[name];
        for index in table.indexes.iter().filter(|i| !i.is_plain()) {
            let (create, _) = statements(target, std::slice::from_ref(name), Some(&index.name));
            if let Err(e) = rolled_back(conn, |c| c.batch_execute(&create)) {
                return Some(NormalizeError::Index {
                    table: name.clone(),
                    name: index.name.clone(),
                    definition: index_statement(&Postgres, name, index),
                    message: e.to_string(),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, SqlType, Table};

    #[test]
    fn one_temp_table_per_indexed_model_table_and_one_query() {
        let mut users = Table::new("users");
        users
            .columns
            .push(Column::new("email", SqlType::Text, false));
        users.indexes.push(Index {
            name: "ix_users_lower_email".into(),
            unique: true,
            options: crate::schema::IndexOptions {
                keys: vec!["lower(email)".into()],
                predicate: Some("email <> ''".into()),
                ..Default::default()
            },
            ..Default::default()
        });
        let mut plain = Table::new("plain");
        plain
            .columns
            .push(Column::new("id", SqlType::BigInt, false));
        let mut target = Schema::new();
        target.insert(users);
        target.insert(plain);
        let tables = indexed_tables(&target);
        assert_eq!(tables, ["users"]);
        let (create, select) = statements(&target, &tables, None);
        assert_eq!(
            create,
            "CREATE TEMP TABLE __retort_ix_0 (\n    \"email\" TEXT\n);\n\
             CREATE UNIQUE INDEX \"ix_users_lower_email\" ON \"__retort_ix_0\" (lower(email)) \
             WHERE email <> '';\n"
        );
        assert!(select.contains("(VALUES ('__retort_ix_0', NULL::name, 'users'))"));
        assert!(select.contains("IN ('pg_temp.__retort_ix_0'::regclass)"));
        assert_eq!(
            on_model_table(
                "CREATE INDEX ix ON pg_temp.__retort_ix_0 USING gin (a) WHERE (b > 0)",
                "__retort_ix_0",
                "public.\"User\""
            ),
            "CREATE INDEX ix ON public.\"User\" USING gin (a) WHERE (b > 0)"
        );
    }
}
