//! The property test on a real PostgreSQL server (`TEST_DATABASE_URL`; `scripts/test.sh` starts
//! one, CI requires it), with definitions the model cannot say kept on A's tables.
//!
//! Each table of A may carry kept definitions ([`Kept`]): a `CHECK` constraint on one of its
//! columns, an expression index `lower(col)` on a text column, a `COMMENT ON TABLE`. Introspection
//! keeps them in [`crate::schema::Table::unmodeled`]; the models never declare them. What must
//! hold:
//!
//! - a table of A that B lacks is dropped with them and restored with them, exactly;
//! - a table B modifies keeps them untouched through up and down;
//! - B dropping a column one of them uses, or changing its type to another family, is refused by
//!   `autogenerate` (they would go silently with the column, or PostgreSQL would fail to rebuild
//!   them: see `crate::depend`), naming exactly those objects; the test then drops them by hand,
//!   as the refusal says to, and goes on.

use std::collections::BTreeSet;

use super::*;

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

/// A kept object as `autogenerate` names it in a refusal, with the columns it uses.
#[derive(Debug, Clone)]
struct Object {
    table: String,
    name: String,
    columns: Vec<String>,
    /// The SQL that drops it by hand.
    drop: String,
}

/// The SQL that adds `kept` to the tables of `a`, and the objects it makes (comments excepted:
/// nothing depends on them).
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
            objects.push(Object {
                table: name.to_string(),
                drop: format!("ALTER TABLE \"{name}\" DROP CONSTRAINT \"{ck}\";\n"),
                name: ck,
                columns: vec![col, "id".into()],
            });
        }
        let text = |c: &Column| matches!(c.ty, SqlType::Text | SqlType::Varchar(_));
        if let Some(col) = pick(k.lower, &text) {
            let ix = format!("ix_{name}_lower_{col}");
            sql.push_str(&format!(
                "CREATE INDEX \"{ix}\" ON \"{name}\" (lower(\"{col}\"));\n"
            ));
            objects.push(Object {
                table: name.to_string(),
                drop: format!("DROP INDEX \"{ix}\";\n"),
                name: ix,
                columns: vec![col],
            });
        }
        if k.comment {
            sql.push_str(&format!("COMMENT ON TABLE \"{name}\" IS 'kept {name}';\n"));
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
        _ => None,
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
        a in model_schema(POSTGRES),
        b in model_schema(POSTGRES),
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
        // Kept definitions are no difference.
        prop_assert!(crate::autogen::plan(conn, &a).unwrap().is_empty(), "{}", create.up_sql);

        // Kept objects on a column that B, keeping the table, drops or gives a type of another
        // family: refused, each named.
        let refused: Vec<&Object> = objects
            .iter()
            .filter(|o| {
                let (Some(was), Some(t)) = (a.get(&o.table), b.get(&o.table)) else {
                    return false;
                };
                o.columns.iter().any(|c| match (was.column(c), t.column(c)) {
                    (Some(x), Some(y)) => {
                        x.ty != y.ty && !crate::dialect::postgres::same_family(&x.ty, &y.ty)
                    }
                    _ => true,
                })
            })
            .collect();
        match crate::autogen::plan(conn, &b) {
            Err(crate::Error::Dependency(e)) => {
                let named: BTreeSet<&str> =
                    e.blocked.iter().map(|b| b.dependent.name.as_str()).collect();
                let expected: BTreeSet<&str> = refused.iter().map(|o| o.name.as_str()).collect();
                prop_assert_eq!(named, expected, "{}", e);
                // As the refusal says: drop them by hand first.
                let drops: String = refused.iter().map(|o| o.drop.as_str()).collect();
                pg_execute(conn, &drops);
            }
            Err(e) => panic!("{e}"),
            Ok(_) => prop_assert!(refused.is_empty(), "not refused: {:?}", refused),
        }
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
