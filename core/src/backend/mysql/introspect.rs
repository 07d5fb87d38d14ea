//! MariaDB introspection from `information_schema`, in five queries whatever the number of
//! tables (tables and their comments, columns, index columns, foreign key columns, CHECK
//! constraints; one function each), of the connection's database (`DATABASE()`). Where MySQL 8
//! keeps things otherwise (its `CHECK_CONSTRAINTS` without the table, its defaults without
//! quotes), the server's version decides ([`Server`]).
//!
//! What the schema model describes (columns, keys, foreign keys, B-tree indexes over columns
//! or their prefixes (`SUB_PART`, [`Index::prefixes`]), CHECK constraints) is read into it; a FULLTEXT or SPATIAL index is kept as its
//! `CREATE ... INDEX` ([`Table::unmodeled`]). The index InnoDB creates by itself for a foreign
//! key (over its columns, named after the key, or after its first column when the key's name is
//! generated) is the key's, not an index of the models.

use std::collections::BTreeMap;

use diesel::mysql::MysqlConnection;
use diesel::sql_types::{Nullable, Text};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::server::{CheckSource, Server};
use crate::dialect::mysql::{parse_column_type, sql_string};
use crate::dialect::{Dialect, MySql};
use crate::schema::{
    Column, ConstraintKind, FkAction, ForeignKey, Generated, Index, Schema, Table, TableConstraint,
};

/// `TABLE_NAME` of the user tables: not the bookkeeping tables.
fn user_tables(column: &str) -> String {
    let internal: Vec<String> = crate::backend::INTERNAL_TABLES
        .iter()
        .map(|t| sql_string(t))
        .collect();
    format!("{column} NOT IN ({})", internal.join(", "))
}

#[derive(QueryableByName)]
struct TableRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    column_type: String,
    #[diesel(sql_type = Text)]
    nullable: String,
    #[diesel(sql_type = Nullable<Text>)]
    default_value: Option<String>,
    #[diesel(sql_type = Text)]
    extra: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    generation: Option<String>,
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    non_unique: String,
    #[diesel(sql_type = Nullable<Text>)]
    col: Option<String>,
    #[diesel(sql_type = Text)]
    index_type: String,
    /// The length of the column's prefix the index keys (`KEY (body(100))`), NULL when whole.
    #[diesel(sql_type = Nullable<Text>)]
    sub_part: Option<String>,
}

#[derive(QueryableByName)]
struct ForeignKeyRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    col: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    ref_col: String,
    #[diesel(sql_type = Text)]
    on_update: String,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

#[derive(QueryableByName)]
struct CheckRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    level: String,
    #[diesel(sql_type = Text)]
    clause: String,
}

fn tables(conn: &mut MysqlConnection) -> QueryResult<Vec<TableRow>> {
    diesel::sql_query(format!(
        "SELECT TABLE_NAME AS tbl, TABLE_COMMENT AS comment FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND {} \
         ORDER BY TABLE_NAME",
        user_tables("TABLE_NAME")
    ))
    .load(conn)
}

fn columns(conn: &mut MysqlConnection) -> QueryResult<Vec<ColumnRow>> {
    diesel::sql_query(format!(
        "SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS column_type, \
         IS_NULLABLE AS nullable, COLUMN_DEFAULT AS default_value, EXTRA AS extra, \
         COLUMN_COMMENT AS comment, GENERATION_EXPRESSION AS generation \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND {} \
         ORDER BY TABLE_NAME, ORDINAL_POSITION",
        user_tables("TABLE_NAME")
    ))
    .load(conn)
}

fn indexes(conn: &mut MysqlConnection) -> QueryResult<Vec<IndexRow>> {
    diesel::sql_query(format!(
        "SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, CAST(NON_UNIQUE AS CHAR) AS non_unique, \
         COLUMN_NAME AS col, INDEX_TYPE AS index_type, CAST(SUB_PART AS CHAR) AS sub_part \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND {} \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        user_tables("TABLE_NAME")
    ))
    .load(conn)
}

/// The key columns joined with their keys' actions. Joined as they are, MariaDB compares every
/// key column with every key (a block nested loop: 9 s at 10,000 foreign keys) and reads the
/// keys of all databases; so the keys of this database are a derived table of their own, which
/// the `LIMIT` keeps from being merged into the join: MariaDB materialises it with an index on
/// the join columns (0.6 s).
fn foreign_keys(conn: &mut MysqlConnection) -> QueryResult<Vec<ForeignKeyRow>> {
    diesel::sql_query(format!(
        "SELECT k.TABLE_NAME AS tbl, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, \
         k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_col, \
         r.UPDATE_RULE AS on_update, r.DELETE_RULE AS on_delete \
         FROM information_schema.KEY_COLUMN_USAGE k \
         JOIN (SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE \
               FROM information_schema.REFERENTIAL_CONSTRAINTS \
               WHERE CONSTRAINT_SCHEMA = DATABASE() LIMIT 18446744073709551615) r \
           ON r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
         WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL AND {} \
         ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        user_tables("k.TABLE_NAME")
    ))
    .load(conn)
}

/// The `CHECK` constraints, from where the server keeps them ([`CheckSource`]).
fn checks(conn: &mut MysqlConnection, server: &Server) -> QueryResult<Vec<CheckRow>> {
    let sql = match server.check_source() {
        CheckSource::MariaDb => format!(
            "SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, LEVEL AS level, \
             CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE() AND {} ORDER BY TABLE_NAME, CONSTRAINT_NAME",
            user_tables("TABLE_NAME")
        ),
        CheckSource::JoinTableConstraints => format!(
            "SELECT t.TABLE_NAME AS tbl, c.CONSTRAINT_NAME AS name, 'Table' AS level, \
             c.CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS c \
             JOIN information_schema.TABLE_CONSTRAINTS t \
               ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA \
              AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND t.CONSTRAINT_TYPE = 'CHECK' \
             WHERE c.CONSTRAINT_SCHEMA = DATABASE() AND {} \
             ORDER BY t.TABLE_NAME, c.CONSTRAINT_NAME",
            user_tables("t.TABLE_NAME")
        ),
        CheckSource::None => return Ok(Vec::new()),
    };
    diesel::sql_query(sql).load(conn)
}

fn action(rule: &str) -> FkAction {
    match rule {
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        "RESTRICT" => FkAction::Restrict,
        _ => FkAction::NoAction,
    }
}

/// Reads every user table of the connection's database.
pub(super) fn introspect(conn: &mut MysqlConnection, server: &Server) -> QueryResult<Schema> {
    let table_rows = tables(conn)?;
    let column_rows = columns(conn)?;
    let index_rows = indexes(conn)?;
    let fk_rows = foreign_keys(conn)?;
    let check_rows = checks(conn, server)?;

    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in table_rows {
        let mut table = Table::new(&row.tbl);
        table.comment = row.comment.filter(|c| !c.is_empty());
        tables.insert(row.tbl, table);
    }
    // MariaDB's JSON is LONGTEXT with a column-level `json_valid(`col`)` check named after it.
    let json: std::collections::BTreeSet<(String, String)> = check_rows
        .iter()
        .filter(|c| {
            c.level == "Column" && c.clause == format!("json_valid({})", MySql.quote(&c.name))
        })
        .map(|c| (c.tbl.clone(), c.name.clone()))
        .collect();
    for row in column_rows {
        let Some(table) = tables.get_mut(&row.tbl) else {
            continue;
        };
        let checked = json.contains(&(row.tbl.clone(), row.name.clone()));
        let mut column = Column::new(
            &row.name,
            parse_column_type(&row.column_type, checked),
            row.nullable == "YES",
        );
        let extra = row.extra.to_ascii_lowercase();
        if extra.contains("auto_increment") {
            table.identity = Some(row.name.clone());
        }
        match row.generation.filter(|g| !g.is_empty()) {
            Some(expr) => {
                column.generated = Some(Generated {
                    expr,
                    stored: extra.contains("stored") || extra.contains("persistent"),
                });
            }
            None => {
                column.default =
                    server.column_default(row.default_value.as_deref(), &row.extra, &column.ty)
            }
        }
        column.comment = row.comment.filter(|c| !c.is_empty());
        table.columns.push(column);
    }
    // Foreign keys first: the index InnoDB made for one is skipped below.
    for row in fk_rows {
        let Some(table) = tables.get_mut(&row.tbl) else {
            continue;
        };
        match table.foreign_keys.iter_mut().find(|f| f.name == row.name) {
            Some(fk) => {
                fk.columns.push(row.col);
                fk.ref_columns.push(row.ref_col);
            }
            None => table.foreign_keys.push(ForeignKey {
                name: row.name,
                columns: vec![row.col],
                ref_table: row.ref_table,
                ref_columns: vec![row.ref_col],
                on_delete: action(&row.on_delete),
                on_update: action(&row.on_update),
                deferrable: Default::default(),
            }),
        }
    }
    let mut special: BTreeMap<(String, String), (String, Vec<String>)> = BTreeMap::new();
    for row in index_rows {
        let Some(table) = tables.get_mut(&row.tbl) else {
            continue;
        };
        let Some(col) = row.col else { continue };
        if row.name == "PRIMARY" {
            table.primary_key.push(col);
            continue;
        }
        if row.index_type != "BTREE" && row.index_type != "HASH" {
            special
                .entry((row.tbl.clone(), row.name.clone()))
                .or_insert_with(|| (row.index_type.clone(), Vec::new()))
                .1
                .push(col);
            continue;
        }
        let prefix = row.sub_part.and_then(|p| p.parse::<u32>().ok());
        let index = match table.indexes.iter().position(|i| i.name == row.name) {
            Some(at) => {
                table.indexes[at].columns.push(col);
                &mut table.indexes[at]
            }
            None => {
                table.indexes.push(Index {
                    name: row.name,
                    columns: vec![col],
                    unique: row.non_unique == "0",
                    ..Default::default()
                });
                table.indexes.last_mut().expect("just pushed")
            }
        };
        let i = index.columns.len() - 1;
        index.set_prefix(i, prefix);
    }
    for ((tbl, name), (kind, columns)) in special {
        if let Some(table) = tables.get_mut(&tbl) {
            let sql = format!(
                "CREATE {kind} INDEX {} ON {} ({})",
                MySql.quote(&name),
                MySql.quote(&tbl),
                MySql.quote_list(&columns)
            );
            table.unmodeled.push(crate::sql::kept(sql));
        }
    }
    for table in tables.values_mut() {
        let fks = table.foreign_keys.clone();
        // InnoDB names the index it makes after the key, or after the key's first column when
        // the key has a generated name (`t_ibfk_1`, an inline `REFERENCES`).
        table.indexes.retain(|index| {
            !fks.iter().any(|fk| {
                let made = fk.name == index.name
                    || (fk.name.contains("_ibfk_") && Some(&index.name) == fk.columns.first());
                made && !index.unique && index.columns == fk.columns && index.prefixes.is_empty()
            })
        });
    }
    for row in check_rows {
        if json.contains(&(row.tbl.clone(), row.name.clone())) {
            continue;
        }
        if let Some(table) = tables.get_mut(&row.tbl) {
            table.table_constraints.push(TableConstraint {
                name: Some(row.name),
                kind: ConstraintKind::Check {
                    expr: row.clause,
                    not_valid: false,
                },
                written: None,
            });
        }
    }
    let mut schema = Schema::new();
    tables.into_values().for_each(|t| schema.insert(t));
    Ok(schema)
}

#[derive(QueryableByName)]
struct ViewColumnRow {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    column_type: String,
    #[diesel(sql_type = Text)]
    nullable: String,
}

/// Fills the columns of `schema`'s views that have none (introspection compares views by
/// their text and leaves their columns out), for `inspect`: one `information_schema.COLUMNS`
/// query over the views of the database. A view the server cannot read columns of (it reads a
/// table that is gone: MariaDB then lists none) is removed, said in the result.
pub(super) fn fill_view_columns(
    conn: &mut MysqlConnection,
    schema: &mut Schema,
) -> QueryResult<Vec<String>> {
    let wanted: Vec<String> = schema
        .views
        .iter()
        .filter(|(_, v)| v.columns.is_empty())
        .map(|(name, _)| sql_string(name))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<ViewColumnRow> = diesel::sql_query(format!(
        "SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS column_type, \
         IS_NULLABLE AS nullable FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({}) \
         ORDER BY TABLE_NAME, ORDINAL_POSITION",
        wanted.join(", ")
    ))
    .load(conn)?;
    for row in rows {
        if let Some(view) = schema.views.get_mut(&row.tbl) {
            view.columns.push(Column::new(
                &row.name,
                parse_column_type(&row.column_type, false),
                row.nullable == "YES",
            ));
        }
    }
    let unread: Vec<String> = schema
        .views
        .iter()
        .filter(|(_, v)| v.columns.is_empty())
        .map(|(name, _)| name.clone())
        .collect();
    Ok(unread
        .into_iter()
        .map(|name| {
            schema.views.remove(&name);
            format!(
                "view {name}: its columns cannot be read (it reads a table or column that is gone)"
            )
        })
        .collect())
}
