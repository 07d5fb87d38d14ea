//! The SQL the dialect writes where MySQL 8 and MariaDB (or an older MariaDB) differ, chosen by
//! the session's server ([`MySqlDialect::for_server`]). There is no MySQL server in the test
//! runs: these pin each choice.

use super::*;
use crate::ops::Op;
use crate::schema::{Column, ConstraintKind, FkAction, SqlType, TableConstraint};

fn on(version: &str) -> &'static MySqlDialect {
    MySqlDialect::for_server(Server::parse(version).expect("a version"))
}

fn notes() -> Table {
    let mut t = Table::new("notes");
    t.columns = vec![
        Column::new("id", SqlType::BigInt, false),
        Column::new("user_id", SqlType::BigInt, false),
        Column::new("body", SqlType::Text, true),
    ];
    t.primary_key = vec!["id".into()];
    t.identity = Some("id".into());
    t.foreign_keys = vec![ForeignKey {
        name: "fk_notes_user".into(),
        columns: vec!["user_id".into()],
        ref_table: "users".into(),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
        deferrable: Deferrable::No,
    }];
    t
}

fn render(dialect: &MySqlDialect, op: Op, table: &Table) -> String {
    dialect
        .render_op_with(&op, Some(table), &Default::default())
        .unwrap()
}

#[test]
fn each_session_gets_its_servers_dialect_once() {
    let mysql = on("8.0.36");
    assert!(std::ptr::eq(mysql, on("8.0.36-0ubuntu0.22.04.1")));
    assert!(std::ptr::eq(on("10.11.0-MariaDB"), &MySql));
    assert_eq!((mysql.name(), MySql.name()), ("MySQL", "MariaDB"));
    assert_eq!(mysql.key(), MySql.key());
}

#[test]
fn a_foreign_key_drops_the_index_innodb_made_for_it_as_the_server_can() {
    let t = notes();
    let drop = || Op::DropForeignKey {
        table: "notes".into(),
        fk: t.foreign_keys[0].clone(),
    };
    assert_eq!(
        render(&MySql, drop(), &t),
        "ALTER TABLE `notes` DROP FOREIGN KEY `fk_notes_user`;\n\
         ALTER TABLE `notes` DROP INDEX IF EXISTS `fk_notes_user`;\n"
    );
    // MySQL has no DROP INDEX IF EXISTS: no index serves the key, so InnoDB made one.
    let mysql = on("8.0.36");
    assert_eq!(
        render(mysql, drop(), &t),
        "ALTER TABLE `notes` DROP FOREIGN KEY `fk_notes_user`;\n\
         ALTER TABLE `notes` DROP INDEX `fk_notes_user`;\n"
    );
    // An index of the models over the key's columns serves it: InnoDB made none.
    let mut served = t.clone();
    served.indexes = vec![Index {
        name: "ix_notes_user_id".into(),
        columns: vec!["user_id".into(), "id".into()],
        ..Default::default()
    }];
    assert_eq!(
        render(mysql, drop(), &served),
        "ALTER TABLE `notes` DROP FOREIGN KEY `fk_notes_user`;\n"
    );
    // Renamed: dropped and added again.
    let rename = Op::RenameConstraint {
        table: "notes".into(),
        from: "fk_notes_user".into(),
        to: "fk_notes_author".into(),
    };
    let renamed = render(mysql, rename.clone(), &served);
    assert_eq!(
        renamed,
        "ALTER TABLE `notes` DROP FOREIGN KEY `fk_notes_user`;\n\
         ALTER TABLE `notes` ADD CONSTRAINT `fk_notes_author` FOREIGN KEY (`user_id`) REFERENCES \
         `users` (`id`) ON DELETE CASCADE;\n"
    );
    assert!(render(&MySql, rename, &served)
        .contains("DROP INDEX IF EXISTS `fk_notes_user`, ADD CONSTRAINT `fk_notes_author`"));
}

#[test]
fn a_column_is_renamed_with_its_definition_before_rename_column() {
    let t = notes();
    let rename = |from: &str, to: &str| Op::RenameColumn {
        table: "notes".into(),
        from: from.into(),
        to: to.into(),
    };
    assert_eq!(
        render(&MySql, rename("body", "text"), &t),
        "ALTER TABLE `notes` RENAME COLUMN `body` TO `text`;\n"
    );
    assert_eq!(
        render(on("8.0.36"), rename("body", "text"), &t),
        "ALTER TABLE `notes` RENAME COLUMN `body` TO `text`;\n"
    );
    for old in ["10.4.30-MariaDB", "5.7.44"] {
        assert_eq!(
            render(on(old), rename("body", "text"), &t),
            "ALTER TABLE `notes` CHANGE COLUMN `body` `text` TEXT NULL;\n"
        );
        assert_eq!(
            render(on(old), rename("id", "note_id"), &t),
            "ALTER TABLE `notes` CHANGE COLUMN `id` `note_id` BIGINT NOT NULL AUTO_INCREMENT;\n"
        );
    }
}

#[test]
fn an_index_is_dropped_and_added_before_rename_index() {
    let from = Index {
        name: "ix_old".into(),
        columns: vec!["body".into()],
        unique: true,
        prefixes: vec![Some(100)],
        ..Default::default()
    };
    let to = Index {
        name: "ix_new".into(),
        ..from.clone()
    };
    assert_eq!(
        MySql.render_rename_index("notes", &from, &to).unwrap(),
        "ALTER TABLE `notes` RENAME INDEX `ix_old` TO `ix_new`;\n"
    );
    assert_eq!(
        on("10.4.30-MariaDB")
            .render_rename_index("notes", &from, &to)
            .unwrap(),
        "ALTER TABLE `notes` DROP INDEX `ix_old`, ADD UNIQUE INDEX `ix_new` (`body`(100));\n"
    );
}

#[test]
fn a_check_is_dropped_as_the_server_spells_it() {
    let t = notes();
    let check = TableConstraint {
        name: Some("ck_notes_body".into()),
        kind: ConstraintKind::Check {
            expr: "body <> ''".into(),
            not_valid: false,
        },
        written: None,
    };
    let drop = || Op::DropTableConstraint {
        table: "notes".into(),
        constraint: check.clone(),
    };
    assert_eq!(
        render(&MySql, drop(), &t),
        "ALTER TABLE `notes` DROP CONSTRAINT `ck_notes_body`;\n"
    );
    assert_eq!(
        render(on("8.0.16"), drop(), &t),
        "ALTER TABLE `notes` DROP CHECK `ck_notes_body`;\n"
    );
}

#[test]
fn defaults_are_written_as_the_server_takes_them() {
    let mut body = Column::new("body", SqlType::Text, false);
    body.default = Some("'none'".into());
    let mut n = Column::new("n", SqlType::Integer, false);
    n.default = Some("0".into());
    assert_eq!(
        MySql.column_definition(&body),
        "`body` TEXT NOT NULL DEFAULT 'none'"
    );
    // MySQL: a TEXT column takes an expression default only.
    let mysql = on("8.0.36");
    assert_eq!(
        mysql.column_definition(&body),
        "`body` TEXT NOT NULL DEFAULT ('none')"
    );
    assert_eq!(mysql.column_definition(&n), "`n` INT NOT NULL DEFAULT 0");

    // Before expression defaults, the models' are refused with the reason.
    let mut schema = Schema::default();
    let mut t = Table::new("t");
    let mut lower = Column::new("code", SqlType::Varchar(10), false);
    lower.default = Some("lower('A')".into());
    t.columns = vec![n.clone(), lower];
    schema.insert(t);
    assert!(MySql.check_models(&schema).is_ok());
    assert!(mysql.check_models(&schema).is_ok());
    let refused = on("8.0.12").check_models(&schema).unwrap_err().to_string();
    assert!(
        refused.contains("give `t.code` the default `lower('A')`")
            && refused.contains("MySQL 8.0.12 takes no expression as a default"),
        "{refused}"
    );
}
