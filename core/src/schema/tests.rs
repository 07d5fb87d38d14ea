//! Tests of `schema.rs`.

use super::*;

#[test]
fn parses_common_type_spellings() {
    assert_eq!(SqlType::parse("int8"), SqlType::BigInt);
    assert_eq!(
        SqlType::parse("character varying ( 255 )"),
        SqlType::Varchar(255)
    );
    assert_eq!(
        SqlType::parse("numeric(10, 2)"),
        SqlType::Numeric {
            precision: Some(10),
            scale: Some(2)
        }
    );
    assert_eq!(
        SqlType::parse("Timestamp with time zone"),
        SqlType::TimestampTz
    );
    assert_eq!(SqlType::parse("citext"), SqlType::Custom("CITEXT".into()));
    assert_eq!(SqlType::parse("text(5)"), SqlType::Custom("TEXT(5)".into()));
}

#[test]
fn parses_aliases_the_way_postgresql_reports_them() {
    let custom = |s: &str| SqlType::Custom(s.into());
    // Unlimited VARCHAR: model and catalog spellings meet at `VARCHAR`.
    assert_eq!(SqlType::parse("character varying"), custom("VARCHAR"));
    assert_eq!(SqlType::parse("varchar"), custom("VARCHAR"));
    assert_eq!(SqlType::parse("char(2)"), custom("CHAR(2)"));
    assert_eq!(SqlType::parse("character(2)"), custom("CHAR(2)"));
    assert_eq!(SqlType::parse("bpchar(2)"), custom("CHAR(2)"));
    assert_eq!(SqlType::parse("char"), custom("CHAR(1)"));
    assert_eq!(SqlType::parse("bpchar"), custom("BPCHAR"));
    assert_eq!(SqlType::parse("float"), SqlType::Double);
    assert_eq!(SqlType::parse("float8"), SqlType::Double);
    assert_eq!(SqlType::parse("float(53)"), SqlType::Double);
    assert_eq!(SqlType::parse("float(24)"), SqlType::Real);
    assert_eq!(SqlType::parse("float4"), SqlType::Real);
    assert_eq!(SqlType::parse("float(99)"), custom("FLOAT(99)"));
    assert_eq!(SqlType::parse("timestamp(3)"), custom("TIMESTAMP(3)"));
    assert_eq!(
        SqlType::parse("timestamp(3) without time zone"),
        custom("TIMESTAMP(3)")
    );
    assert_eq!(
        SqlType::parse("timestamp without time zone"),
        SqlType::Timestamp
    );
    assert_eq!(SqlType::parse("timestamptz(6)"), custom("TIMESTAMPTZ(6)"));
    assert_eq!(
        SqlType::parse("timestamp(6) with time zone"),
        custom("TIMESTAMPTZ(6)")
    );
    assert_eq!(
        SqlType::parse("time(2) without time zone"),
        custom("TIME(2)")
    );
    assert_eq!(SqlType::parse("time with time zone"), custom("TIMETZ"));
    assert_eq!(SqlType::parse("serial"), SqlType::Integer);
    assert_eq!(SqlType::parse("bigserial"), SqlType::BigInt);
    assert_eq!(SqlType::parse("smallserial"), SqlType::SmallInt);
    assert_eq!(SqlType::parse("serial8"), SqlType::BigInt);
    assert_eq!(
        SqlType::parse("text with time zone"),
        custom("TEXT WITH TIME ZONE")
    );
    // Every canonical spelling parses back to itself.
    for text in [
        "VARCHAR",
        "CHAR(2)",
        "CHAR(1)",
        "BPCHAR",
        "TIMESTAMP(3)",
        "TIMESTAMPTZ(6)",
        "TIME(2)",
        "TIMETZ",
        "TIMETZ(4)",
        "FLOAT(99)",
    ] {
        let ty = SqlType::parse(text);
        assert_eq!(ty.to_string(), text);
        assert_eq!(SqlType::parse(&ty.to_string()), ty, "{text}");
    }
}

#[test]
fn quoted_type_names_keep_their_case() {
    assert_eq!(
        SqlType::parse("\"Mood\""),
        SqlType::Custom("\"Mood\"".into())
    );
    assert_eq!(
        SqlType::parse("public.\"Mood\"[]"),
        SqlType::Custom("PUBLIC.\"Mood\"[]".into())
    );
}

#[test]
fn display_round_trips_through_parse() {
    for ty in [
        SqlType::Boolean,
        SqlType::SmallInt,
        SqlType::Integer,
        SqlType::BigInt,
        SqlType::Real,
        SqlType::Double,
        SqlType::Numeric {
            precision: Some(10),
            scale: Some(2),
        },
        SqlType::Numeric {
            precision: None,
            scale: None,
        },
        SqlType::Text,
        SqlType::Varchar(80),
        SqlType::Blob,
        SqlType::Date,
        SqlType::Time,
        SqlType::Timestamp,
        SqlType::TimestampTz,
        SqlType::Uuid,
        SqlType::Json,
        SqlType::Jsonb,
    ] {
        assert_eq!(SqlType::parse(&ty.to_string()), ty, "{ty}");
    }
}

#[test]
fn narrowing_changes_are_recognised() {
    assert!(SqlType::BigInt.narrowing_to(&SqlType::Integer).is_some());
    assert!(SqlType::Integer.narrowing_to(&SqlType::BigInt).is_none());
    assert!(SqlType::Varchar(20)
        .narrowing_to(&SqlType::Varchar(5))
        .is_some());
    assert!(SqlType::Varchar(5).narrowing_to(&SqlType::Text).is_none());
    let num = |p, s| SqlType::Numeric {
        precision: Some(p),
        scale: Some(s),
    };
    assert!(num(10, 2).narrowing_to(&num(10, 0)).is_some());
    assert!(num(10, 2).narrowing_to(&num(12, 2)).is_none());
    assert!(SqlType::Text.narrowing_to(&SqlType::Integer).is_some());
    assert!(SqlType::TimestampTz
        .narrowing_to(&SqlType::Timestamp)
        .is_some());
}

#[test]
fn dependency_order_puts_parents_first() {
    let mut schema = Schema::new();
    let mut posts = Table::new("posts");
    posts
        .foreign_keys
        .push(ForeignKey::cascade("fk", "user_id", "users"));
    schema.insert(posts);
    schema.insert(Table::new("users"));
    schema.insert(Table::new("accounts"));
    assert_eq!(
        schema.dependency_order(&["posts", "users", "accounts"]),
        vec!["accounts", "users", "posts"]
    );
}

#[test]
fn fk_actions_parse() {
    assert_eq!(FkAction::parse("SET_NULL"), Some(FkAction::SetNull));
    assert_eq!(FkAction::parse("cascade"), Some(FkAction::Cascade));
    assert_eq!(FkAction::parse("explode"), None);
    for action in [
        FkAction::NoAction,
        FkAction::Restrict,
        FkAction::Cascade,
        FkAction::SetNull,
        FkAction::SetDefault,
    ] {
        assert_eq!(FkAction::parse(action.name()), Some(action));
    }
}
