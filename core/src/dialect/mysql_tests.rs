use super::*;
use crate::schema::{Column, Index, IndexOptions, SqlType, Table};

fn column(name: &str, ty: SqlType, nullable: bool) -> Column {
    Column::new(name, ty, nullable)
}

#[test]
fn mariadb_column_types_read_as_the_generic_types() {
    assert_eq!(parse_column_type("tinyint(1)", false), SqlType::Boolean);
    assert_eq!(parse_column_type("bigint(20)", false), SqlType::BigInt);
    assert_eq!(parse_column_type("int(11)", false), SqlType::Integer);
    assert_eq!(parse_column_type("smallint(6)", false), SqlType::SmallInt);
    assert_eq!(
        parse_column_type("bigint(20) unsigned", false),
        SqlType::Custom("BIGINT UNSIGNED".into())
    );
    assert_eq!(parse_column_type("datetime(6)", false), SqlType::Timestamp);
    assert_eq!(
        parse_column_type("timestamp(6)", false),
        SqlType::TimestampTz
    );
    assert_eq!(
        parse_column_type("datetime(3)", false),
        SqlType::Custom("TIMESTAMP(3)".into())
    );
    assert_eq!(
        parse_column_type("varchar(80)", false),
        SqlType::Varchar(80)
    );
    assert_eq!(
        parse_column_type("decimal(10,2)", false),
        SqlType::Numeric {
            precision: Some(10),
            scale: Some(2)
        }
    );
    assert_eq!(parse_column_type("longtext", true), SqlType::Json);
    assert_eq!(
        parse_column_type("longtext", false),
        SqlType::Custom("LONGTEXT".into())
    );
    assert_eq!(
        parse_column_type("enum('a','it''s')", false),
        SqlType::Enum {
            name: String::new(),
            labels: vec!["a".into(), "it's".into()]
        }
    );
    assert_eq!(
        parse_column_type("char(2)", false),
        SqlType::Custom("CHAR(2)".into())
    );
    // What the dialect writes reads back as the same type.
    for ty in [
        SqlType::Boolean,
        SqlType::SmallInt,
        SqlType::Integer,
        SqlType::BigInt,
        SqlType::Real,
        SqlType::Double,
        SqlType::Text,
        SqlType::Varchar(3),
        SqlType::Blob,
        SqlType::Date,
        SqlType::Time,
        SqlType::Timestamp,
        SqlType::TimestampTz,
        SqlType::Uuid,
        SqlType::Custom("TIMESTAMP(3)".into()),
    ] {
        let written = render_type(&ty).to_ascii_lowercase();
        assert_eq!(parse_column_type(&written, false), ty, "{written}");
    }
}

#[test]
fn defaults_compare_as_mariadb_reports_them() {
    assert_eq!(
        normalize_default("current_timestamp(6)", &SqlType::Timestamp),
        "CURRENT_TIMESTAMP"
    );
    assert_eq!(
        normalize_default("CURRENT_TIMESTAMP", &SqlType::Timestamp),
        "CURRENT_TIMESTAMP"
    );
    assert_eq!(normalize_default("true", &SqlType::Boolean), "1");
    assert_eq!(normalize_default("FALSE", &SqlType::Boolean), "0");
    let price = SqlType::Numeric {
        precision: Some(10),
        scale: Some(2),
    };
    assert_eq!(normalize_default("0.00", &price), "0");
    assert_eq!(normalize_default("1.50", &price), "1.5");
    assert_eq!(normalize_default("-1", &SqlType::Integer), "-1");
    assert_eq!(normalize_default("'n/a'", &SqlType::Varchar(80)), "'n/a'");
}

#[test]
fn expressions_take_double_quotes_for_backticks() {
    assert_eq!(
        ansi_quoted("`age` >= 0 and `last name` <> 'it''s `x`' and `a``b` = \"c\""),
        "\"age\" >= 0 and \"last name\" <> 'it''s `x`' and \"a`b\" = \"c\""
    );
    assert_eq!(
        crate::sql::comparable(&ansi_quoted("`age` >= 0 and `email` <> 'A B'")),
        crate::sql::comparable("age >= 0  AND email <> 'A B'")
    );
}

#[test]
fn statements_are_mariadbs() {
    let mut t = Table::new("users");
    t.columns = vec![
        column("id", SqlType::BigInt, false),
        Column {
            comment: Some("it's \\ here".into()),
            ..column("email", SqlType::Varchar(255), false)
        },
    ];
    t.primary_key = vec!["id".into()];
    t.identity = Some("id".into());
    let sql = MySql.render_create_table(&t).unwrap();
    assert_eq!(
        sql,
        "CREATE TABLE `users` (\n    `id` BIGINT NOT NULL AUTO_INCREMENT,\n    `email` \
         VARCHAR(255) NOT NULL COMMENT 'it''s \\\\ here',\n    PRIMARY KEY (`id`)\n);\n"
    );
    let to = column("email", SqlType::Text, true);
    assert_eq!(
        MySql
            .render_alter_column_of("users", &t.columns[1], &to, Some(&t))
            .unwrap(),
        "ALTER TABLE `users` MODIFY COLUMN `email` TEXT NULL;\n"
    );
    let index = Index {
        name: "ix".into(),
        columns: vec!["email".into()],
        ..Default::default()
    };
    assert_eq!(
        MySql.render_drop_index("users", &index).unwrap(),
        "DROP INDEX `ix` ON `users`;\n"
    );
    let fk = ForeignKey {
        name: "fk_x".into(),
        columns: vec!["a".into()],
        ref_table: "users".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
        deferrable: Deferrable::No,
    };
    assert_eq!(
        MySql.render_drop_foreign_key("notes", &fk).unwrap(),
        "ALTER TABLE `notes` DROP FOREIGN KEY `fk_x`;\nALTER TABLE `notes` DROP INDEX IF EXISTS `fk_x`;\n"
    );
    assert_eq!(
        MySql.foreign_key_clause(&fk),
        "CONSTRAINT `fk_x` FOREIGN KEY (`a`) REFERENCES `users` (`id`) ON DELETE CASCADE"
    );
    assert_eq!(MySql.quote("a`b"), "`a``b`");
}

#[test]
fn what_mariadb_cannot_hold_is_refused_with_the_reason() {
    let mut t = Table::new("members");
    t.columns = vec![column("email", SqlType::Varchar(200), true)];
    t.indexes = vec![Index {
        name: "ix_members_email".into(),
        columns: vec!["email".into()],
        options: IndexOptions {
            predicate: Some("email IS NOT NULL".into()),
            ..Default::default()
        },
        ..Default::default()
    }];
    let mut schema = Schema::new();
    schema.insert(t.clone());
    let err = MySql.check_models(&schema).unwrap_err().to_string();
    assert!(err.contains("MariaDB has no partial indexes"), "{err}");
    t.indexes[0].options = IndexOptions {
        nulls_not_distinct: true,
        ..Default::default()
    };
    schema.insert(t.clone());
    let err = MySql.check_models(&schema).unwrap_err().to_string();
    assert!(err.contains("NULLs as distinct"), "{err}");
    // Keys that are only columns are fine.
    t.indexes[0].options = IndexOptions {
        keys: vec!["email".into()],
        method: Some("btree".into()),
        ..Default::default()
    };
    schema.insert(t.clone());
    MySql.check_models(&schema).unwrap();
    t.table_constraints = vec![TableConstraint::check("ck", "email <> ''", true)];
    schema.insert(t);
    let err = MySql.check_models(&schema).unwrap_err().to_string();
    assert!(err.contains("has no NOT VALID"), "{err}");
}

#[test]
fn deferrable_keys_include_and_long_names_are_refused() {
    let mut t = Table::new("members");
    t.columns = vec![
        column("id", SqlType::BigInt, false),
        column("team_id", SqlType::BigInt, false),
    ];
    t.foreign_keys = vec![ForeignKey {
        name: "fk_members_team_id_teams".into(),
        columns: vec!["team_id".into()],
        ref_table: "teams".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: Deferrable::InitiallyDeferred,
    }];
    let mut schema = Schema::new();
    schema.insert(t.clone());
    let err = MySql.check_models(&schema).unwrap_err().to_string();
    assert!(err.contains("checks foreign keys at once"), "{err}");
    t.foreign_keys.clear();
    t.indexes = vec![Index {
        name: "ix".into(),
        columns: vec!["team_id".into()],
        options: IndexOptions {
            include: vec!["id".into()],
            ..Default::default()
        },
        ..Default::default()
    }];
    schema.insert(t.clone());
    let err = MySql.check_models(&schema).unwrap_err().to_string();
    assert!(err.contains("no INCLUDE columns"), "{err}");
    t.indexes.clear();
    t.columns.push(column(&"c".repeat(65), SqlType::Text, true));
    schema.insert(t.clone());
    let err = MySql.check_models(&schema).unwrap_err().to_string();
    assert!(err.contains("longer than 64 characters"), "{err}");
    t.columns.pop();
    // TEXT in a primary key, and a key too long for InnoDB.
    t.columns.push(column("tag", SqlType::Text, false));
    t.primary_key = vec!["tag".into()];
    schema.insert(t.clone());
    let err = MySql.check_models(&schema).unwrap_err().to_string();
    assert!(err.contains("give `tag` a `max_length`"), "{err}");
    t.columns.pop();
    t.columns.push(column("a", SqlType::Varchar(500), false));
    t.columns.push(column("b", SqlType::Varchar(500), false));
    t.primary_key = vec!["id".into()];
    t.indexes = vec![Index {
        name: "ix_ab".into(),
        columns: vec!["a".into(), "b".into()],
        ..Default::default()
    }];
    schema.insert(t.clone());
    let err = MySql.check_models(&schema).unwrap_err().to_string();
    assert!(err.contains("at most 3072 bytes"), "{err}");
    // A unique index of the same columns is MariaDB's hash index: no limit.
    t.indexes[0].unique = true;
    schema.insert(t);
    MySql.check_models(&schema).unwrap();
}

#[test]
fn index_prefixes_are_checked_rendered_and_refused_elsewhere() {
    let mut t = Table::new("posts");
    t.columns = vec![
        column("id", SqlType::BigInt, false),
        column("body", SqlType::Text, true),
        column("slug", SqlType::Varchar(80), false),
    ];
    t.primary_key = vec!["id".into()];
    let mut index = Index {
        name: "ix_posts_body".into(),
        columns: vec!["slug".into(), "body".into()],
        ..Default::default()
    };
    let check = |t: &Table, index: &Index| {
        let mut t = t.clone();
        t.indexes = vec![index.clone()];
        let mut schema = Schema::new();
        schema.insert(t);
        MySql.check_models(&schema).map_err(|e| e.to_string())
    };
    // A TEXT key column without a prefix: refused, with the fix.
    let err = check(&t, &index).unwrap_err();
    assert!(err.contains("prefix(body = 100)"), "{err}");
    index.set_prefix(1, Some(100));
    check(&t, &index).unwrap();
    assert_eq!(
        MySql.create_index("posts", &index),
        "CREATE INDEX `ix_posts_body` ON `posts` (`slug`, `body`(100));\n"
    );
    // A VARCHAR's prefix must be shorter than the column; an integer has none.
    index.set_prefix(0, Some(80));
    assert!(check(&t, &index)
        .unwrap_err()
        .contains("not shorter than the column"));
    index.set_prefix(0, Some(8));
    check(&t, &index).unwrap();
    index.columns[0] = "id".into();
    assert!(check(&t, &index)
        .unwrap_err()
        .contains("only a string column"));
    // A unique index over a TEXT alone keys it whole (MariaDB's hash index).
    let unique = Index {
        name: "uq_posts_body".into(),
        columns: vec!["body".into()],
        unique: true,
        ..Default::default()
    };
    check(&t, &unique).unwrap();
    // The prefixes are compared: another length is another index.
    let mut other = index.clone();
    other.set_prefix(1, Some(50));
    assert!(!index.same_prefixes(&other));
    other.set_prefix(1, Some(100));
    assert!(index.same_prefixes(&other));
    other.set_prefix(0, None);
    other.set_prefix(1, None);
    assert!(other.prefixes.is_empty());
    // PostgreSQL and SQLite key whole columns only.
    t.indexes = vec![index];
    let mut schema = Schema::new();
    schema.insert(t);
    for dialect in [
        &crate::dialect::Postgres as &dyn Dialect,
        &crate::dialect::Sqlite,
    ] {
        let err = dialect.check_models(&schema).unwrap_err().to_string();
        assert!(err.contains("keys whole columns only"), "{err}");
    }
}
