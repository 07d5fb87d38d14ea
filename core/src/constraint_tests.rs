//! Model indexes beyond plain column keys, unique constraints and composite, deferrable foreign
//! keys, on real databases (in-memory SQLite; PostgreSQL with `TEST_DATABASE_URL`): an equal
//! declaration is no difference, a changed one migrates both ways.

use crate::plan_tests::{backends, by_name, run, schema, table};
use crate::schema::{Deferrable, FkAction, ForeignKey, Index, IndexOptions, Schema, SqlType};

fn users() -> crate::schema::Table {
    let mut t = table(
        "users",
        &[
            ("id", SqlType::BigInt),
            ("org_id", SqlType::BigInt),
            ("email", SqlType::Text),
            ("created_at", SqlType::Timestamp),
        ],
        &["id"],
    );
    t.columns.push(crate::schema::Column::new(
        "deleted_at",
        SqlType::Timestamp,
        true,
    ));
    t
}

fn index(name: &str, columns: &[&str], unique: bool, options: IndexOptions) -> Index {
    Index {
        name: name.into(),
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        unique,
        constraint: false,
        options,
        prefixes: Vec::new(),
    }
}

fn keys(keys: &[&str]) -> IndexOptions {
    IndexOptions {
        keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        ..Default::default()
    }
}

/// The indexes every backend has: partial, expression, ordered keys, a unique constraint.
fn portable(t: &mut crate::schema::Table, predicate: &str, order: &str) {
    t.indexes.push(index(
        "ix_users_live_email",
        &["email"],
        false,
        IndexOptions {
            predicate: Some(predicate.into()),
            ..Default::default()
        },
    ));
    t.indexes.push(index(
        "uq_users_lower_email",
        &[],
        true,
        keys(&["lower(email)"]),
    ));
    t.indexes.push(index(
        "ix_users_recent",
        &[],
        false,
        keys(&["org_id", order]),
    ));
    // Keys that are only columns and an explicit B-tree: a plain index.
    t.indexes.push(index(
        "ix_users_org_created",
        &[],
        false,
        IndexOptions {
            keys: vec!["org_id".into(), "\"created_at\" ASC".into()],
            method: Some("btree".into()),
            ..Default::default()
        },
    ));
    let mut uq = index(
        "uq_users_org_email",
        &["org_id", "email"],
        true,
        Default::default(),
    );
    uq.constraint = true;
    t.indexes.push(uq);
}

/// PostgreSQL only: methods, INCLUDE, NULLS NOT DISTINCT (index and constraint).
fn postgres_only(t: &mut crate::schema::Table, method: &str) {
    t.indexes.push(index(
        "ix_users_email_hash",
        &["email"],
        false,
        IndexOptions {
            method: Some(method.into()),
            ..Default::default()
        },
    ));
    t.indexes.push(index(
        "ix_users_org_incl",
        &["org_id"],
        false,
        IndexOptions {
            include: vec!["email".into()],
            ..Default::default()
        },
    ));
    let mut nnd = index(
        "uq_users_org_deleted",
        &["org_id", "deleted_at"],
        true,
        IndexOptions {
            nulls_not_distinct: true,
            ..Default::default()
        },
    );
    nnd.constraint = true;
    t.indexes.push(nnd);
}

fn models(backend: &str, variant: u8) -> Schema {
    let mut t = users();
    let predicate = if variant == 0 {
        "deleted_at IS NULL"
    } else {
        "deleted_at IS NOT NULL"
    };
    // SQLite has no NULLS FIRST/LAST in an index.
    let order = if backend == "postgresql" {
        "created_at DESC NULLS LAST"
    } else {
        "created_at DESC"
    };
    portable(&mut t, predicate, order);
    if backend == "postgresql" {
        postgres_only(&mut t, if variant == 0 { "hash" } else { "brin" });
    }
    schema(vec![t])
}

#[test]
fn declared_indexes_are_no_difference_and_a_changed_one_migrates_both_ways() {
    for mut db in backends() {
        let conn = db.connection();
        let key = conn.backend().key();
        let (a, b) = (models(key, 0), models(key, 1));
        let create = crate::autogen::plan(conn, &a).unwrap();
        run(conn, &create.up_sql);
        let left = crate::autogen::plan(conn, &a).unwrap();
        assert!(left.is_empty(), "{key}: {:?}\n{}", left.ops, create.up_sql);
        let at_a = conn.introspect().unwrap();
        // The plain ones are plain indexes; the rest are kept definitions.
        let users = &at_a.tables["users"];
        let plain: Vec<&str> = users.indexes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            plain,
            ["ix_users_org_created", "uq_users_org_email"],
            "{key}"
        );
        let plan = crate::autogen::plan(conn, &b).unwrap();
        let changed = if key == "postgresql" { 2 } else { 1 };
        assert_eq!(plan.ops.len(), 2 * changed, "{key}: {:?}", plan.ops);
        run(conn, &plan.up_sql);
        let left = crate::autogen::plan(conn, &b).unwrap();
        assert!(left.is_empty(), "{key}: {:?}\n{}", left.ops, plan.up_sql);
        run(conn, &plan.down_sql);
        assert_eq!(by_name(conn.introspect().unwrap()), by_name(at_a), "{key}");
    }
}

#[test]
fn sqlite_refuses_what_it_cannot_index() {
    let mut db =
        crate::shadow::ShadowDatabase::create(&"sqlite::memory:".parse().unwrap()).unwrap();
    let conn = db.connection();
    for (options, says) in [
        (
            IndexOptions {
                method: Some("gin".into()),
                ..Default::default()
            },
            "SQLite has only B-tree indexes",
        ),
        (
            IndexOptions {
                include: vec!["email".into()],
                ..Default::default()
            },
            "no INCLUDE columns",
        ),
        (
            IndexOptions {
                nulls_not_distinct: true,
                ..Default::default()
            },
            "always treat NULLs as distinct",
        ),
    ] {
        let mut t = users();
        t.indexes
            .push(index("ix_users_x", &["org_id"], false, options));
        let err = crate::autogen::plan(conn, &schema(vec![t]))
            .unwrap_err()
            .to_string();
        assert!(err.contains(says), "{err}");
        assert!(err.contains("index `ix_users_x` on `users`"), "{err}");
    }
}

#[test]
fn composite_deferrable_foreign_keys_migrate_both_ways() {
    let mut orgs = table(
        "orgs",
        &[("id", SqlType::BigInt), ("region", SqlType::Text)],
        &["id"],
    );
    let mut uq = index(
        "uq_orgs_id_region",
        &["id", "region"],
        true,
        Default::default(),
    );
    uq.constraint = true;
    orgs.indexes.push(uq);
    let members = |deferrable: Deferrable| {
        let mut m = table(
            "members",
            &[
                ("id", SqlType::BigInt),
                ("org_id", SqlType::BigInt),
                ("org_region", SqlType::Text),
            ],
            &["id"],
        );
        m.foreign_keys.push(ForeignKey {
            name: "fk_members_org".into(),
            columns: vec!["org_id".into(), "org_region".into()],
            ref_table: "orgs".into(),
            ref_columns: vec!["id".into(), "region".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::Cascade,
            deferrable,
        });
        m
    };
    let a = schema(vec![orgs.clone(), members(Deferrable::No)]);
    let b = schema(vec![orgs, members(Deferrable::InitiallyDeferred)]);
    for mut db in backends() {
        let conn = db.connection();
        let key = conn.backend().key();
        let create = crate::autogen::plan(conn, &a).unwrap();
        run(conn, &create.up_sql);
        assert!(crate::autogen::plan(conn, &a).unwrap().is_empty(), "{key}");
        run(
            conn,
            "INSERT INTO orgs VALUES (1, 'eu'); INSERT INTO members VALUES (1, 1, 'eu');",
        );
        let at_a = conn.introspect().unwrap();
        let plan = crate::autogen::plan(conn, &b).unwrap();
        assert!(!plan.is_empty(), "{key}");
        run(conn, &plan.up_sql);
        let left = crate::autogen::plan(conn, &b).unwrap();
        assert!(left.is_empty(), "{key}: {:?}\n{}", left.ops, plan.up_sql);
        let fk = &conn.introspect().unwrap().tables["members"].foreign_keys[0];
        assert_eq!(fk.deferrable, Deferrable::InitiallyDeferred, "{key}");
        run(conn, &plan.down_sql);
        assert_eq!(by_name(conn.introspect().unwrap()), by_name(at_a), "{key}");
        // The row survived both ways.
        let rows = conn
            .session()
            .text_pairs("SELECT CAST(id AS TEXT) AS a, org_region AS b FROM members")
            .unwrap();
        assert_eq!(rows, [("1".to_owned(), Some("eu".to_owned()))], "{key}");
    }
}

#[test]
fn a_declared_index_is_recreated_around_a_type_change_of_its_column() {
    let at = |ty: SqlType| {
        let mut t = table("gauges", &[("id", SqlType::BigInt), ("d", ty)], &["id"]);
        t.indexes.push(index(
            "ix_gauges_d",
            &["d"],
            false,
            IndexOptions {
                predicate: Some("\"d\" IS NOT NULL".into()),
                ..Default::default()
            },
        ));
        schema(vec![t])
    };
    let (a, b) = (at(SqlType::Integer), at(SqlType::Text));
    for mut db in backends() {
        let conn = db.connection();
        let key = conn.backend().key();
        let create = crate::autogen::plan(conn, &a).unwrap();
        run(conn, &create.up_sql);
        run(conn, "INSERT INTO gauges (id, d) VALUES (1, 7);");
        let at_a = conn.introspect().unwrap();
        let plan = crate::autogen::plan(conn, &b).unwrap();
        run(conn, &plan.up_sql);
        let left = crate::autogen::plan(conn, &b).unwrap();
        assert!(left.is_empty(), "{key}: {:?}\n{}", left.ops, plan.up_sql);
        run(conn, &plan.down_sql);
        assert_eq!(by_name(conn.introspect().unwrap()), by_name(at_a), "{key}");
    }
}

#[test]
fn an_index_postgresql_rejects_is_named_before_anything_runs() {
    for mut db in backends() {
        let conn = db.connection();
        if conn.backend().key() != "postgresql" {
            continue;
        }
        let mut t = users();
        t.indexes.push(index(
            "ix_users_trgm",
            &[],
            false,
            IndexOptions {
                keys: vec!["email no_such_ops".into()],
                method: Some("gin".into()),
                ..Default::default()
            },
        ));
        let err = crate::autogen::plan(conn, &schema(vec![t]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("model table `users`: PostgreSQL rejects the index `ix_users_trgm`"),
            "{err}"
        );
        assert!(err.contains("no_such_ops"), "{err}");
        assert!(conn.introspect().unwrap().tables.is_empty());
    }
}
