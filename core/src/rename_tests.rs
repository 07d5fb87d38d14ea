use super::*;
use crate::diff::diff;
use crate::ops::reverse_all;
use crate::schema::{Column, FkAction, ForeignKey, SqlType};

fn accounts(name: &str, col: &str) -> Table {
    let mut t = Table::new(name);
    t.columns.push(Column::new("id", SqlType::Integer, false));
    t.columns.push(Column::new(col, SqlType::Text, false));
    t.primary_key = vec!["id".into()];
    t.indexes.push(Index {
        name: crate::naming::index_name(name, &[col], true),
        columns: vec![col.into()],
        unique: true,
        constraint: false,
        ..Default::default()
    });
    t
}

fn posts(parent: &str) -> Table {
    let mut t = Table::new("posts");
    t.columns.push(Column::new("id", SqlType::Integer, false));
    t.columns
        .push(Column::new("owner_id", SqlType::Integer, false));
    t.primary_key = vec!["id".into()];
    t.foreign_keys.push(ForeignKey {
        name: crate::naming::foreign_key_name("posts", &["owner_id"], parent),
        columns: vec!["owner_id".into()],
        ref_table: parent.into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
        deferrable: Default::default(),
    });
    t
}

fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::new();
    tables.into_iter().for_each(|t| s.insert(t));
    s
}

fn lines(ops: &[Op]) -> Vec<String> {
    ops.iter().map(ToString::to_string).collect()
}

#[test]
fn a_renamed_table_and_column_are_renamed_with_their_index_and_references() {
    let mut current = schema(vec![accounts("users", "name"), posts("users")]);
    current.tables.get_mut("users").unwrap().primary_key_name = Some("users_pkey".into());
    let mut want = accounts("accounts", "fullname");
    want.renamed_from = Some("users".into());
    want.columns[1].renamed_from = Some("name".into());
    let target = schema(vec![want, posts("accounts")]);
    let up = diff(&current, &target);
    assert_eq!(
        lines(&up),
        [
            "renamed table 'users' to 'accounts'",
            "renamed column 'accounts.name' to 'fullname'",
            "renamed index 'uq_users_name' on 'accounts' to 'uq_accounts_fullname'",
            "renamed constraint 'users_pkey' on 'accounts' to 'accounts_pkey'",
            "renamed constraint 'fk_posts_owner_id_users' on 'posts' to 'fk_posts_owner_id_accounts'",
        ]
    );
    assert!(up.iter().all(|op| !op.is_destructive()));
    // Applied, the database matches the models; the reverse brings back the old names.
    let mut after = current.clone();
    up.iter().for_each(|op| op.apply(&mut after));
    assert!(
        diff(&after, &target).is_empty(),
        "{:?}",
        diff(&after, &target)
    );
    reverse_all(&up).iter().for_each(|op| op.apply(&mut after));
    assert_eq!(after, current);
    let sqlite = crate::dialect::Sqlite;
    use crate::dialect::Dialect;
    let sql = sqlite.render(&up, &current).unwrap();
    assert!(
        sql.contains("ALTER TABLE \"users\" RENAME TO \"accounts\";\n"),
        "{sql}"
    );
    assert!(sql.contains("ALTER TABLE \"accounts\" RENAME COLUMN \"name\" TO \"fullname\";\n"));
    assert!(sql.contains(
        "DROP INDEX \"uq_users_name\";\nCREATE UNIQUE INDEX \"uq_accounts_fullname\" ON \"accounts\" (\"fullname\");\n"
    ));
    let pg = crate::dialect::Postgres.render(&up, &current).unwrap();
    assert!(
        pg.contains("ALTER INDEX \"uq_users_name\" RENAME TO \"uq_accounts_fullname\";\n"),
        "{pg}"
    );
    assert!(pg.contains(
        "ALTER TABLE \"accounts\" RENAME CONSTRAINT \"users_pkey\" TO \"accounts_pkey\";\n"
    ));
}

#[test]
fn a_followed_hint_is_satisfied_and_a_clash_is_an_error() {
    let mut want = accounts("accounts", "fullname");
    want.renamed_from = Some("users".into());
    want.columns[1].renamed_from = Some("name".into());
    let target = schema(vec![want]);
    let done = schema(vec![accounts("accounts", "fullname")]);
    assert!(diff(&done, &target).is_empty());
    assert!(conflicts(&done, &target).is_ok());
    let both = schema(vec![
        accounts("accounts", "fullname"),
        accounts("users", "x"),
    ]);
    let err = conflicts(&both, &target).unwrap_err().to_string();
    assert!(err.contains("table 'accounts' is #[model(renamed_from = \"users\")], but the database has both 'users' and 'accounts'"), "{err}");
    let mut two = accounts("accounts", "fullname");
    two.columns.push(Column::new("name", SqlType::Text, false));
    let err = conflicts(&schema(vec![two]), &target)
        .unwrap_err()
        .to_string();
    assert!(err.contains("column 'accounts.fullname' is #[model(renamed_from = \"name\")], but table 'accounts' has both 'name' and 'fullname'"), "{err}");
}

#[test]
fn without_hints_a_drop_and_an_add_get_a_suggestion() {
    let current = schema(vec![accounts("users", "name")]);
    let target = schema(vec![accounts("users", "fullname")]);
    let ops = diff(&current, &target);
    assert!(ops.iter().any(|op| matches!(op, Op::DropColumn { .. })));
    assert_eq!(
        suggestions(&ops),
        ["hint: if users.fullname is users.name renamed, add #[model(renamed_from = \"name\")] to the field"]
    );
    let mut renamed = accounts("people", "name");
    renamed.indexes.clear();
    let mut old = accounts("users", "name");
    old.indexes.clear();
    let ops = diff(&schema(vec![old]), &schema(vec![renamed]));
    assert_eq!(
        suggestions(&ops),
        ["hint: if table 'people' is table 'users' renamed, add #[model(renamed_from = \"users\")] to its model"]
    );
}

#[test]
fn kept_constraint_definitions_follow_a_rename() {
    let def = |t: &str, n: &str, c: &str| {
        format!("ALTER TABLE \"{t}\" ADD CONSTRAINT \"ck_{n}_1\" CHECK (({c} <> ''::text))")
    };
    let mut have = accounts("users", "name");
    have.unmodeled.push(def("users", "users", "name").into());
    let mut want = accounts("accounts", "fullname");
    want.renamed_from = Some("users".into());
    want.columns[1].renamed_from = Some("name".into());
    want.unmodeled
        .push(def("accounts", "accounts", "fullname").into());
    let current = schema(vec![have]);
    let target = schema(vec![want]);
    let up = diff(&current, &target);
    assert!(
        lines(&up).contains(
            &"renamed constraint 'ck_users_1' on 'accounts' to 'ck_accounts_1'".to_owned()
        ),
        "{up:?}"
    );
    assert!(
        !up.iter().any(|op| matches!(op, Op::DropDefinition { .. })),
        "{up:?}"
    );
}

/// A trigger (a kept definition) survives a table and column rename followed, in the same
/// migration, by a rebuild of the renamed table, which re-creates it from the renamed text.
#[test]
fn sqlite_kept_triggers_survive_a_rename_and_a_rebuild() {
    use crate::dialect::{Dialect, Sqlite};
    use diesel::connection::SimpleConnection;
    use diesel::Connection as _;
    use diesel::RunQueryDsl as _;
    let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
    conn.batch_execute(
        "CREATE TABLE items (id INTEGER NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (id));
         CREATE TABLE log (what TEXT);
         CREATE TRIGGER items_log AFTER INSERT ON items BEGIN INSERT INTO log VALUES (NEW.name); END;
         INSERT INTO items VALUES (1, 'a', 1);",
    )
    .unwrap();
    let read = |conn: &mut diesel::SqliteConnection| {
        let mut s = crate::backend::sqlite::introspect::introspect(conn).unwrap();
        Sqlite.normalize(&mut s);
        s
    };
    let before = read(&mut conn);
    let mut target = before.clone();
    let mut products = target.tables.remove("items").unwrap();
    products.name = "products".into();
    products.renamed_from = Some("items".into());
    products.unmodeled.clear();
    products.columns[1].name = "title".into();
    products.columns[1].renamed_from = Some("name".into());
    products.columns[2].ty = SqlType::BigInt;
    target.insert(products);
    let plan = crate::autogen::plan_between(&Sqlite, &before, &target).unwrap();
    assert!(
        plan.up_sql.contains("rebuild \"products\""),
        "{}",
        plan.up_sql
    );
    conn.batch_execute(&format!("BEGIN; {} COMMIT;", plan.up_sql))
        .unwrap();
    conn.batch_execute("INSERT INTO products VALUES (2, 'b', 2);")
        .unwrap();
    let after = read(&mut conn);
    assert_eq!(
        after.tables["products"].unmodeled,
        ["CREATE TRIGGER items_log AFTER INSERT ON products BEGIN INSERT INTO log VALUES (NEW.title); END"]
    );
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query("SELECT count(*) AS n FROM log")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(
        n.n, 2,
        "the trigger fired for the first row and on the renamed table"
    );
    conn.batch_execute(&format!("BEGIN; {} COMMIT;", plan.down_sql))
        .unwrap();
    let back = read(&mut conn);
    assert_eq!(
        back.tables["items"].column("name").map(|c| c.ty.clone()),
        Some(SqlType::Text)
    );
    assert_eq!(back.tables["items"].unmodeled.len(), 1);
}
