//! Property tests: for random schema pairs A and B, migrating A -> B -> A is the identity,
//! both on the in-memory model and on a real (in-memory) SQLite database.

use diesel::connection::SimpleConnection;
use diesel::Connection as _;
use proptest::prelude::*;

use crate::dialect::{Dialect, Sqlite};
use crate::diff::diff;
use crate::ops::reverse_all;
use crate::schema::{Column, FkAction, ForeignKey, Index, Schema, SqlType, Table};

const TABLES: [&str; 3] = ["alpha", "beta", "gamma"];
const COLUMNS: [&str; 5] = ["a", "b", "c", "d", "e"];

fn sql_type() -> impl Strategy<Value = SqlType> {
    prop_oneof![
        Just(SqlType::Integer),
        Just(SqlType::BigInt),
        Just(SqlType::Text),
        (1u32..300).prop_map(SqlType::Varchar),
        Just(SqlType::Boolean),
        Just(SqlType::Double),
        Just(SqlType::Date),
    ]
}

fn default_for(ty: &SqlType, pick: u8) -> Option<String> {
    if pick % 3 != 0 {
        return None;
    }
    Some(
        match ty {
            SqlType::Integer | SqlType::BigInt => "7",
            SqlType::Double => "1.5",
            SqlType::Boolean => "false",
            SqlType::Date => "'2020-01-01'",
            _ => "'x'",
        }
        .to_owned(),
    )
}

/// One table: `id` primary key, a subset of the column pool, maybe indexes and a reference to
/// an earlier table.
fn table(name: &'static str, earlier: Vec<&'static str>) -> impl Strategy<Value = Table> {
    (
        proptest::collection::vec((any::<bool>(), sql_type(), any::<bool>(), any::<u8>()), 5),
        proptest::collection::vec(any::<(bool, bool)>(), 5),
        any::<(bool, u8)>(),
    )
        .prop_map(move |(cols, idx, (fk, which))| {
            let mut t = Table::new(name);
            t.columns.push(Column::new("id", SqlType::BigInt, false));
            t.primary_key = vec!["id".into()];
            for (i, (present, ty, nullable, pick)) in cols.into_iter().enumerate() {
                if present {
                    let mut c = Column::new(COLUMNS[i], ty.clone(), nullable);
                    c.default = default_for(&ty, pick);
                    t.columns.push(c);
                }
            }
            for (i, (indexed, unique)) in idx.into_iter().enumerate() {
                if indexed && t.column(COLUMNS[i]).is_some() {
                    t.indexes.push(Index {
                        name: crate::schema::index_name(name, &[COLUMNS[i]], unique),
                        columns: vec![COLUMNS[i].into()],
                        unique,
                        constraint: false,
                    });
                }
            }
            if fk && !earlier.is_empty() {
                let target = earlier[usize::from(which) % earlier.len()];
                t.columns.push(Column::new("ref_id", SqlType::BigInt, true));
                t.foreign_keys.push(ForeignKey {
                    name: crate::schema::foreign_key_name(name, &["ref_id"], target),
                    columns: vec!["ref_id".into()],
                    ref_table: target.into(),
                    ref_columns: vec!["id".into()],
                    on_delete: if which % 2 == 0 {
                        FkAction::Cascade
                    } else {
                        FkAction::NoAction
                    },
                    on_update: FkAction::NoAction,
                    deferrable: Default::default(),
                });
            }
            t
        })
}

fn schema() -> impl Strategy<Value = Schema> {
    model_schema().prop_map(|mut s| {
        Sqlite.normalize(&mut s);
        s
    })
}

/// A schema as the models would declare it (no dialect normalisation).
fn model_schema() -> impl Strategy<Value = Schema> {
    (
        any::<[bool; 3]>(),
        table(TABLES[0], vec![]),
        table(TABLES[1], vec![TABLES[0]]),
        table(TABLES[2], vec![TABLES[0], TABLES[1]]),
    )
        .prop_map(|(present, t0, t1, t2)| {
            let mut s = Schema::new();
            let tables = [t0, t1, t2];
            for (keep, mut t) in present.into_iter().zip(tables) {
                if keep {
                    // Drop references to tables that are absent from this schema.
                    t.foreign_keys.retain(|fk| {
                        present[TABLES.iter().position(|n| *n == fk.ref_table).unwrap()]
                    });
                    s.insert(t);
                }
            }
            s
        })
}

/// Columns sorted by name: column order is not part of a table's identity.
fn sorted(mut s: Schema) -> Schema {
    for t in s.tables.values_mut() {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

fn live(conn: &mut diesel::sqlite::SqliteConnection) -> Schema {
    let mut s = crate::backend::sqlite::introspect::introspect(conn).expect("introspect");
    Sqlite.normalize(&mut s);
    sorted(s)
}

proptest! {
    // 96 cases by default; PROPTEST_CASES=5000 for a longer hunt.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(96)
    ))]

    #[test]
    fn applying_a_diff_and_its_reverse_is_the_identity(a in schema(), b in schema()) {
        let ops = diff(&a, &b);
        let mut s = a.clone();
        ops.iter().for_each(|op| op.apply(&mut s));
        prop_assert_eq!(sorted(s.clone()), sorted(b.clone()));
        prop_assert!(diff(&s, &b).is_empty());
        reverse_all(&ops).iter().for_each(|op| op.apply(&mut s));
        prop_assert_eq!(sorted(s), sorted(a));
    }

    #[test]
    fn sqlite_up_and_down_sql_reach_each_schema(a in schema(), b in schema()) {
        let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
        // As Retort's runner does (diesel switches them on).
        conn.batch_execute("PRAGMA foreign_keys = OFF;").unwrap();
        let empty = Schema::new();
        let create = Sqlite.render(&diff(&empty, &a), &empty).unwrap();
        conn.batch_execute(&create).unwrap();
        prop_assert_eq!(live(&mut conn), sorted(a.clone()));

        let plan = crate::autogen::plan_between(&Sqlite, &a, &b).unwrap();
        conn.batch_execute(&format!("BEGIN; {} COMMIT;", plan.up_sql)).unwrap();
        prop_assert_eq!(live(&mut conn), sorted(b.clone()), "up.sql:\n{}", plan.up_sql);
        conn.batch_execute(&format!("BEGIN; {} COMMIT;", plan.down_sql)).unwrap();
        prop_assert_eq!(live(&mut conn), sorted(a.clone()), "down.sql:\n{}", plan.down_sql);
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;

    /// The PostgreSQL server of the test run, if any (`scripts/test.sh` sets it; CI requires it).
    fn postgres() -> Option<crate::db::DatabaseUrl> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => Some(url.parse().expect("TEST_DATABASE_URL")),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("TEST_DATABASE_URL is not set: CI must test PostgreSQL")
            }
            _ => None,
        }
    }

    fn pg_execute(conn: &mut crate::db::Connection, sql: &str) {
        conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
            .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24)
        ))]

        /// On a real PostgreSQL server: after applying the generated up SQL, `check` is clean;
        /// after the down SQL, the database is exactly what it was.
        #[test]
        fn postgres_up_and_down_sql_reach_each_schema(a in model_schema(), b in model_schema()) {
            let Some(url) = postgres() else { return Ok(()) };
            let mut shadow = crate::shadow::ShadowDatabase::create(&url).unwrap();
            let conn = shadow.connection();
            let create = crate::autogen::plan(conn, &a).unwrap();
            pg_execute(conn, &create.up_sql);
            prop_assert!(crate::autogen::plan(conn, &a).unwrap().is_empty(), "{}", create.up_sql);
            let at_a = conn.introspect().unwrap();

            let change = crate::autogen::plan(conn, &b).unwrap();
            pg_execute(conn, &change.up_sql);
            let left = crate::autogen::plan(conn, &b).unwrap();
            prop_assert!(left.is_empty(), "still to do: {:?}\nup.sql:\n{}", left.ops, change.up_sql);
            pg_execute(conn, &change.down_sql);
            prop_assert_eq!(sorted(conn.introspect().unwrap()), sorted(at_a), "down.sql:\n{}", change.down_sql);
        }
    }
}
