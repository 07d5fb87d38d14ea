//! PostgreSQL introspection from `pg_catalog`: a fixed number of queries, one per object kind
//! (columns, constraints, indexes), whatever the number of tables. Reads the current schema
//! (`search_path`), `public` unless the connection chose another.

use std::collections::BTreeMap;

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Bool, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::schema::{Column, FkAction, ForeignKey, Index, Schema, SqlType, Table};

const USER_TABLES: &str = "n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
     AND c.relname NOT IN ('__diesel_schema_migrations', '__retort_checksums')";

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ty: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    notnull: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    dflt: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    identity: Option<String>,
}

#[derive(QueryableByName)]
struct ConstraintRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Array<Text>)]
    cols: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ref_table: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    ref_cols: Vec<String>,
    #[diesel(sql_type = Text)]
    on_delete: String,
    #[diesel(sql_type = Text)]
    on_update: String,
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    idx: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Array<Text>)]
    cols: Vec<String>,
    #[diesel(sql_type = Bool)]
    is_expr: bool,
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Reads every user table of the current schema.
pub fn introspect(conn: &mut PgConnection) -> diesel::QueryResult<Schema> {
    // Tables without columns still appear (LEFT JOIN), with one all-NULL row.
    let columns: Vec<ColumnRow> = diesel::sql_query(format!(
        "SELECT c.relname::text AS tbl, a.attname::text AS name, \
                format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS notnull, \
                pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity::text AS identity \
         FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE {USER_TABLES} \
         ORDER BY c.relname, a.attnum"
    ))
    .load(conn)?;
    let constraints: Vec<ConstraintRow> = diesel::sql_query(format!(
        "SELECT c.relname::text AS tbl, con.conname::text AS name, con.contype::text AS kind, \
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord) \
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num \
                      ORDER BY k.ord) AS cols, \
                rc.relname::text AS ref_table, \
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord) \
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num \
                      ORDER BY k.ord) AS ref_cols, \
                con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update \
         FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_class rc ON rc.oid = con.confrelid \
         WHERE {USER_TABLES} AND con.contype IN ('p', 'f') \
         ORDER BY c.relname, con.conname"
    ))
    .load(conn)?;
    let indexes: Vec<IndexRow> = diesel::sql_query(format!(
        "SELECT c.relname::text AS tbl, i.relname::text AS idx, ix.indisunique AS is_unique, \
                ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(num, ord) \
                      JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num \
                      ORDER BY k.ord) AS cols, \
                (ix.indexprs IS NOT NULL OR ix.indpred IS NOT NULL) AS is_expr \
         FROM pg_index ix \
         JOIN pg_class c ON c.oid = ix.indrelid \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {USER_TABLES} AND NOT ix.indisprimary \
         ORDER BY c.relname, i.relname"
    ))
    .load(conn)?;

    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in columns {
        let table = tables
            .entry(row.tbl.clone())
            .or_insert_with(|| Table::new(&row.tbl));
        if let (Some(name), Some(ty)) = (row.name, row.ty) {
            let mut column = Column::new(name, SqlType::parse(&ty), !row.notnull.unwrap_or(false));
            column.default = row.dflt;
            if matches!(row.identity.as_deref(), Some("a" | "d")) {
                table.identity = Some(column.name.clone());
            }
            table.columns.push(column);
        }
    }
    for row in constraints {
        let Some(table) = tables.get_mut(&row.tbl) else {
            continue;
        };
        match row.kind.as_str() {
            "p" => {
                table.primary_key = row.cols;
                table.primary_key_name = Some(row.name);
            }
            "f" => table.foreign_keys.push(ForeignKey {
                name: row.name,
                columns: row.cols,
                ref_table: row.ref_table.unwrap_or_default(),
                ref_columns: row.ref_cols,
                on_delete: action(&row.on_delete),
                on_update: action(&row.on_update),
            }),
            _ => {}
        }
    }
    for row in indexes {
        // Expression and partial indexes are outside the model and left alone.
        if row.is_expr {
            continue;
        }
        if let Some(table) = tables.get_mut(&row.tbl) {
            table.indexes.push(Index {
                name: row.idx,
                columns: row.cols,
                unique: row.is_unique,
            });
        }
    }
    let mut schema = Schema::new();
    tables.into_values().for_each(|t| schema.insert(t));
    Ok(schema)
}
