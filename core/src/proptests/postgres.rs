//! The property test on a real PostgreSQL server (`TEST_DATABASE_URL`; `scripts/test.sh` starts
//! one, CI requires it), with definitions the model cannot say kept on A's tables.
//!
//! Each table of A may carry kept definitions ([`Kept`]): a `CHECK` constraint on one of its
//! columns, an expression index `lower(col)` on a text column, a `COMMENT ON TABLE`. Introspection
//! keeps them in [`crate::schema::Table::unmodeled`]; the models never declare them. What must
//! hold:
//!
//! - they are all differences (the models own their tables and, on PostgreSQL, the tables'
//!   comments): the plan to A drops exactly those indexes and constraints and removes exactly
//!   those comments;
//! - migrating to B and back restores all of them exactly, whether B drops their table, modifies
//!   it (they are dropped first, so no column drop or type change is blocked by them) or keeps
//!   it.

use std::collections::BTreeSet;

use super::*;
use crate::ops::Op;

fn definition_name(definition: &crate::schema::Kept) -> String {
    match definition.owned_name() {
        Some(n) => n.to_owned(),
        None => panic!("not owned: {}", definition.sql()),
    }
}

/// Definitions the model cannot say, for one table: each a pick among the table's columns.
#[derive(Debug, Clone)]
struct Kept {
    /// `CHECK ("col" IS NULL OR "id" > 0)` on a column other than `id` (any type).
    check: Option<u8>,
    /// `CREATE INDEX ... (lower("col"))` on a `TEXT` or `VARCHAR` column.
    lower: Option<u8>,
    /// `COMMENT ON TABLE`.
    comment: bool,
}

fn kept() -> impl Strategy<Value = [Kept; 3]> {
    let one = (any::<Option<u8>>(), any::<Option<u8>>(), any::<bool>()).prop_map(
        |(check, lower, comment)| Kept {
            check,
            lower,
            comment,
        },
    );
    [one.clone(), one.clone(), one]
}

/// A kept index or constraint, by its name.
#[derive(Debug, Clone)]
struct Object {
    name: String,
}

/// The SQL that adds `kept` to the tables of `a`, and the objects it makes (a comment is
/// `comment on <table>`).
fn kept_sql(a: &Schema, kept: &[Kept; 3]) -> (String, Vec<Object>) {
    let (mut sql, mut objects) = (String::new(), Vec::new());
    for (name, k) in TABLES.iter().zip(kept) {
        let Some(t) = a.get(name) else { continue };
        let pick = |pick: Option<u8>, fits: &dyn Fn(&Column) -> bool| {
            let fitting: Vec<&Column> = t.columns.iter().filter(|c| fits(c)).collect();
            pick.filter(|_| !fitting.is_empty())
                .map(|p| fitting[usize::from(p) % fitting.len()].name.clone())
        };
        if let Some(col) = pick(k.check, &|c| c.name != "id") {
            let ck = format!("ck_{name}_{col}");
            sql.push_str(&format!(
                "ALTER TABLE \"{name}\" ADD CONSTRAINT \"{ck}\" CHECK (\"{col}\" IS NULL OR \"id\" > 0);\n"
            ));
            objects.push(Object { name: ck });
        }
        let text = |c: &Column| matches!(c.ty, SqlType::Text | SqlType::Varchar(_));
        if let Some(col) = pick(k.lower, &text) {
            let ix = format!("ix_{name}_lower_{col}");
            sql.push_str(&format!(
                "CREATE INDEX \"{ix}\" ON \"{name}\" (lower(\"{col}\"));\n"
            ));
            objects.push(Object { name: ix });
        }
        if k.comment {
            sql.push_str(&format!("COMMENT ON TABLE \"{name}\" IS 'kept {name}';\n"));
            objects.push(Object {
                name: format!("comment on {name}"),
            });
        }
    }
    (sql, objects)
}

/// The PostgreSQL server of the test run, if any (`scripts/test.sh` sets it; CI requires it).
fn postgres() -> Option<crate::db::DatabaseUrl> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => Some(url.parse().expect("TEST_DATABASE_URL")),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("TEST_DATABASE_URL is not set: CI must test PostgreSQL")
        }
        _ => {
            crate::plan_tests::skipped("no PostgreSQL", "TEST_DATABASE_URL is not set");
            None
        }
    }
}

fn pg_execute(conn: &mut crate::db::Connection, sql: &str) {
    conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
        .unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24)
    ))]

    /// On a real PostgreSQL server: after applying the generated up SQL, `check` is clean;
    /// after the down SQL, the database is exactly what it was, kept definitions included.
    #[test]
    fn postgres_up_and_down_sql_reach_each_schema(
        a in model_schema(POSTGRES_MODELS),
        b in model_schema(POSTGRES_MODELS),
        kept in kept(),
    ) {
        let Some(url) = postgres() else { return Ok(()) };
        let mut shadow = crate::shadow::ShadowDatabase::create(&url).unwrap();
        let conn = shadow.connection();
        let create = crate::autogen::plan(conn, &a).unwrap();
        pg_execute(conn, &create.up_sql);
        let (kept_sql, objects) = kept_sql(&a, &kept);
        if !kept_sql.is_empty() {
            pg_execute(conn, &kept_sql);
        }
        // Kept indexes and constraints belong to tables the models own: each is a difference
        // (dropped, its reverse re-creating it); so is a table comment the models lack.
        let own = crate::autogen::plan(conn, &a).unwrap();
        let named: BTreeSet<String> = own
            .ops
            .iter()
            .map(|op| match op {
                Op::DropDefinition { definition, .. } => definition_name(definition),
                Op::AlterComment { table, column: None, .. } => {
                    format!("comment on {table}")
                }
                other => panic!("not a kept definition: {other}"),
            })
            .collect();
        let expected: BTreeSet<String> = objects.iter().map(|o| o.name.clone()).collect();
        prop_assert_eq!(named, expected);
        let at_a = conn.introspect().unwrap();

        let change = crate::autogen::plan(conn, &b).unwrap();
        pg_execute(conn, &change.up_sql);
        let left = crate::autogen::plan(conn, &b).unwrap();
        prop_assert!(left.is_empty(), "still to do: {:?}\nup.sql:\n{}", left.ops, change.up_sql);
        pg_execute(conn, &change.down_sql);
        prop_assert_eq!(
            sorted(conn.introspect().unwrap()),
            sorted(at_a),
            "kept:\n{}\nup.sql:\n{}\ndown.sql:\n{}",
            kept_sql,
            change.up_sql,
            change.down_sql
        );
    }
}
