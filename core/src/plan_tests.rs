//! Ordering rules of plans, run on real databases: an in-memory SQLite database and (with
//! `TEST_DATABASE_URL`, which CI always sets) a scratch PostgreSQL database. Each case plans
//! A -> B with `autogen::plan`, runs the up SQL, checks that nothing is left to do, runs the
//! down SQL and checks that the database is A again.

use crate::db::Connection;
use crate::schema::{Column, FkAction, ForeignKey, Index, Schema, SqlType, Table};
use crate::shadow::ShadowDatabase;

pub(crate) fn table(name: &str, columns: &[(&str, SqlType)], key: &[&str]) -> Table {
    let mut t = Table::new(name);
    for (column, ty) in columns {
        t.columns.push(Column::new(*column, ty.clone(), false));
    }
    t.primary_key = key.iter().map(|k| k.to_string()).collect();
    t
}

pub(crate) fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::new();
    tables.into_iter().for_each(|t| s.insert(t));
    s
}

/// Columns sorted by name: a restored column may come back in another place (column order is
/// not part of a table's identity).
pub(crate) fn by_name(mut s: Schema) -> Schema {
    for t in s.tables.values_mut() {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

/// Every backend of this test run.
pub(crate) fn backends() -> Vec<ShadowDatabase> {
    #[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
    let mut dbs = vec![ShadowDatabase::create(&"sqlite::memory:".parse().unwrap()).unwrap()];
    // A build without the postgres feature tests SQLite alone.
    #[cfg(feature = "postgres")]
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let url: crate::db::DatabaseUrl = url.parse().expect("TEST_DATABASE_URL");
            dbs.push(ShadowDatabase::create(&url).expect("a scratch PostgreSQL database"));
        }
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("TEST_DATABASE_URL is not set: CI must test PostgreSQL")
        }
        _ => skipped(
            "no PostgreSQL",
            "TEST_DATABASE_URL is not set: tested on SQLite only",
        ),
    }
    dbs
}

/// [`crate::testing::skipped`], for the crate's own tests.
pub(crate) fn skipped(reason: &str, detail: &str) {
    crate::testing::skipped(reason, detail);
}

pub(crate) fn run(conn: &mut Connection, sql: &str) {
    let framed = match conn.backend().key() {
        "sqlite" => {
            format!("PRAGMA foreign_keys = OFF; BEGIN; {sql} COMMIT; PRAGMA foreign_keys = ON;")
        }
        _ => format!("BEGIN; {sql} COMMIT;"),
    };
    conn.batch_execute(&framed)
        .unwrap_or_else(|e| panic!("{} refused:\n{sql}\n{e:?}", conn.backend()));
}

/// Plans `a` -> `b` on every backend, applies up and down, and checks both ends.
fn migrates_both_ways(a: &Schema, b: &Schema) {
    for mut db in backends() {
        let conn = db.connection();
        let create = crate::autogen::plan(conn, a).unwrap();
        run(conn, &create.up_sql);
        let at_a = conn.introspect().unwrap();
        let plan = crate::autogen::plan(conn, b).unwrap();
        run(conn, &plan.up_sql);
        let left = crate::autogen::plan(conn, b).unwrap();
        assert!(
            left.is_empty(),
            "{}: {:?}\n{}",
            conn.backend(),
            left.ops,
            plan.up_sql
        );
        run(conn, &plan.down_sql);
        assert_eq!(
            by_name(conn.introspect().unwrap()),
            by_name(at_a),
            "{}\n{}",
            conn.backend(),
            plan.down_sql
        );
    }
}

#[test]
fn a_new_table_can_reference_a_column_the_same_migration_adds() {
    let users = table("users", &[("id", SqlType::BigInt)], &["id"]);
    let a = schema(vec![users.clone()]);
    let mut users_b = users;
    users_b
        .columns
        .push(Column::new("code", SqlType::Varchar(20), true));
    users_b.indexes.push(Index {
        name: "uq_users_code".into(),
        columns: vec!["code".into()],
        unique: true,
        constraint: false,
        options: Default::default(),
        prefixes: Vec::new(),
    });
    let mut badges = table(
        "badges",
        &[("id", SqlType::BigInt), ("user_code", SqlType::Varchar(20))],
        &["id"],
    );
    badges.foreign_keys.push(ForeignKey {
        name: "fk_badges_user_code_users".into(),
        columns: vec!["user_code".into()],
        ref_table: "users".into(),
        ref_columns: vec!["code".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
        deferrable: Default::default(),
    });
    // And an existing table gets a key to a new one.
    let mut users_c = users_b.clone();
    users_c
        .columns
        .push(Column::new("team_id", SqlType::BigInt, true));
    users_c.foreign_keys.push(ForeignKey {
        name: "fk_users_team_id_teams".into(),
        columns: vec!["team_id".into()],
        ref_table: "teams".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::SetNull,
        on_update: FkAction::NoAction,
        deferrable: Default::default(),
    });
    let teams = table("teams", &[("id", SqlType::BigInt)], &["id"]);
    migrates_both_ways(&a, &schema(vec![users_c, badges, teams]));
}

#[test]
fn a_key_column_is_dropped_after_the_key_that_replaces_it() {
    let a = schema(vec![table(
        "items",
        &[("old_id", SqlType::BigInt), ("label", SqlType::Text)],
        &["old_id"],
    )]);
    let b = schema(vec![table(
        "items",
        &[("new_id", SqlType::BigInt), ("label", SqlType::Text)],
        &["new_id"],
    )]);
    migrates_both_ways(&a, &b);
}

fn mood(labels: &[&str]) -> SqlType {
    SqlType::Enum {
        name: "mood".into(),
        labels: labels.iter().map(|l| l.to_string()).collect(),
    }
}

/// A `people` table whose `mood` column is the enum with `labels`, defaulting to `'ok'`.
fn people(labels: &[&str]) -> Schema {
    let mut t = table("people", &[("id", SqlType::BigInt)], &["id"]);
    let mut c = Column::new("mood", mood(labels), false);
    c.default = Some("'ok'".into());
    t.columns.push(c);
    t.columns.push(Column::new("was", mood(labels), true));
    schema(vec![t])
}

#[test]
fn enum_types_are_created_before_their_tables_and_dropped_after() {
    migrates_both_ways(&Schema::new(), &people(&["ok", "sad"]));
}

#[test]
fn an_enum_label_added_in_the_middle_and_back() {
    migrates_both_ways(&people(&["ok", "sad"]), &people(&["ok", "meh", "sad"]));
    migrates_both_ways(
        &people(&["ok", "sad"]),
        &people(&["glad", "ok", "sad", "mad"]),
    );
}

#[test]
fn an_enum_label_removed_or_reordered_swaps_the_type_and_back() {
    migrates_both_ways(&people(&["ok", "meh", "sad"]), &people(&["ok", "sad"]));
    migrates_both_ways(&people(&["ok", "sad"]), &people(&["sad", "ok"]));
}

#[test]
fn a_default_on_a_removed_label_moves_to_the_new_one_both_ways() {
    let mut a = people(&["ok", "sad", "gone"]);
    a.tables.get_mut("people").unwrap().columns[1].default = Some("'gone'".into());
    migrates_both_ways(&a, &people(&["ok", "sad"]));
}

fn generated(expr: &str) -> Option<crate::schema::Generated> {
    Some(crate::schema::Generated {
        expr: expr.into(),
        stored: true,
    })
}

#[test]
fn generated_columns_change_expression_and_kind_both_ways() {
    let base = table(
        "lines",
        &[
            ("id", SqlType::BigInt),
            ("price", SqlType::BigInt),
            ("qty", SqlType::BigInt),
            ("total", SqlType::BigInt),
        ],
        &["id"],
    );
    let with = |g: Option<crate::schema::Generated>| {
        let mut t = base.clone();
        t.columns[3].generated = g;
        // An index over the generated column survives its re-creation.
        t.indexes.push(Index {
            name: "ix_lines_total".into(),
            columns: vec!["total".into()],
            unique: false,
            constraint: false,
            ..Default::default()
        });
        schema(vec![t])
    };
    // A changed expression, a plain column becoming generated, and the reverse.
    migrates_both_ways(
        &with(generated("price * qty")),
        &with(generated("price + qty")),
    );
    migrates_both_ways(&with(None), &with(generated("price * qty")));
    migrates_both_ways(&with(generated("price * qty")), &with(None));
}

#[test]
fn renames_keep_rows_and_follow_composite_indexes_both_ways() {
    let mut a = table(
        "users",
        &[
            ("id", SqlType::BigInt),
            ("first", SqlType::Text),
            ("last", SqlType::Text),
        ],
        &["id"],
    );
    a.indexes.push(Index {
        name: "ix_users_last_first".into(),
        columns: vec!["last".into(), "first".into()],
        unique: false,
        constraint: false,
        ..Default::default()
    });
    let mut b = a.clone();
    b.name = "people".into();
    b.renamed_from = Some("users".into());
    b.columns[2].name = "surname".into();
    b.columns[2].renamed_from = Some("last".into());
    b.indexes[0].name = "ix_people_surname_first".into();
    b.indexes[0].columns[0] = "surname".into();
    let a = schema(vec![a]);
    let b = schema(vec![b]);
    let ops = crate::diff::diff(&a, &b);
    assert_eq!(
        ops.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "renamed table 'users' to 'people'",
            "renamed column 'people.last' to 'surname'",
            "renamed index 'ix_users_last_first' on 'people' to 'ix_people_surname_first'",
        ]
    );
    migrates_both_ways(&a, &b);
}
