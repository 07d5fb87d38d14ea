//! Tests of `sqlite.rs`.

use super::*;
use crate::diff::diff;
use crate::ops::reverse_all;
use crate::schema::{ForeignKey, Index};

#[test]
fn a_model_check_is_a_clause_of_create_table_and_read_back_verbatim() {
    let mut t = users();
    t.table_constraints
        .push(crate::schema::TableConstraint::check(
            "ck_users_1",
            "age >= 0",
            false,
        ));
    let target = normalized(vec![t]);
    let sql = Sqlite
        .render(&diff(&Schema::new(), &target), &Schema::new())
        .unwrap();
    assert!(
        sql.contains("    CONSTRAINT \"ck_users_1\" CHECK (age >= 0)\n);"),
        "{sql}"
    );
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
    conn.batch_execute(&sql).unwrap();
    let mut back = crate::backend::sqlite::introspect::introspect(&mut conn).unwrap();
    Sqlite.normalize(&mut back);
    // Read back as the model's check, written as the dialect rendered it.
    let mut model_check = target.tables["users"].table_constraints[0].clone();
    model_check.written = Some("CONSTRAINT \"ck_users_1\" CHECK (age >= 0)".into());
    assert_eq!(back.tables["users"].table_constraints, [model_check]);
    assert!(diff(&back, &target).is_empty());
}

#[test]
fn a_not_valid_check_is_an_ordinary_check_and_identity_false_changes_nothing() {
    let mut t = users();
    t.no_identity = true;
    t.table_constraints
        .push(crate::schema::TableConstraint::check(
            "ck_users_1",
            "age >= 0",
            true,
        ));
    let mut target = normalized(vec![t]);
    Sqlite.model_defaults(&mut target);
    let users = &target.tables["users"];
    assert_eq!(
        users.table_constraints,
        [crate::schema::TableConstraint::check(
            "ck_users_1",
            "age >= 0",
            false
        )]
    );
    assert!(!users.no_identity);
    // The key is the rowid, which the database assigns, whatever `identity = false` says.
    assert_eq!(users.identity.as_deref(), Some("id"));
}

#[test]
fn type_change_risks_say_what_the_rebuild_does() {
    let risk = |from: SqlType, to: SqlType| Sqlite.type_change_risk(&from, &to);
    assert_eq!(risk(SqlType::Integer, SqlType::BigInt), None);
    let narrowed = risk(SqlType::BigInt, SqlType::SmallInt).unwrap();
    assert!(narrowed.contains("refuses rows whose value is not an integer from -32768 to 32767"));
    assert!(risk(SqlType::Text, SqlType::Varchar(5))
        .unwrap()
        .contains("does not enforce VARCHAR lengths"));
    assert!(risk(SqlType::Double, SqlType::Real)
        .unwrap()
        .starts_with("values are kept"));
    assert!(risk(SqlType::Text, SqlType::Real)
        .unwrap()
        .contains("not a number: the upgrade fails"));
    assert!(risk(SqlType::Text, SqlType::Boolean)
        .unwrap()
        .contains("not 0 or 1"));
}

fn users() -> Table {
    let mut t = Table::new("users");
    t.columns.push(Column::new("id", SqlType::BigInt, false));
    t.columns
        .push(Column::new("email", SqlType::Varchar(255), false));
    let mut age = Column::new("age", SqlType::Integer, false);
    age.default = Some("0".into());
    t.columns.push(age);
    t.primary_key = vec!["id".into()];
    t.indexes.push(Index {
        name: "uq_users_email".into(),
        columns: vec!["email".into()],
        unique: true,
        constraint: false,
        options: Default::default(),
        prefixes: Vec::new(),
    });
    t
}

fn normalized(tables: Vec<Table>) -> Schema {
    let mut s = Schema::new();
    tables.into_iter().for_each(|t| s.insert(t));
    Sqlite.normalize(&mut s);
    s
}

#[test]
fn renders_create_table_with_keys_and_indexes() {
    let mut posts = Table::new("posts");
    posts
        .columns
        .push(Column::new("id", SqlType::BigInt, false));
    posts
        .columns
        .push(Column::new("user_id", SqlType::BigInt, true));
    posts.primary_key = vec!["id".into()];
    posts.foreign_keys.push(ForeignKey::cascade(
        "fk_posts_user_id_users",
        "user_id",
        "users",
    ));
    let target = normalized(vec![users(), posts]);
    let sql = Sqlite
        .render(&diff(&Schema::new(), &target), &Schema::new())
        .unwrap();
    assert_eq!(
        sql,
        r#"-- added table 'users'
CREATE TABLE "users" (
    "id" INTEGER NOT NULL,
    "email" VARCHAR(255) NOT NULL,
    "age" INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email");

-- added table 'posts'
CREATE TABLE "posts" (
    "id" INTEGER NOT NULL,
    "user_id" BIGINT,
    PRIMARY KEY ("id"),
    CONSTRAINT "fk_posts_user_id_users" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
);

"#
    );
}

#[test]
fn adds_nullable_columns_in_place_and_rebuilds_for_alters() {
    let before = normalized(vec![users()]);
    let mut u = users();
    u.columns.push(Column::new("bio", SqlType::Text, true));
    let after = normalized(vec![u.clone()]);
    let ops = diff(&before, &after);
    let sql = Sqlite.render(&ops, &before).unwrap();
    assert_eq!(
            sql,
            "-- added column 'users.bio' (TEXT NULL)\nALTER TABLE \"users\" ADD COLUMN \"bio\" TEXT;\n\n"
        );
    let down = Sqlite.render(&reverse_all(&ops), &after).unwrap();
    assert_eq!(
        down,
        "-- removed column 'users.bio'\nALTER TABLE \"users\" DROP COLUMN \"bio\";\n\n"
    );

    u.columns[1].nullable = true;
    let altered = normalized(vec![u]);
    let sql = Sqlite.render(&diff(&after, &altered), &after).unwrap();
    assert!(sql.contains("CREATE TABLE \"_retort_new_users\""), "{sql}");
    assert!(sql.contains("INSERT INTO \"_retort_new_users\" (\"id\", \"email\", \"age\", \"bio\") SELECT \"id\", \"email\", \"age\", \"bio\" FROM \"users\";"), "{sql}");
    assert!(sql.contains("ALTER TABLE \"_retort_new_users\" RENAME TO \"users\";\nPRAGMA legacy_alter_table = OFF;\nCREATE UNIQUE INDEX \"uq_users_email\" ON \"users\" (\"email\");"), "{sql}");
}

#[test]
fn not_null_column_without_default_needs_a_rebuild() {
    let before = normalized(vec![users()]);
    let mut u = users();
    u.columns.push(Column::new("name", SqlType::Text, false));
    let after = normalized(vec![u]);
    let sql = Sqlite.render(&diff(&before, &after), &before).unwrap();
    assert!(sql.contains("_retort_new_users"), "{sql}");
}

#[test]
fn a_rebuild_keeps_triggers_expression_indexes_and_views() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection as _;
    let mut conn = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap();
    conn.batch_execute(
            "CREATE TABLE items (id INTEGER NOT NULL, code TEXT, PRIMARY KEY (id));
             CREATE TABLE log (item_id INTEGER);
             CREATE TRIGGER items_log AFTER INSERT ON items BEGIN INSERT INTO log VALUES (NEW.id); END;
             CREATE UNIQUE INDEX uq_items_lower_code ON items (lower(code));
             CREATE INDEX ix_items_partial ON items (code) WHERE code IS NOT NULL;
             CREATE VIEW item_codes AS SELECT id, code FROM items;
             INSERT INTO items VALUES (1, 'A');",
        )
        .unwrap();
    let mut before = crate::backend::sqlite::introspect::introspect(&mut conn).unwrap();
    Sqlite.normalize(&mut before);
    assert_eq!(
        before.tables["items"].unmodeled.len(),
        3,
        "{:?}",
        before.tables["items"]
    );
    assert!(before.tables["items"].indexes.is_empty());
    let mut after = before.clone();
    after.tables.get_mut("items").unwrap().columns[1].nullable = false;
    let sql = Sqlite.render(&diff(&before, &after), &before).unwrap();
    conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
        .unwrap();
    let mut now = crate::backend::sqlite::introspect::introspect(&mut conn).unwrap();
    Sqlite.normalize(&mut now);
    assert_eq!(
        now.tables["items"].unmodeled,
        before.tables["items"].unmodeled
    );
    assert!(!now.tables["items"].columns[1].nullable);
    // The trigger fires, the expression index still enforces uniqueness, the view works.
    conn.batch_execute("INSERT INTO items VALUES (2, 'B')")
        .unwrap();
    assert!(conn
        .batch_execute("INSERT INTO items VALUES (3, 'b')")
        .is_err());
    conn.batch_execute("SELECT * FROM item_codes").unwrap();
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::RunQueryDsl::get_result(
        diesel::sql_query("SELECT count(*) AS n FROM log"),
        &mut conn,
    )
    .unwrap();
    assert_eq!(n.n, 2, "one row from before the rebuild, one from after");
}

#[test]
fn a_change_alter_table_cannot_make_is_unsupported_by_itself_and_rebuilt_in_a_migration() {
    let before = normalized(vec![users()]);
    let op = Op::AlterPrimaryKey {
        table: "users".into(),
        from: vec!["id".into()],
        to: vec!["id".into(), "email".into()],
    };
    let err = Sqlite.render_op(&op, before.get("users")).unwrap_err();
    let RenderError::Unsupported { dialect, what, .. } = &err;
    assert_eq!(*dialect, "SQLite");
    assert_eq!(
        what,
        "render `changed primary key of 'users' from (id) to (id, email)`"
    );
    assert!(
            err.to_string().starts_with(
                "SQLite cannot render `changed primary key of 'users' from (id) to (id, email)`: SQLite's ALTER TABLE cannot"
            ),
            "{err}"
        );
    // A column an index uses cannot be dropped in place either.
    let drop = Op::DropColumn {
        table: "users".into(),
        column: Column::new("email", SqlType::Varchar(255), false),
    };
    assert!(Sqlite.render_op(&drop, before.get("users")).is_err());
    // The whole migration renders both as a rebuild.
    let sql = Sqlite.render(&[op, drop], &before).unwrap();
    assert!(sql.contains("CREATE TABLE \"_retort_new_users\""), "{sql}");
}

#[test]
fn expression_defaults_are_parenthesised() {
    assert_eq!(
        Sqlite.render_default("datetime('now')"),
        "(datetime('now'))"
    );
    assert_eq!(
        Sqlite.render_default("CURRENT_TIMESTAMP"),
        "CURRENT_TIMESTAMP"
    );
    assert_eq!(Sqlite.render_default("'x'"), "'x'");
}

#[test]
fn sqlite_ignores_model_comments() {
    let mut model = users();
    model.comment = Some("People.".into());
    model.columns[0].comment = Some("The key.".into());
    let mut want = Schema::new();
    want.insert(model);
    let mut have = Schema::new();
    have.insert(users());
    Sqlite.normalize(&mut want);
    Sqlite.normalize(&mut have);
    assert!(crate::diff::diff(&have, &want).is_empty());
}

#[test]
fn table_options_render_as_written_else_from_what_they_say() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    // STRICT takes only INTEGER, TEXT and the like.
    let mut t = Table::new("users");
    t.columns.push(Column::new("id", SqlType::Integer, false));
    t.columns.push(Column::new("email", SqlType::Text, false));
    t.primary_key = vec!["id".into()];
    t.options = crate::schema::TableOptions {
        strict: true,
        without_rowid: true,
        written: None,
    };
    let sql = Sqlite.create_table(&t, "users");
    assert!(sql.ends_with(") STRICT, WITHOUT ROWID;\n"), "{sql}");
    // SQLite takes it, and introspection reads back the same options, as written.
    let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
    conn.batch_execute(&sql).unwrap();
    let read = crate::backend::sqlite::introspect::introspect(&mut conn).unwrap();
    let options = &read.tables["users"].options;
    assert!(options.strict && options.without_rowid);
    assert_eq!(options.written.as_deref(), Some("STRICT, WITHOUT ROWID"));
    t.options.written = Some("without rowid,strict".into());
    assert!(Sqlite
        .create_table(&t, "users")
        .ends_with(") without rowid,strict;\n"));
}
