//! Property tests: for random schema pairs A and B, migrating A -> B -> A is the identity, on
//! the in-memory model, on a real (in-memory) SQLite database and on a real PostgreSQL server
//! (`postgres`).
//!
//! The generators cover what each backend models: columns of several types, nullability and
//! defaults, plain and unique indexes, foreign keys with actions and `DEFERRABLE` / `INITIALLY
//! DEFERRED` (both backends), and on PostgreSQL unique indexes made as `UNIQUE` constraints,
//! model indexes with properties (partial, `DESC` keys, `hash`, `INCLUDE`, `NULLS NOT
//! DISTINCT`), model checks, stored generated columns and enum columns (labels added, removed,
//! reordered between A and B). The PostgreSQL test also adds definitions the model cannot say
//! (`postgres::Kept`).

use diesel::connection::SimpleConnection;
use diesel::Connection as _;
use proptest::prelude::*;

use crate::dialect::{Dialect, Sqlite};
use crate::diff::diff;
use crate::ops::reverse_all;
use crate::schema::{
    Column, Deferrable, FkAction, ForeignKey, Index, IndexOptions, Schema, SqlType, Table,
};

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

/// What a backend can hold, for the generators.
#[derive(Debug, Clone, Copy)]
struct Features {
    /// Unique indexes may be `UNIQUE` constraints (PostgreSQL; SQLite cannot add one after
    /// `CREATE TABLE` and reads its uniques as indexes).
    unique_constraints: bool,
    /// Model indexes may have properties beyond plain keys ([`crate::schema::IndexOptions`]:
    /// a predicate, a `DESC` key, `hash`, `INCLUDE`, `NULLS NOT DISTINCT`), which only a
    /// dialect's `model_defaults` and the server turn into definitions: for tests that go
    /// through `autogen::plan` on PostgreSQL.
    index_options: bool,
    /// Model checks, stored generated columns and enum columns, which the server normalises:
    /// for tests that go through `autogen::plan` on PostgreSQL.
    model_extras: bool,
}

const SQLITE: Features = Features {
    unique_constraints: false,
    index_options: false,
    model_extras: false,
};
const POSTGRES: Features = Features {
    unique_constraints: true,
    index_options: false,
    model_extras: false,
};
/// PostgreSQL, with model index properties, checks, generated columns and enums.
const POSTGRES_MODELS: Features = Features {
    unique_constraints: true,
    index_options: true,
    model_extras: true,
};

/// A table's extras by `pick`: a check on `id`, a stored generated column `g`, an enum column
/// `mood` whose type (one per table) has one of three label lists.
fn extras(t: &mut Table, pick: u8) {
    if pick % 3 == 1 {
        let name = format!("ck_{}_1", t.name);
        t.table_constraints
            .push(crate::schema::TableConstraint::check(
                &name, "id >= 0", false,
            ));
    }
    if pick % 5 == 2 {
        let mut g = Column::new("g", SqlType::BigInt, true);
        g.generated = Some(crate::schema::Generated {
            expr: "id * 2".into(),
            stored: true,
        });
        t.columns.push(g);
    }
    let labels: Option<&[&str]> = match pick % 7 {
        1 => Some(&["a", "b"]),
        2 => Some(&["a", "c", "b"]),
        3 => Some(&["b", "a"]),
        _ => None,
    };
    if let Some(labels) = labels {
        let ty = SqlType::Enum {
            name: format!("mood_{}", t.name),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        };
        t.columns.push(Column::new("mood", ty, true));
    }
}

/// Index properties by `pick` (most picks: none), valid for the index's kind.
fn index_options(pick: u8, column: &str, unique: bool, constraint: bool) -> IndexOptions {
    let mut o = IndexOptions::default();
    match pick % 8 {
        1 | 2 if !constraint => o.predicate = Some(format!("\"{column}\" IS NOT NULL")),
        3 if !constraint => o.keys = vec![format!("\"{column}\" DESC")],
        4 if !constraint && !unique => o.method = Some("hash".into()),
        5 if column != "id" => o.include = vec!["id".into()],
        6 if unique => o.nulls_not_distinct = true,
        _ => {}
    }
    o
}

fn deferrable(pick: u8) -> Deferrable {
    match pick % 3 {
        0 => Deferrable::No,
        1 => Deferrable::Deferrable,
        _ => Deferrable::InitiallyDeferred,
    }
}

/// A doc comment, or none (a few, so that two schemas often share one).
fn comment(pick: u8) -> Option<String> {
    match pick % 3 {
        0 => None,
        1 => Some("A comment.".into()),
        _ => Some("It's\nanother.".into()),
    }
}

/// One table (maybe with a comment): `id` primary key, a subset of the column pool, maybe indexes (unique ones maybe
/// as constraints) and a reference to an earlier table (maybe deferrable).
fn table(
    name: &'static str,
    earlier: Vec<&'static str>,
    features: Features,
) -> impl Strategy<Value = Table> {
    (
        proptest::collection::vec((any::<bool>(), sql_type(), any::<bool>(), any::<u8>()), 5),
        proptest::collection::vec(any::<(bool, bool, bool, u8)>(), 5),
        any::<(bool, u8, u8)>(),
        any::<u8>(),
    )
        .prop_map(move |(cols, idx, (fk, which, when), extra)| {
            let mut t = Table::new(name);
            t.comment = comment(when / 3);
            t.columns.push(Column::new("id", SqlType::BigInt, false));
            t.primary_key = vec!["id".into()];
            for (i, (present, ty, nullable, pick)) in cols.into_iter().enumerate() {
                if present {
                    let mut c = Column::new(COLUMNS[i], ty.clone(), nullable);
                    c.default = default_for(&ty, pick);
                    c.comment = comment(pick / 7);
                    t.columns.push(c);
                }
            }
            for (i, (indexed, unique, constraint, pick)) in idx.into_iter().enumerate() {
                if indexed && t.column(COLUMNS[i]).is_some() {
                    let constraint = unique && constraint && features.unique_constraints;
                    let options = if features.index_options {
                        index_options(pick, COLUMNS[i], unique, constraint)
                    } else {
                        IndexOptions::default()
                    };
                    t.indexes.push(Index {
                        name: crate::naming::index_name(name, &[COLUMNS[i]], unique),
                        columns: vec![COLUMNS[i].into()],
                        unique,
                        constraint,
                        options,
                        prefixes: Vec::new(),
                    });
                }
            }
            if features.model_extras {
                extras(&mut t, extra);
            }
            if fk && !earlier.is_empty() {
                let target = earlier[usize::from(which) % earlier.len()];
                t.columns.push(Column::new("ref_id", SqlType::BigInt, true));
                t.foreign_keys.push(ForeignKey {
                    name: crate::naming::foreign_key_name(name, &["ref_id"], target),
                    columns: vec!["ref_id".into()],
                    ref_table: target.into(),
                    ref_columns: vec!["id".into()],
                    on_delete: if which % 2 == 0 {
                        FkAction::Cascade
                    } else {
                        FkAction::NoAction
                    },
                    on_update: FkAction::NoAction,
                    deferrable: deferrable(when),
                });
            }
            t
        })
}

/// A schema for `features`, normalised for SQLite.
fn schema(features: Features) -> impl Strategy<Value = Schema> {
    model_schema(features).prop_map(|mut s| {
        Sqlite.normalize(&mut s);
        s
    })
}

/// A schema as the models would declare it (no dialect normalisation), with what `features`
/// allows.
fn model_schema(features: Features) -> impl Strategy<Value = Schema> {
    (
        any::<[bool; 3]>(),
        table(TABLES[0], vec![], features),
        table(TABLES[1], vec![TABLES[0]], features),
        table(TABLES[2], vec![TABLES[0], TABLES[1]], features),
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

/// `sorted`, with every unique index a plain one: how a unique index is made (constraint or
/// index) is not compared by the diff, so a migration to B keeps A's way where both have it.
fn without_constraints(s: Schema) -> Schema {
    let mut s = sorted(s);
    for t in s.tables.values_mut() {
        t.indexes.iter_mut().for_each(|i| i.constraint = false);
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
    fn applying_a_diff_and_its_reverse_is_the_identity(a in schema(POSTGRES), b in schema(POSTGRES)) {
        let ops = diff(&a, &b);
        let mut s = a.clone();
        ops.iter().for_each(|op| op.apply(&mut s));
        prop_assert_eq!(without_constraints(s.clone()), without_constraints(b.clone()));
        prop_assert!(diff(&s, &b).is_empty());
        reverse_all(&ops).iter().for_each(|op| op.apply(&mut s));
        prop_assert_eq!(sorted(s), sorted(a));
    }

    #[test]
    fn sqlite_up_and_down_sql_reach_each_schema(a in schema(SQLITE), b in schema(SQLITE)) {
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
mod postgres;
