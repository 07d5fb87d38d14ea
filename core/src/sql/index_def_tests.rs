use super::*;
use crate::schema::{Column, KeptKind, SqlType};
use crate::sql::kept;

/// What `sql::kept` reads of an index definition.
fn index(sql: &str) -> IndexDef {
    match kept(sql).kind() {
        KeptKind::Index {
            def: Some(def),
            name: _,
        } => def.clone(),
        other => panic!("{sql}: {other:?}"),
    }
}

/// What `sql::kept` reads of a constraint definition.
fn constraint(sql: &str) -> Option<ConstraintDef> {
    match kept(sql).kind() {
        KeptKind::Constraint { def, .. } => def.clone(),
        other => panic!("{sql}: {other:?}"),
    }
}

#[test]
fn postgres_indexes_read_back() {
    let i = index(
        "CREATE UNIQUE INDEX crate_owners_not_deleted ON public.crate_owners USING btree \
         (crate_id, owner_id, owner_kind) WHERE (NOT deleted)",
    );
    assert!(i.unique);
    assert_eq!(i.options.keys, ["crate_id", "owner_id", "owner_kind"]);
    assert_eq!(i.options.method, None);
    assert_eq!(i.options.predicate.as_deref(), Some("(NOT deleted)"));

    let i = index(
        "CREATE INDEX index_crates_name_tgrm ON public.crates USING gin \
         (canon_crate_name((name)::text) gin_trgm_ops)",
    );
    assert_eq!(
        i.options.keys,
        ["canon_crate_name((name)::text) gin_trgm_ops"]
    );
    assert_eq!(i.options.method.as_deref(), Some("gin"));

    let i = index(
        "CREATE INDEX ix ON public.t USING btree (a DESC NULLS LAST, \"B c\") INCLUDE (d) \
         NULLS NOT DISTINCT",
    );
    assert_eq!(i.options.keys, ["a DESC NULLS LAST", "\"B c\""]);
    assert_eq!(i.options.include, ["d"]);
    assert!(i.options.nulls_not_distinct);

    let i = index(
        "CREATE INDEX index_version_downloads_date ON public.version_downloads USING brin \
         (date) WITH (pages_per_range='1')",
    );
    assert_eq!(i.options.with.as_deref(), Some("pages_per_range='1'"));
    assert_eq!(
        kept("CREATE INDEX i ON public.t USING btree (a) TABLESPACE fast").kind(),
        &KeptKind::Index {
            name: "i".into(),
            def: None
        }
    );
}

#[test]
fn constraints_read_back() {
    assert_eq!(
        constraint(
            r#"ALTER TABLE "versions" ADD CONSTRAINT "versions_tar_sha256_len" CHECK ((octet_length(tar_sha256) = 32)) NOT VALID"#
        ),
        Some(ConstraintDef::Check {
            expr: "(octet_length(tar_sha256) = 32)".into(),
            not_valid: true
        })
    );
    let Some(ConstraintDef::Unique(u)) = constraint(
        r#"ALTER TABLE "t" ADD CONSTRAINT "uq" UNIQUE NULLS NOT DISTINCT (a, "B") INCLUDE (c)"#,
    ) else {
        panic!()
    };
    assert!(u.unique && u.options.nulls_not_distinct);
    assert_eq!(u.options.keys, ["a", "\"B\""]);
    assert_eq!(u.options.include, ["c"]);
    let columns: Vec<String> = u.options.keys.iter().map(|k| unquote_key(k)).collect();
    assert_eq!(columns, ["a", "B"]);
    assert_eq!(
        constraint(r#"ALTER TABLE "t" ADD CONSTRAINT "x" EXCLUDE USING gist (r WITH &&)"#),
        None
    );
}

#[test]
fn sqlite_indexes_read_back_in_any_layout() {
    let i = index(
        "CREATE INDEX \"ix_books_lower\" ON \"books\" (lower(title), \"pages\" DESC) WHERE pages > 0",
    );
    assert_eq!(i.options.keys, ["lower(title)", "\"pages\" DESC"]);
    assert_eq!(i.options.predicate.as_deref(), Some("pages > 0"));
    let i = index("create unique index ix on t(\n  a,\n  b -- the second\n)\nwhere x is null");
    assert!(i.unique);
    assert_eq!(i.options.keys, ["a", "b"]);
    assert_eq!(i.options.predicate.as_deref(), Some("x is null"));
}

#[test]
fn unquoted_keys_are_plain_names() {
    assert_eq!(unquote_key("\"Last \"\"Name\"\"\""), "Last \"Name\"");
    assert_eq!(unquote_key("email"), "email");
    assert_eq!(unquote_key("lower(email)"), "lower(email)");
    assert_eq!(unquote_key("\"a\" DESC"), "\"a\" DESC");
}

fn users() -> Table {
    let mut t = Table::new("users");
    t.columns.push(Column::new("email", SqlType::Text, false));
    t.columns.push(Column::new("Org", SqlType::BigInt, false));
    t
}

#[test]
fn keys_that_are_columns_and_an_explicit_btree_are_a_plain_index() {
    let t = users();
    let mut index = Index {
        name: "ix".into(),
        options: IndexOptions {
            keys: vec!["email".into(), "\"Org\" asc".into()],
            method: Some("BTREE".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    simplify_index(&t, &mut index);
    assert!(index.is_plain());
    assert_eq!(index.columns, ["email", "Org"]);
    // An expression, an order, an unknown (or case-folded) column stay keys.
    for key in ["lower(email)", "email DESC", "org", "email COLLATE \"C\""] {
        let mut index = Index {
            name: "ix".into(),
            options: IndexOptions {
                keys: vec![key.into()],
                ..Default::default()
            },
            ..Default::default()
        };
        simplify_index(&t, &mut index);
        assert!(!index.is_plain(), "{key}");
    }
}
