//! Tests of the `Dialect` trait's shared rendering.

use super::*;

#[test]
fn defaults_normalise() {
    assert_eq!(normalize_default(" (0) "), "0");
    assert_eq!(normalize_default("((datetime('now')))"), "datetime('now')");
    assert_eq!(normalize_default("(a) + (b)"), "(a) + (b)");
    assert_eq!(normalize_default("'(x'"), "'(x'");
}

#[test]
fn null_defaults_are_no_default_on_both_backends() {
    assert!(is_null_default("NULL"));
    assert!(is_null_default(" (null) "));
    assert!(!is_null_default("'NULL'"));
    for dialect in [&Sqlite as &dyn Dialect, &Postgres] {
        let mut t = Table::new("t");
        let mut c = Column::new("maybe", crate::schema::SqlType::Text, true);
        c.default = Some("NULL".into());
        t.columns.push(c);
        let mut s = Schema::new();
        s.insert(t);
        dialect.normalize(&mut s);
        assert_eq!(s.tables["t"].columns[0].default, None, "{}", dialect.name());
    }
}

/// A dialect that overrides nothing: the trait's default rendering.
struct Standard;

impl super::DialectFacts for Standard {}

impl Dialect for Standard {
    fn name(&self) -> &'static str {
        "Standard SQL"
    }

    fn key(&self) -> &'static str {
        "standard"
    }
}

#[test]
fn the_defaults_write_standard_sql_and_refuse_identity_changes() {
    use crate::schema::SqlType;
    let mut t = Table::new("t");
    t.columns.push(Column::new("id", SqlType::Integer, false));
    t.columns.push(Column::new("x", SqlType::Integer, true));
    t.primary_key = vec!["id".into()];
    let mut before = Schema::new();
    before.insert(t);
    let alter = Op::AlterColumn {
        table: "t".into(),
        from: Column::new("x", SqlType::Integer, true),
        to: Column::new("x", SqlType::BigInt, false),
        conversion: Default::default(),
    };
    let key = Op::AlterPrimaryKey {
        table: "t".into(),
        from: vec!["id".into()],
        to: vec!["id".into(), "x".into()],
    };
    assert_eq!(
        Standard.render(&[alter, key], &before).unwrap(),
        "-- altered column 't.x': type INTEGER -> BIGINT, now NOT NULL\n\
             ALTER TABLE \"t\" ALTER COLUMN \"x\" SET DATA TYPE BIGINT;\n\
             ALTER TABLE \"t\" ALTER COLUMN \"x\" SET NOT NULL;\n\n\
             -- changed primary key of 't' from (id) to (id, x)\n\
             ALTER TABLE \"t\" DROP CONSTRAINT \"t_pkey\";\n\
             ALTER TABLE \"t\" ADD CONSTRAINT \"t_pkey\" PRIMARY KEY (\"id\", \"x\");\n\n"
    );
    let identity = Op::AlterIdentity {
        table: "t".into(),
        from: None,
        to: Some(crate::schema::IdentityColumn {
            column: "id".into(),
            kind: Default::default(),
        }),
    };
    let err = Standard.render(&[identity], &before).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Standard SQL cannot render `changed the generated (identity) column of 't' from none \
             to id`: this backend has no identity columns to change: let the application assign \
             the key's values"
    );
}

#[test]
fn literal_defaults() {
    assert!(is_literal_default("0"));
    assert!(is_literal_default("-1.5"));
    assert!(is_literal_default("'it''s'"));
    assert!(is_literal_default("true"));
    assert!(!is_literal_default("'a' || 'b'"));
    assert!(!is_literal_default("CURRENT_TIMESTAMP"));
    assert!(!is_literal_default("datetime('now')"));
}

/// A dialect that overrides none of `DialectFacts` keeps names whole, has no enum clause, no
/// diesel types, and sets a trigger aside by dropping it.
#[test]
fn facts_default_to_a_plain_backend() {
    let long = "é".repeat(40);
    assert_eq!(Standard.stored_identifier(&long), long);
    let mut mood = Column::new("mood", SqlType::Text, false);
    mood.extra
        .push(crate::sql::column_clause(sqlite::enum_check(
            "\"mood\"",
            &["a".into(), "b".into()],
        )));
    assert_eq!(Standard.column_enum_labels(&mood), None);
    assert!(Standard.diesel_types().is_none());
    assert!(!Standard.keeps_expressions_across(&SqlType::Text, &SqlType::Varchar(9)));
    assert_eq!(
        Standard.default_serial_sequence_name("app.t", "id"),
        "t_id_seq"
    );
    assert_eq!(
        Standard.set_triggers_aside("log", "it", "guard"),
        "drop it while migrating (`DROP TRIGGER guard;`), then create it again afterwards"
    );
}

/// PostgreSQL stores names cut at 63 bytes, at a character boundary, as `truncate_identifier`
/// says; SQLite keeps them whole.
#[test]
fn stored_identifiers_follow_the_backend() {
    let long = format!("{}{}", "a".repeat(62), "é");
    assert_eq!(Postgres.stored_identifier(&long), "a".repeat(62));
    assert_eq!(
        Postgres.stored_identifier(&long),
        postgres::truncate_identifier(&long)
    );
    assert_eq!(Sqlite.stored_identifier(&long), long);
}

/// How each dialect holds an enum's labels after normalisation: SQLite in a label check on the
/// column, which the ops' own reading (`sql::enum_check_labels`, used where there is no dialect)
/// agrees with; PostgreSQL in the type, none on the column.
#[test]
fn each_dialect_says_where_an_enum_holds_its_labels() {
    let labels = vec!["calm".to_owned(), "it's".to_owned()];
    for dialect in [&Sqlite as &dyn Dialect, &Postgres] {
        let mut t = Table::new("t");
        t.columns.push(Column::new(
            "mood",
            SqlType::Enum {
                name: "mood".into(),
                labels: labels.clone(),
            },
            false,
        ));
        let mut s = Schema::new();
        s.insert(t);
        dialect.normalize(&mut s);
        let column = &s.tables["t"].columns[0];
        let held = dialect.column_enum_labels(column);
        let read =
            crate::sql::enum_check_labels(&column.name, column.extra.iter().map(|c| c.sql()));
        assert_eq!(held, read, "{}", dialect.name());
        match dialect.key() {
            "sqlite" => assert_eq!(held, Some(labels.clone())),
            _ => assert_eq!(held, None, "{}", dialect.name()),
        }
    }
}
