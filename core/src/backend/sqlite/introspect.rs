//! SQLite introspection: one query per object kind (columns, foreign keys, indexes, the
//! schema SQL of tables, indexes and triggers; one function each in `catalog`),
//! assembled here into a schema.

use std::collections::BTreeMap;

use diesel::sqlite::SqliteConnection;

use super::catalog::{self, AttachedRow, ColumnRow, ForeignKeyRow, IndexRow};
use crate::naming::foreign_key_name;
use crate::schema::{Column, Dependent, FkAction, ForeignKey, Index, Schema, SqlType, Table};

/// Keeps what `sql`, the table's `CREATE TABLE` text, says that the model cannot: its table
/// constraints, options and each column's extra clauses (see [`crate::sql::table_clauses`]),
/// and reads its foreign keys' `DEFERRABLE`, which `pragma_foreign_key_list` does not report.
fn keep_clauses(table: &mut Table, sql: &str) {
    let Some(clauses) = crate::sql::table_clauses(sql) else {
        return;
    };
    // Each declared key gives its `DEFERRABLE` to the first key read from the pragma with the
    // same columns and referenced table (names compared as SQLite does, ignoring case). The
    // pragma numbers keys last declared first: the clauses are matched in that order too.
    let mut matched = vec![false; table.foreign_keys.len()];
    for clause in clauses.foreign_keys.iter().rev() {
        let same = |fk: &ForeignKey| {
            fk.ref_table.eq_ignore_ascii_case(&clause.ref_table)
                && fk.columns.len() == clause.columns.len()
                && fk
                    .columns
                    .iter()
                    .zip(&clause.columns)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        };
        if let Some(i) =
            (0..table.foreign_keys.len()).find(|&i| !matched[i] && same(&table.foreign_keys[i]))
        {
            matched[i] = true;
            table.foreign_keys[i].deferrable = clause.deferrable;
        }
    }
    table.table_constraints = clauses
        .constraints
        .iter()
        .map(|c| crate::sql::table_constraint(c))
        .collect();
    table.options = clauses.options;
    table.autoincrement = clauses.autoincrement;
    for (name, extra) in clauses.columns {
        if let Some(c) = table
            .columns
            .iter_mut()
            .find(|c| c.name.eq_ignore_ascii_case(&name))
        {
            // The generated clause stays verbatim (it renders); its parts are compared.
            c.generated = extra
                .iter()
                .find_map(|x| crate::sql::generated_parts(x))
                .map(|(expr, stored)| crate::schema::Generated { expr, stored });
            c.extra = extra.into_iter().map(crate::sql::column_clause).collect();
        }
    }
}

/// Reads every user table of the database, with the clauses of its `CREATE TABLE` that the
/// model cannot say (kept verbatim), its generated columns, and the triggers and indexes on it
/// that the model cannot say ([`Table::unmodeled`]).
pub fn introspect(conn: &mut SqliteConnection) -> diesel::QueryResult<Schema> {
    let columns = catalog::columns(conn)?;
    let fks = catalog::foreign_keys(conn)?;
    let indexes = catalog::indexes(conn)?;
    let attached = catalog::attached(conn)?;

    let mut tables = tables_of(columns);
    add_foreign_keys(&mut tables, fks);
    add_indexes(&mut tables, indexes, &attached);
    let readers = readers_of(&attached);
    let mut dependents = reader_dependents(&readers, &tables);
    // The triggers on something not a table (a view's), for the views below.
    let other_triggers: Vec<(String, String)> = attached
        .iter()
        .filter(|r| r.kind == "trigger" && !tables.contains_key(&r.tbl))
        .map(|r| (r.tbl.clone(), r.sql.clone()))
        .collect();
    add_attached(&mut tables, attached, &mut dependents);

    let mut schema = Schema::new();
    tables.into_values().for_each(|t| schema.insert(t));
    // A view's name is no table's.
    schema.occupied = readers
        .iter()
        .filter(|(_, _, kind)| *kind == "view")
        .map(|(name, _, kind)| (name.clone(), kind.to_string()))
        .collect();
    schema.views = readers
        .iter()
        .filter(|(_, _, kind)| *kind == "view")
        .filter_map(|(name, sql, _)| {
            let query = crate::sql::view_query(sql)?;
            Some((name.clone(), crate::sql::view(name, &query, false)))
        })
        .collect();
    // A view's triggers (`INSTEAD OF`), as SQLite keeps their text.
    for (view, sql) in other_triggers {
        if let Some(v) = schema.views.get_mut(&view) {
            v.triggers.push(crate::sql::kept(sql));
        }
    }
    dependents.sort();
    schema.dependents = dependents;
    Ok(schema)
}

/// The tables with their columns and primary keys.
fn tables_of(columns: Vec<ColumnRow>) -> BTreeMap<String, Table> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut pk_positions: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for row in columns {
        let table = tables
            .entry(row.tbl.clone())
            .or_insert_with(|| Table::new(&row.tbl));
        let mut column = Column::new(&row.name, SqlType::parse(&row.ty), row.notnull == 0);
        column.spelling = crate::schema::Spelling {
            ty: (!row.ty.is_empty()).then(|| row.ty.clone()),
            null_default: row
                .dflt
                .as_deref()
                .is_some_and(crate::dialect::is_null_default),
        };
        column.default = row.dflt;
        table.columns.push(column);
        if row.pk > 0 {
            pk_positions
                .entry(row.tbl)
                .or_default()
                .push((row.pk, row.name));
        }
    }
    for (tbl, mut cols) in pk_positions {
        cols.sort();
        if let Some(t) = tables.get_mut(&tbl) {
            t.primary_key = cols.into_iter().map(|(_, c)| c).collect();
        }
    }
    tables
}

/// Puts the foreign keys on their tables.
fn add_foreign_keys(tables: &mut BTreeMap<String, Table>, fks: Vec<ForeignKeyRow>) {
    // Group foreign key rows by (table, id); a missing `to` means the referenced primary key.
    let mut grouped: BTreeMap<(String, i64), Vec<ForeignKeyRow>> = BTreeMap::new();
    for row in fks {
        grouped
            .entry((row.tbl.clone(), row.id))
            .or_default()
            .push(row);
    }
    let primary_keys: BTreeMap<String, Vec<String>> = tables
        .iter()
        .map(|(n, t)| (n.clone(), t.primary_key.clone()))
        .collect();
    for ((tbl, _), rows) in grouped {
        let columns: Vec<String> = rows.iter().map(|r| r.from_col.clone()).collect();
        let ref_table = rows[0].ref_table.clone();
        let ref_columns: Vec<String> = if rows.iter().all(|r| r.to_col.is_some()) {
            rows.iter().filter_map(|r| r.to_col.clone()).collect()
        } else {
            primary_keys.get(&ref_table).cloned().unwrap_or_default()
        };
        let fk = ForeignKey {
            name: foreign_key_name(&tbl, &columns, &ref_table),
            columns,
            ref_table,
            ref_columns,
            on_delete: FkAction::parse(&rows[0].on_delete).unwrap_or_default(),
            on_update: FkAction::parse(&rows[0].on_update).unwrap_or_default(),
            deferrable: Default::default(),
        };
        if let Some(t) = tables.get_mut(&tbl) {
            t.foreign_keys.push(fk);
        }
    }
}

/// Puts the indexes the model describes on their tables.
fn add_indexes(
    tables: &mut BTreeMap<String, Table>,
    indexes: Vec<IndexRow>,
    attached: &[AttachedRow],
) {
    // Index name -> whether its SQL says COLLATE anywhere (`LIKE '%collate%'`: ASCII case
    // ignored).
    let collates: std::collections::HashMap<&str, bool> = attached
        .iter()
        .filter(|r| r.kind == "index")
        .map(|r| {
            (
                r.name.as_str(),
                r.sql.to_ascii_lowercase().contains("collate"),
            )
        })
        .collect();
    // (table, index) -> (unique, columns; None for an expression, a DESC or collated key)
    type IndexColumns = (bool, Vec<Option<String>>);
    let mut grouped: BTreeMap<(String, String), IndexColumns> = BTreeMap::new();
    for row in indexes {
        let Some(&collate) = collates.get(row.idx.as_str()) else {
            continue;
        };
        let col = row.col.filter(|_| row.descending == 0 && !collate);
        let entry = grouped
            .entry((row.tbl, row.idx))
            .or_insert((row.is_unique != 0, Vec::new()));
        entry.1.push(col);
    }
    for ((tbl, name), (unique, cols)) in grouped {
        // Expression keys, and keys with DESC or their own COLLATE, are outside the model:
        // such an index is kept as its SQL (`add_attached`). (A key that only inherits its column's
        // collation is a plain key.)
        let Some(columns) = cols.into_iter().collect::<Option<Vec<String>>>() else {
            continue;
        };
        if let Some(t) = tables.get_mut(&tbl) {
            t.indexes.push(Index {
                name,
                columns,
                unique,
                constraint: false,
                options: Default::default(),
                prefixes: Vec::new(),
            });
        }
    }
}

/// A view or trigger that reads tables: its name, its SQL and its kind.
type Reader = (String, String, &'static str);

/// The views, and the triggers (named `trigger on table`), of the database.
fn readers_of(attached: &[AttachedRow]) -> Vec<Reader> {
    // Views, and triggers of other tables, that name a table (and which of its columns): SQLite
    // lets a table they read be dropped and breaks them silently, so Retort refuses.
    let mut readers: Vec<Reader> = Vec::new();
    for row in attached {
        match row.kind.as_str() {
            "view" => readers.push((row.name.clone(), row.sql.clone(), "view")),
            "trigger" => readers.push((
                format!("{} on {}", row.name, row.tbl),
                row.sql.clone(),
                "trigger",
            )),
            _ => {}
        }
    }
    readers
}

/// The views and triggers of other tables that name a table (and which of its columns).
fn reader_dependents(readers: &[Reader], tables: &BTreeMap<String, Table>) -> Vec<Dependent> {
    let mut dependents = Vec::new();
    for (name, sql, kind) in readers {
        for t in tables.values() {
            if *kind == "trigger" && name.ends_with(&format!(" on {}", t.name)) {
                continue;
            }
            if !crate::sql::mentions(sql, &t.name) {
                continue;
            }
            dependents.push(Dependent {
                table: t.name.clone(),
                column: None,
                kind: kind.to_string(),
                name: name.clone(),
                blocks_type_change: false,
            });
            for c in t
                .columns
                .iter()
                .filter(|c| crate::sql::mentions(sql, &c.name))
            {
                dependents.push(Dependent {
                    table: t.name.clone(),
                    column: Some(c.name.clone()),
                    kind: kind.to_string(),
                    name: name.clone(),
                    blocks_type_change: false,
                });
            }
        }
    }

    dependents
}

/// Keeps each table's own text and clauses, and the indexes and triggers the model does not
/// describe ([`Table::unmodeled`]); a kept index's columns go to `dependents`.
fn add_attached(
    tables: &mut BTreeMap<String, Table>,
    attached: Vec<AttachedRow>,
    dependents: &mut Vec<Dependent>,
) {
    for row in attached {
        if row.kind == "view" {
            continue;
        }
        let Some(t) = tables.get_mut(&row.tbl) else {
            continue;
        };
        if row.kind == "table" {
            keep_clauses(t, &row.sql);
            t.written.create = Some(row.sql);
            continue;
        }
        let modeled = row.kind == "index" && t.indexes.iter().any(|i| i.name == row.name);
        if modeled {
            t.written.indexes.insert(row.name.clone(), row.sql.clone());
        }
        if !modeled {
            if row.kind == "index" {
                // A kept index on a column the models drop cannot be re-created after it.
                for c in t
                    .columns
                    .iter()
                    .filter(|c| crate::sql::mentions(&row.sql, &c.name))
                {
                    dependents.push(Dependent {
                        table: t.name.clone(),
                        column: Some(c.name.clone()),
                        kind: "index".into(),
                        name: row.name.clone(),
                        blocks_type_change: false,
                    });
                }
            }
            t.unmodeled.push(crate::sql::kept(row.sql));
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::Connection as _;

    use crate::dialect::{Dialect, Sqlite};
    use crate::schema::{Deferrable, Schema, SqlType};

    fn read(conn: &mut diesel::sqlite::SqliteConnection) -> Schema {
        let mut s = super::introspect(conn).unwrap();
        Sqlite.normalize(&mut s);
        s
    }

    #[test]
    fn foreign_keys_keep_deferrable_from_the_create_table_text() {
        let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER, y INTEGER, UNIQUE (x, y));
             CREATE TABLE b (id INTEGER PRIMARY KEY,
               a_id INTEGER REFERENCES \"A\" (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
               a2 INTEGER CONSTRAINT k REFERENCES a DEFERRABLE INITIALLY IMMEDIATE,
               a3 INTEGER REFERENCES a (id) NOT DEFERRABLE INITIALLY DEFERRED,
               x INTEGER, y INTEGER, n TEXT,
               FOREIGN KEY (X, y) REFERENCES a (x, y) DEFERRABLE,
               CONSTRAINT again FOREIGN KEY (x, y) REFERENCES a (x, y) -- a comment
                 DEFERRABLE INITIALLY DEFERRED);",
        )
        .unwrap();
        let s = read(&mut conn);
        let b = &s.tables["b"];
        let of = |cols: &[&str]| -> Vec<Deferrable> {
            b.foreign_keys
                .iter()
                .filter(|fk| {
                    fk.columns
                        .iter()
                        .map(String::as_str)
                        .eq(cols.iter().copied())
                })
                .map(|fk| fk.deferrable)
                .collect()
        };
        assert_eq!(of(&["a_id"]), [Deferrable::InitiallyDeferred]);
        assert_eq!(of(&["a2"]), [Deferrable::Deferrable]);
        assert_eq!(of(&["a3"]), [Deferrable::No]);
        let mut pair = of(&["x", "y"]);
        pair.sort();
        assert_eq!(
            pair,
            [Deferrable::Deferrable, Deferrable::InitiallyDeferred]
        );

        // A rebuild (a type change) and its reverse keep every key's DEFERRABLE.
        let mut model = s.clone();
        let n = model.tables.get_mut("b").unwrap().column_mut("n").unwrap();
        n.ty = SqlType::Integer;
        let plan = crate::autogen::plan_between(&Sqlite, &s, &model).unwrap();
        conn.batch_execute(&format!("BEGIN; {} COMMIT;", plan.up_sql))
            .unwrap();
        assert_eq!(read(&mut conn), model, "{}", plan.up_sql);
        conn.batch_execute(&format!("BEGIN; {} COMMIT;", plan.down_sql))
            .unwrap();
        assert_eq!(read(&mut conn), s, "{}", plan.down_sql);
        // And the rebuilt key is deferred indeed: a dangling row waits for the commit.
        conn.batch_execute(
            "PRAGMA foreign_keys = ON; BEGIN; INSERT INTO b (id, a_id) VALUES (1, 9);
             INSERT INTO a (id) VALUES (9); COMMIT;",
        )
        .unwrap();
    }

    /// `AUTOINCREMENT` is read, kept through a rebuild with the table's `sqlite_sequence`
    /// value (a deleted id is not given again), removed only by a diff that says so, and
    /// brought back by the reverse.
    #[test]
    fn autoincrement_and_its_sequence_survive_rebuilds() {
        let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n TEXT NOT NULL);
             INSERT INTO t (n) VALUES ('a'), ('b'); DELETE FROM t WHERE id = 2;",
        )
        .unwrap();
        let s = read(&mut conn);
        assert!(s.tables["t"].autoincrement);
        let max_id = |conn: &mut diesel::sqlite::SqliteConnection| -> i64 {
            #[derive(diesel::QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                id: i64,
            }
            diesel::RunQueryDsl::get_result::<Row>(
                diesel::sql_query("INSERT INTO t (n) VALUES ('next') RETURNING id"),
                conn,
            )
            .unwrap()
            .id
        };
        let run = |conn: &mut diesel::sqlite::SqliteConnection, sql: &str| {
            conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
                .unwrap();
        };

        // Any rebuild (here: a column made nullable) keeps AUTOINCREMENT and the sequence.
        let mut model = s.clone();
        model
            .tables
            .get_mut("t")
            .unwrap()
            .column_mut("n")
            .unwrap()
            .nullable = true;
        let plan = crate::autogen::plan_between(&Sqlite, &s, &model).unwrap();
        run(&mut conn, &plan.up_sql);
        assert_eq!(read(&mut conn), model, "{}", plan.up_sql);
        assert_eq!(
            max_id(&mut conn),
            3,
            "a deleted id came back:\n{}",
            plan.up_sql
        );
        conn.batch_execute("DELETE FROM t WHERE id = 3").unwrap();
        run(&mut conn, &plan.down_sql);
        assert_eq!(read(&mut conn), s, "{}", plan.down_sql);
        assert_eq!(max_id(&mut conn), 4, "{}", plan.down_sql);
        conn.batch_execute("DELETE FROM t WHERE id = 4").unwrap();

        // Models without it: the key loses AUTOINCREMENT; the reverse gives it back, and the
        // sequence continues from the largest id left.
        let mut plain = s.clone();
        plain.tables.get_mut("t").unwrap().autoincrement = false;
        let plan = crate::autogen::plan_between(&Sqlite, &s, &plain).unwrap();
        assert!(
            plan.ops
                .iter()
                .any(|op| matches!(op, crate::ops::Op::AlterAutoincrement { to: false, .. })),
            "{:?}",
            plan.ops
        );
        run(&mut conn, &plan.up_sql);
        assert_eq!(read(&mut conn), plain, "{}", plan.up_sql);
        assert!(
            !plan.up_sql.contains("\"id\" AUTOINCREMENT"),
            "{}",
            plan.up_sql
        );
        run(&mut conn, &plan.down_sql);
        assert_eq!(read(&mut conn), s, "{}", plan.down_sql);
    }
}
