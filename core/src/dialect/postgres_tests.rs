//! Tests of `postgres.rs`.

use super::*;
use crate::diff::diff;
use crate::ops::{reverse_all, Op};

#[test]
fn model_checks_become_definitions_as_introspection_keeps_them() {
    let mut t = Table::new("users");
    t.columns.push(Column::new("age", SqlType::Integer, false));
    t.table_constraints
        .push(crate::schema::TableConstraint::check(
            "ck_users_1",
            "age >= 0",
            false,
        ));
    let mut s = Schema::new();
    s.insert(t);
    Postgres.model_defaults(&mut s);
    let users = &s.tables["users"];
    assert!(users.table_constraints.is_empty());
    assert_eq!(
        users.unmodeled,
        [r#"ALTER TABLE "users" ADD CONSTRAINT "ck_users_1" CHECK (age >= 0)"#]
    );
    // The diff creates it, and its reverse drops it.
    let before = {
        let mut b = s.clone();
        b.tables.get_mut("users").unwrap().unmodeled.clear();
        b
    };
    let ops = diff(&before, &s);
    assert!(
        matches!(ops.as_slice(), [Op::CreateDefinition { .. }]),
        "{ops:?}"
    );
    assert!(diff(&s, &s).is_empty());
}

#[test]
fn catalog_defaults_normalise_to_model_spelling() {
    assert_eq!(
        normalize_pg_default("'active'::text", &SqlType::Text),
        "'active'"
    );
    assert_eq!(
        normalize_pg_default("'x'::character varying(10)", &SqlType::Text),
        "'x'"
    );
    assert_eq!(
        normalize_pg_default("'-1'::integer", &SqlType::Integer),
        "-1"
    );
    assert_eq!(normalize_pg_default("(-1)", &SqlType::Integer), "-1");
    assert_eq!(
        normalize_pg_default("'it''s'::text", &SqlType::Text),
        "'it''s'"
    );
    assert_eq!(normalize_pg_default("now()", &SqlType::Text), "now()");
    assert_eq!(
        normalize_pg_default("current_timestamp", &SqlType::Text),
        "CURRENT_TIMESTAMP"
    );
    assert_eq!(normalize_pg_default("FALSE", &SqlType::Text), "false");
    assert_eq!(normalize_pg_default("'{}'::jsonb", &SqlType::Jsonb), "'{}'");
    assert_eq!(
        normalize_pg_default(
            "'1.50'::numeric",
            &SqlType::Numeric {
                precision: None,
                scale: None
            }
        ),
        "1.50"
    );
    // Not one literal: the casts stay, on both sides alike.
    assert_eq!(
        normalize_pg_default("'a'::text || 'b'::text", &SqlType::Text),
        "'a'::text || 'b'::text"
    );
    assert_eq!(
        normalize_pg_default("lower('X'::text)", &SqlType::Text),
        "lower('X'::text)"
    );
    assert_eq!(normalize_pg_default("NULL::text", &SqlType::Text), "null");
    assert_eq!(
        normalize_pg_default("'1000'::double precision", &SqlType::Double),
        "1000"
    );
    // A quoted number stays quoted where the column is no number.
    let ltree = SqlType::Custom("LTREE".into());
    assert_eq!(normalize_pg_default("'0'::ltree", &ltree), "'0'");
    assert_eq!(normalize_pg_default("'42'::text", &SqlType::Text), "'42'");
    // A cast to another type changes the value: it stays.
    assert_eq!(
        normalize_pg_default(
            "'1970-01-01 00:00:00'::timestamp without time zone",
            &SqlType::TimestampTz
        ),
        "'1970-01-01 00:00:00'::timestamp without time zone"
    );
    assert_eq!(
        normalize_pg_default("'-1'::integer", &SqlType::BigInt),
        "-1"
    );
}

#[test]
fn long_identifiers_are_cut_like_postgresql_does() {
    let long = "a".repeat(70);
    assert_eq!(truncate_identifier(&long).len(), 63);
    assert_eq!(truncate_identifier("short"), "short");
    // Never inside a character: 31 two-byte characters + 'é' straddling byte 63.
    let accents = format!("{}é", "é".repeat(32));
    let cut = truncate_identifier(&accents);
    assert_eq!(cut.len(), 62);
    assert_eq!(cut, "é".repeat(31));
    assert_eq!(default_primary_key_name("users"), "users_pkey");
    assert_eq!(
        default_primary_key_name(&long),
        format!("{}_pkey", "a".repeat(58))
    );

    let mut t = Table::new(long.clone());
    t.columns
        .push(Column::new(long.clone(), SqlType::Integer, false));
    t.primary_key = vec![long.clone()];
    t.indexes.push(crate::schema::Index {
        name: format!("ix_{long}"),
        columns: vec![long.clone()],
        unique: false,
        constraint: false,
        options: Default::default(),
        prefixes: Vec::new(),
    });
    let mut s = Schema::new();
    s.insert(t);
    Postgres.normalize(&mut s);
    let short = "a".repeat(63);
    let t = &s.tables[&short];
    assert_eq!(t.name, short);
    assert_eq!(t.columns[0].name, short);
    assert_eq!(t.primary_key.as_slice(), std::slice::from_ref(&short));
    assert_eq!(t.indexes[0].name, format!("ix_{}", "a".repeat(60)));
    assert_eq!(t.indexes[0].columns, [short]);
}

#[test]
fn primary_key_changes_use_the_catalog_name() {
    let mut before = Schema::new();
    let mut t = accounts();
    t.primary_key_name = Some("accounts_pk_by_hand".into());
    before.insert(t.clone());
    let op = Op::AlterPrimaryKey {
        table: "accounts".into(),
        from: vec!["id".into()],
        to: vec!["id".into(), "age".into()],
    };
    let up = Postgres.render(std::slice::from_ref(&op), &before).unwrap();
    assert!(
            up.contains("DROP CONSTRAINT \"accounts_pk_by_hand\";\nALTER TABLE \"accounts\" ADD CONSTRAINT \"accounts_pk_by_hand\" PRIMARY KEY (\"id\", \"age\");"),
            "{up}"
        );
    // Unknown: PostgreSQL's default name, cut to fit.
    let long = "t".repeat(70);
    let mut t = Table::new(&long);
    t.columns.push(Column::new("id", SqlType::Integer, false));
    t.primary_key = vec!["id".into()];
    let mut s = Schema::new();
    s.insert(t.clone());
    let op = Op::AlterPrimaryKey {
        table: long.clone(),
        from: vec!["id".into()],
        to: vec![],
    };
    let up = Postgres.render(&[op], &s).unwrap();
    assert!(
        up.contains(&format!("DROP CONSTRAINT \"{}_pkey\";", "t".repeat(58))),
        "{up}"
    );
    // A re-created table keeps a hand-made name; the default name is left implicit.
    t.primary_key_name = Some("by_hand".into());
    let sql = Postgres.create_table(&t, &long);
    assert!(
        sql.contains("CONSTRAINT \"by_hand\" PRIMARY KEY (\"id\")"),
        "{sql}"
    );
    t.primary_key_name = Some(default_primary_key_name(&long));
    let sql = Postgres.create_table(&t, &long);
    assert!(sql.contains("    PRIMARY KEY (\"id\")"), "{sql}");
}

fn accounts() -> Table {
    let mut t = Table::new("accounts");
    t.columns.push(Column::new("id", SqlType::BigInt, false));
    let mut age = Column::new("age", SqlType::Integer, false);
    age.default = Some("0".into());
    t.columns.push(age);
    t.columns.push(Column::new("data", SqlType::Blob, true));
    t.primary_key = vec!["id".into()];
    t
}

#[test]
fn integer_primary_keys_become_identity_columns() {
    let mut s = Schema::new();
    s.insert(accounts());
    Postgres.model_defaults(&mut s);
    let sql = Postgres
        .render(&diff(&Schema::new(), &s), &Schema::new())
        .unwrap();
    assert_eq!(
            sql,
            "-- added table 'accounts'\nCREATE TABLE \"accounts\" (\n    \"id\" BIGINT NOT NULL GENERATED BY DEFAULT AS IDENTITY,\n    \"age\" INTEGER NOT NULL DEFAULT 0,\n    \"data\" BYTEA,\n    PRIMARY KEY (\"id\")\n);\n\n"
        );
}

#[test]
fn a_key_the_application_assigns_gets_no_identity() {
    let mut s = Schema::new();
    let mut t = accounts();
    t.no_identity = true;
    s.insert(t);
    Postgres.model_defaults(&mut s);
    let accounts = &s.tables["accounts"];
    assert_eq!(accounts.identity, None);
    assert!(!accounts.no_identity, "model_defaults consumes the flag");
    let sql = Postgres
        .render(&diff(&Schema::new(), &s), &Schema::new())
        .unwrap();
    assert!(
        sql.contains("\"id\" BIGINT NOT NULL,\n") && !sql.contains("IDENTITY"),
        "{sql}"
    );
}

#[test]
fn a_table_without_primary_key_renders_and_reverts() {
    let mut t = Table::new("follows");
    t.columns
        .push(Column::new("user_id", SqlType::Integer, false));
    t.columns
        .push(Column::new("crate_id", SqlType::Integer, false));
    let mut s = Schema::new();
    s.insert(t);
    Postgres.model_defaults(&mut s);
    assert_eq!(s.tables["follows"].identity, None);
    let ops = diff(&Schema::new(), &s);
    let sql = Postgres.render(&ops, &Schema::new()).unwrap();
    assert_eq!(
            sql,
            "-- added table 'follows'\nCREATE TABLE \"follows\" (\n    \"user_id\" INTEGER NOT NULL,\n    \"crate_id\" INTEGER NOT NULL\n);\n\n"
        );
    let down = Postgres.render(&reverse_all(&ops), &s).unwrap();
    assert!(down.contains("DROP TABLE \"follows\";"), "{down}");
}

#[test]
fn not_valid_checks_are_added_not_valid() {
    let mut t = Table::new("users");
    t.columns.push(Column::new("age", SqlType::Integer, false));
    t.table_constraints
        .push(crate::schema::TableConstraint::check(
            "ck users", "age >= 0", true,
        ));
    let mut s = Schema::new();
    s.insert(t);
    Postgres.model_defaults(&mut s);
    let users = &s.tables["users"];
    assert!(users.table_constraints.is_empty());
    assert_eq!(
        users.unmodeled,
        [r#"ALTER TABLE "users" ADD CONSTRAINT "ck users" CHECK (age >= 0) NOT VALID"#]
    );
    // Created after the table, so that the server keeps it NOT VALID (inside CREATE TABLE
    // it would be valid).
    let sql = Postgres
        .render(&diff(&Schema::new(), &s), &Schema::new())
        .unwrap();
    assert!(sql.contains("CHECK (age >= 0) NOT VALID;"), "{sql}");
    assert!(
        !sql.contains("CONSTRAINT \"ck users\" CHECK (age >= 0)\n"),
        "{sql}"
    );
}

#[test]
fn type_changes_convert_rows_and_reverse() {
    let mut before = Schema::new();
    before.insert(accounts());
    let mut t = accounts();
    t.columns[1].ty = SqlType::BigInt;
    t.columns[1].default = Some("1".into());
    t.columns[2].nullable = false;
    let mut after = Schema::new();
    after.insert(t);
    let ops = diff(&before, &after);
    let up = Postgres.render(&ops, &before).unwrap();
    assert_eq!(
        up,
        "-- altered column 'accounts.age': type INTEGER -> BIGINT, default 0 -> 1\n\
             ALTER TABLE \"accounts\" ALTER COLUMN \"age\" DROP DEFAULT;\n\
             ALTER TABLE \"accounts\" ALTER COLUMN \"age\" TYPE BIGINT;\n\
             ALTER TABLE \"accounts\" ALTER COLUMN \"age\" SET DEFAULT 1;\n\n\
             -- altered column 'accounts.data': now NOT NULL\n\
             ALTER TABLE \"accounts\" ALTER COLUMN \"data\" SET NOT NULL;\n\n"
    );
    let down = Postgres.render(&reverse_all(&ops), &after).unwrap();
    assert!(
        down.contains("ALTER TABLE \"accounts\" ALTER COLUMN \"data\" DROP NOT NULL;"),
        "{down}"
    );
    assert!(
        down.contains(
            "TYPE INTEGER;\nALTER TABLE \"accounts\" ALTER COLUMN \"age\" SET DEFAULT 0;"
        ),
        "{down}"
    );
}

#[test]
fn a_key_change_moves_the_identity() {
    let mut before = Schema::new();
    before.insert(accounts());
    Postgres.model_defaults(&mut before);
    let mut t = accounts();
    t.primary_key = vec!["id".into(), "age".into()];
    let mut after = Schema::new();
    after.insert(t);
    Postgres.model_defaults(&mut after);
    let plan = crate::autogen::plan_between(&Postgres, &before, &after).unwrap();
    assert!(
        plan.up_sql
            .contains("ALTER TABLE \"accounts\" ALTER COLUMN \"id\" DROP IDENTITY IF EXISTS;"),
        "{}",
        plan.up_sql
    );
    assert!(
            plan.down_sql.contains("ALTER COLUMN \"id\" ADD GENERATED BY DEFAULT AS IDENTITY;\nSELECT setval(pg_get_serial_sequence('\"accounts\"', 'id'), COALESCE(MAX(\"id\"), 0) + 1, false) FROM \"accounts\";"),
            "{}",
            plan.down_sql
        );
}

/// `accounts` as introspection reads it with a serial key (`id bigserial`).
fn serial_accounts() -> Table {
    let mut t = accounts();
    t.serial = vec!["id".into()];
    t.settle_serial_key();
    t.unmodeled.push(crate::sql::kept(super::serial_definition(
        "accounts",
        &t.columns[0],
        "accounts_id_seq",
        None,
    )));
    t
}

#[test]
fn a_serial_key_stays_serial_when_the_key_grows() {
    let mut before = Schema::new();
    before.insert(serial_accounts());
    let mut t = serial_accounts();
    t.primary_key = vec!["id".into(), "age".into()];
    let mut after = Schema::new();
    after.insert(t);
    Postgres.model_defaults(&mut after);
    assert_eq!(after.tables["accounts"].serial, ["id"]);
    let plan = crate::autogen::plan_between(&Postgres, &before, &after).unwrap();
    assert!(!plan.up_sql.contains("SEQUENCE"), "{}", plan.up_sql);
    assert!(!plan.up_sql.contains("IDENTITY"), "{}", plan.up_sql);
}

#[test]
fn a_serial_key_becomes_an_identity_and_back_exactly() {
    let mut before = Schema::new();
    before.insert(serial_accounts());
    let mut after = Schema::new();
    after.insert(accounts());
    Postgres.model_defaults(&mut after);
    let plan = crate::autogen::plan_between(&Postgres, &before, &after).unwrap();
    let create =
        super::serial_definition("accounts", &accounts().columns[0], "accounts_id_seq", None);
    assert!(create.starts_with(
        "CREATE SEQUENCE accounts_id_seq AS bigint START WITH 1 INCREMENT BY 1 MINVALUE 1 \
         MAXVALUE 9223372036854775807 CACHE 1;\nALTER SEQUENCE accounts_id_seq OWNED BY \
         accounts.id;\nALTER TABLE accounts ALTER COLUMN id SET DEFAULT \
         nextval('accounts_id_seq'::regclass)"
    ));
    assert!(
        plan.up_sql.contains(
            "ALTER TABLE \"accounts\" ALTER COLUMN \"id\" DROP DEFAULT;\n\
             DROP SEQUENCE accounts_id_seq;\n"
        ),
        "{}",
        plan.up_sql
    );
    assert!(
        plan.up_sql
            .contains("ALTER COLUMN \"id\" ADD GENERATED BY DEFAULT AS IDENTITY;"),
        "{}",
        plan.up_sql
    );
    assert!(
        plan.down_sql.contains("DROP IDENTITY IF EXISTS;")
            && plan
                .down_sql
                .contains(&format!("{create};\nSELECT setval(")),
        "{}",
        plan.down_sql
    );
}

#[test]
fn identity_kinds_change_in_place() {
    let mut before = Schema::new();
    before.insert(accounts());
    Postgres.model_defaults(&mut before);
    let mut t = accounts();
    t.identity = Some("id".into());
    t.identity_kind = IdentityKind::Always;
    let mut after = Schema::new();
    after.insert(t);
    Postgres.model_defaults(&mut after);
    let plan = crate::autogen::plan_between(&Postgres, &before, &after).unwrap();
    assert!(
        plan.up_sql
            .contains("ALTER TABLE \"accounts\" ALTER COLUMN \"id\" SET GENERATED ALWAYS;\n"),
        "{}",
        plan.up_sql
    );
    assert!(
        plan.down_sql
            .contains("ALTER COLUMN \"id\" SET GENERATED BY DEFAULT;\n"),
        "{}",
        plan.down_sql
    );
}

#[test]
fn serial_sequence_names_are_cut_as_postgres_cuts_them() {
    assert_eq!(super::serial_sequence_name("users", "id"), "users_id_seq");
    let long = "t".repeat(60);
    let name = super::serial_sequence_name(&long, "user_id");
    assert_eq!(name.len(), 63);
    assert_eq!(name, format!("{}_user_id_seq", "t".repeat(51)));
    let def = super::serial_definition(
        "billing.Items",
        &accounts().columns[0],
        "Items_id_seq",
        None,
    );
    assert!(
        def.starts_with("CREATE SEQUENCE billing.\"Items_id_seq\" AS bigint"),
        "{def}"
    );
    assert_eq!(
        super::serial_sequence_bare_name(&def).as_deref(),
        Some("Items_id_seq")
    );
    let int = &accounts().columns[1];
    let def = super::serial_definition("t", int, "t_age_seq", Some(&SqlType::BigInt));
    assert!(def.contains(" AS bigint "), "{def}");
    assert_eq!(super::serial_sequence_type(&def), Some(SqlType::BigInt));
}

#[test]
fn identity_kinds_are_re_created_as_they_were() {
    let mut t = accounts();
    t.identity = Some("id".into());
    for (kind, clause) in [
        (
            IdentityKind::ByDefault,
            "\"id\" BIGINT NOT NULL GENERATED BY DEFAULT AS IDENTITY,",
        ),
        (
            IdentityKind::Always,
            "\"id\" BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY,",
        ),
        (IdentityKind::Serial, "\"id\" BIGINT NOT NULL,"),
    ] {
        t.identity_kind = kind;
        let sql = Postgres
            .render(&[Op::CreateTable(t.clone())], &Schema::new())
            .unwrap();
        assert!(sql.contains(clause), "{kind:?}: {sql}");
    }
}

#[test]
fn changes_across_type_families_convert_with_using() {
    let mut before = Schema::new();
    let mut t = accounts();
    t.columns[2].ty = SqlType::Text;
    before.insert(t.clone());
    t.columns[2].ty = SqlType::Integer;
    t.columns[1].ty = SqlType::Varchar(10);
    let mut after = Schema::new();
    after.insert(t);
    let up = Postgres.render(&diff(&before, &after), &before).unwrap();
    assert!(
        up.contains("ALTER COLUMN \"data\" TYPE INTEGER USING \"data\"::INTEGER;"),
        "{up}"
    );
    assert!(
        up.contains("ALTER COLUMN \"age\" TYPE VARCHAR(10) USING \"age\"::VARCHAR(10);"),
        "{up}"
    );
    // Within a family the assignment cast checks lengths: no USING that would truncate.
    let mut narrower = after.clone();
    narrower.tables.get_mut("accounts").unwrap().columns[1].ty = SqlType::Varchar(5);
    let up = Postgres.render(&diff(&after, &narrower), &after).unwrap();
    assert!(up.contains("ALTER COLUMN \"age\" TYPE VARCHAR(5);"), "{up}");
}

#[test]
fn comments_render_as_comment_on_and_none_as_null() {
    let mut t = accounts();
    t.comment = Some("Users' accounts.".into());
    t.columns[0].comment = Some("The key.".into());
    let sql = Postgres.render_create_table(&t).unwrap();
    assert!(
        sql.contains("COMMENT ON TABLE \"accounts\" IS 'Users'' accounts.';\n"),
        "{sql}"
    );
    let column = &t.columns[0].name.clone();
    assert!(
        sql.contains(&format!(
            "COMMENT ON COLUMN \"accounts\".\"{column}\" IS 'The key.';\n"
        )),
        "{sql}"
    );
    let mut before = Schema::new();
    before.insert(t);
    let op = Op::AlterComment {
        table: "accounts".into(),
        column: Some(column.clone()),
        from: Some("The key.".into()),
        to: None,
    };
    assert_eq!(
        Postgres.render(&[op], &before).unwrap(),
        format!(
            "-- changed comment of 'accounts.{column}'\n\
                 COMMENT ON COLUMN \"accounts\".\"{column}\" IS NULL;\n\n"
        )
    );
}
