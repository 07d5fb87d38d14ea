//! MariaDB's column types and spellings, for the [`super::mysql`] dialect and the backend's
//! introspection: how DDL writes a generic [`SqlType`], how MariaDB's `COLUMN_TYPE` reads back
//! as one, and the spelling both sides of a diff share (types, defaults, expressions).

use crate::schema::SqlType;

/// `text` as a MariaDB string literal: quotes doubled, and backslashes too (MariaDB reads `\` as
/// an escape inside strings unless `NO_BACKSLASH_ESCAPES` is set).
pub fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// A generic type as MariaDB's DDL spells it.
pub fn render_type(ty: &SqlType) -> String {
    match ty {
        SqlType::Boolean => "TINYINT(1)".into(),
        SqlType::SmallInt => "SMALLINT".into(),
        SqlType::Integer => "INT".into(),
        SqlType::BigInt => "BIGINT".into(),
        SqlType::Real => "FLOAT".into(),
        SqlType::Double => "DOUBLE".into(),
        SqlType::Numeric { precision, scale } => format!(
            "DECIMAL({},{})",
            precision.unwrap_or(10),
            scale.unwrap_or(0)
        ),
        SqlType::Text => "TEXT".into(),
        SqlType::Varchar(n) => format!("VARCHAR({n})"),
        SqlType::Blob => "BLOB".into(),
        SqlType::Date => "DATE".into(),
        SqlType::Time => "TIME".into(),
        SqlType::Timestamp => "DATETIME(6)".into(),
        SqlType::TimestampTz => "TIMESTAMP(6)".into(),
        SqlType::Uuid => "UUID".into(),
        SqlType::Json | SqlType::Jsonb => "JSON".into(),
        SqlType::Enum { labels, .. } => format!(
            "ENUM({})",
            labels
                .iter()
                .map(|l| sql_string(l))
                .collect::<Vec<_>>()
                .join(",")
        ),
        SqlType::Custom(text) => {
            // The generic spellings of precisions: `TIMESTAMP(3)` has no zone (DATETIME),
            // `TIMESTAMPTZ(3)` is an instant (TIMESTAMP).
            if let Some(p) = text.strip_prefix("TIMESTAMPTZ(") {
                format!("TIMESTAMP({p}")
            } else if let Some(p) = text.strip_prefix("TIMESTAMP(") {
                format!("DATETIME({p}")
            } else {
                text.clone()
            }
        }
    }
}

/// A type both sides of a diff spell alike: `JSONB` is `JSON`, `NUMERIC` has MariaDB's default
/// precision (10, 0), an enum's name is not stored (MariaDB's enums are inline).
pub fn canonical_type(ty: &SqlType) -> SqlType {
    match ty {
        SqlType::Jsonb => SqlType::Json,
        SqlType::Numeric { precision, scale } => SqlType::Numeric {
            precision: Some(precision.unwrap_or(10)),
            scale: Some(scale.unwrap_or(0)),
        },
        SqlType::Enum { labels, .. } => SqlType::Enum {
            name: String::new(),
            labels: labels.clone(),
        },
        SqlType::Custom(text) if text == "TIMESTAMP(6)" || text == "DATETIME(6)" => {
            SqlType::Timestamp
        }
        SqlType::Custom(text) if text == "TIMESTAMPTZ(6)" => SqlType::TimestampTz,
        other => other.clone(),
    }
}

/// MariaDB's `COLUMN_TYPE` (`bigint(20)`, `tinyint(1)`, `datetime(6)`, `enum('a','b')`) as a
/// generic type. `json_checked`: the column carries MariaDB's `json_valid` check (its `JSON`).
pub fn parse_column_type(column_type: &str, json_checked: bool) -> SqlType {
    let t = column_type.trim().to_ascii_lowercase();
    if json_checked && t == "longtext" {
        return SqlType::Json;
    }
    if t.starts_with("enum(") && t.ends_with(')') {
        return SqlType::Enum {
            name: String::new(),
            labels: string_literals(&column_type.trim()[5..column_type.trim().len() - 1]),
        };
    }
    let (base, args) = match t.find('(') {
        Some(open) => (&t[..open], Some(&t[open..])),
        None => (t.as_str(), None),
    };
    // Display widths of integers mean nothing (`int(11)`), unless unsigned or zerofill follow.
    let rest = args
        .and_then(|a| a.find(')').map(|i| a[i + 1..].trim()))
        .unwrap_or("");
    match (base, args, rest) {
        ("tinyint", Some("(1)"), "") => SqlType::Boolean,
        ("smallint", _, "") => SqlType::SmallInt,
        ("int", _, "") => SqlType::Integer,
        ("bigint", _, "") => SqlType::BigInt,
        ("float", None, "") => SqlType::Real,
        ("double", None, "") => SqlType::Double,
        ("text", None, _) => SqlType::Text,
        ("blob", None, _) => SqlType::Blob,
        ("date", None, _) => SqlType::Date,
        ("time", None, _) => SqlType::Time,
        ("datetime", Some("(6)"), _) => SqlType::Timestamp,
        ("datetime", Some(p), _) => SqlType::Custom(format!("TIMESTAMP{p}")),
        ("datetime", None, _) => SqlType::Custom("TIMESTAMP(0)".into()),
        ("timestamp", Some("(6)"), _) => SqlType::TimestampTz,
        ("timestamp", Some(p), _) => SqlType::Custom(format!("TIMESTAMPTZ{p}")),
        ("timestamp", None, _) => SqlType::Custom("TIMESTAMPTZ(0)".into()),
        ("uuid", None, _) => SqlType::Uuid,
        ("tinyint" | "smallint" | "mediumint" | "int" | "bigint", _, _) => {
            // `bigint(20) unsigned` is `BIGINT UNSIGNED`.
            SqlType::Custom(format!("{base} {rest}").trim().to_ascii_uppercase())
        }
        _ => SqlType::parse(&t),
    }
}

/// A default as both sides compare it: the clock functions are `CURRENT_TIMESTAMP` (MariaDB
/// reports `current_timestamp(6)`), booleans are `1`/`0`, a number on a `DECIMAL` loses its
/// trailing zeros (`0.00` is `0`).
pub fn normalize_default(expr: &str, ty: &SqlType) -> String {
    let e = crate::sql::normalize_default(expr.trim());
    let e = e.trim();
    let lower = e.to_ascii_lowercase();
    let clock = lower
        .strip_suffix(')')
        .and_then(|l| l.split_once('('))
        .is_some_and(|(f, arg)| {
            matches!(f, "current_timestamp" | "now" | "localtimestamp")
                && arg.bytes().all(|b| b.is_ascii_digit())
        });
    if clock || matches!(lower.as_str(), "current_timestamp" | "localtimestamp") {
        return "CURRENT_TIMESTAMP".to_owned();
    }
    if *ty == SqlType::Boolean {
        match lower.as_str() {
            "true" | "'1'" => return "1".into(),
            "false" | "'0'" => return "0".into(),
            _ => {}
        }
    }
    if ty.is_numeric() || ty.is_integer() {
        let unquoted = e
            .strip_prefix('\'')
            .and_then(|x| x.strip_suffix('\''))
            .unwrap_or(e);
        if !unquoted.is_empty()
            && unquoted
                .strip_prefix('-')
                .unwrap_or(unquoted)
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.')
        {
            let mut n = unquoted.to_owned();
            if n.contains('.') {
                n = n.trim_end_matches('0').trim_end_matches('.').to_owned();
            }
            return n;
        }
    }
    e.to_owned()
}

/// An expression with MariaDB's backtick-quoted identifiers in double quotes, as the models
/// (standard SQL) write them: `` `last name` <> '' `` is `"last name" <> ''`. Still MariaDB's
/// SQL: Retort's sessions run with `ANSI_QUOTES`. Strings are left alone.
pub fn ansi_quoted(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                // A string (or an identifier already in double quotes), copied whole.
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' {
                        out.extend(chars.next());
                    } else if d == c {
                        if chars.peek() == Some(&c) {
                            out.extend(chars.next());
                        } else {
                            break;
                        }
                    }
                }
            }
            '`' => {
                let mut name = String::new();
                while let Some(d) = chars.next() {
                    if d == '`' {
                        if chars.peek() == Some(&'`') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    name.push(d);
                }
                out.push_str(&crate::dialect::standard::quote_ident(&name));
            }
            c => out.push(c),
        }
    }
    out
}

/// The string literals of a list (`'a','it''s'`), unquoted.
fn string_literals(list: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut label = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    label.push('\'');
                }
                '\'' => break,
                '\\' => label.extend(chars.next()),
                c => label.push(c),
            }
        }
        labels.push(label);
    }
    labels
}
