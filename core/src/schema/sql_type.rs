//! [`SqlType`]: a column type, independent of any database; parsed from what models and
//! catalogs write, rendered generically (each dialect renders its own).

use std::fmt;

/// A column type, independent of any database. Each dialect renders and normalises it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SqlType {
    /// `BOOLEAN` (Rust `bool`).
    Boolean,
    /// `SMALLINT`, a 16-bit integer (Rust `i16`).
    SmallInt,
    /// `INTEGER`, a 32-bit integer (Rust `i32`); in SQLite every integer is 64-bit.
    Integer,
    /// `BIGINT`, a 64-bit integer (Rust `i64`).
    BigInt,
    /// `REAL`, a 32-bit float (Rust `f32`).
    Real,
    /// `DOUBLE PRECISION`, a 64-bit float (Rust `f64`); also what a plain `FLOAT` parses to.
    Double,
    /// `NUMERIC`, optionally with precision and scale.
    Numeric {
        /// Total number of significant digits; `None` for an unconstrained `NUMERIC`.
        precision: Option<u32>,
        /// Digits after the decimal point; `None` when not written (`NUMERIC(p)` has scale 0).
        scale: Option<u32>,
    },
    /// `TEXT`, a string of unlimited length (Rust `String`).
    Text,
    /// `VARCHAR(n)`.
    Varchar(u32),
    /// Binary data: `BLOB`, rendered `BYTEA` on PostgreSQL (Rust `Vec<u8>`).
    Blob,
    /// `DATE`, a calendar date without time of day (Rust `chrono::NaiveDate`).
    Date,
    /// `TIME`, a time of day without time zone (Rust `chrono::NaiveTime`).
    Time,
    /// `TIMESTAMP` (also `DATETIME`): date and time without zone (Rust `chrono::NaiveDateTime`).
    Timestamp,
    /// `TIMESTAMPTZ`, an instant with time zone (Rust `chrono::DateTime<Utc>` or `<FixedOffset>`).
    TimestampTz,
    /// `UUID` (Rust `uuid::Uuid`).
    Uuid,
    /// `JSON`, stored as text (Rust `serde_json::Value`).
    Json,
    /// PostgreSQL's binary JSON; SQLite stores it like `JSON`.
    Jsonb,
    /// Any other type, kept as written (upper-cased, whitespace collapsed).
    Custom(String),
    /// A `#[derive(retort::DbEnum)]` type: one of a fixed list of labels, in order.
    /// PostgreSQL: a native enum type named `name` (the dialect keeps the labels in
    /// [`super::Schema::enums`] and the column names the type only, `labels` empty). SQLite: `TEXT`
    /// with a `CHECK ("col" IN ('a', 'b'))` clause.
    Enum {
        /// The type's name (`CREATE TYPE "name" AS ENUM`).
        name: String,
        /// The labels, in declaration order; empty where the schema keeps them apart.
        labels: Vec<String>,
    },
}

impl SqlType {
    /// Parses a type as written in a model's `sql_type` or reported by a database catalog.
    /// Unknown names become [`SqlType::Custom`]; parsing never fails.
    pub fn parse(text: &str) -> SqlType {
        let norm = normalise_type_text(text);
        let custom = || SqlType::Custom(norm.clone());
        // `TIME[STAMP][(p)] WITH[OUT] TIME ZONE`: the zone clause follows the precision.
        let (head, zone) = if let Some(h) = norm.strip_suffix(" WITHOUT TIME ZONE") {
            (h, Some(false))
        } else if let Some(h) = norm.strip_suffix(" WITH TIME ZONE") {
            (h, Some(true))
        } else {
            (norm.as_str(), None)
        };
        let (base, args) = match head.find('(') {
            Some(open) if head.ends_with(')') => {
                let args: Vec<&str> = head[open + 1..head.len() - 1]
                    .split(',')
                    .map(str::trim)
                    .collect();
                (head[..open].trim_end(), Some(args))
            }
            _ => (head, None),
        };
        let base = match (base, zone) {
            (_, None) | ("TIMESTAMP" | "TIME", Some(false)) => base,
            ("TIMESTAMP", Some(true)) => "TIMESTAMPTZ",
            ("TIME", Some(true)) => "TIMETZ",
            _ => return custom(),
        };
        let nums: Option<Vec<u32>> = args
            .as_ref()
            .map(|a| a.iter().map(|s| s.parse::<u32>()).collect())
            .transpose()
            .ok()
            .flatten();
        let plain = |ty: SqlType| {
            if args.is_none() {
                ty
            } else {
                custom()
            }
        };
        // A type whose only argument is a precision: `TIMESTAMP(3)`, kept as `Custom("TIMESTAMP(3)")`.
        let precision = |ty: SqlType, name: &str| match (args.is_none(), nums.as_deref()) {
            (true, _) => ty,
            (false, Some([p])) => SqlType::Custom(format!("{name}({p})")),
            _ => custom(),
        };
        match base {
            "BOOLEAN" | "BOOL" => plain(SqlType::Boolean),
            // PostgreSQL reports serial columns as their integer type plus a sequence default.
            "SMALLINT" | "INT2" | "SMALLSERIAL" | "SERIAL2" => plain(SqlType::SmallInt),
            "INTEGER" | "INT" | "INT4" | "SERIAL" | "SERIAL4" => plain(SqlType::Integer),
            "BIGINT" | "INT8" | "BIGSERIAL" | "SERIAL8" => plain(SqlType::BigInt),
            "REAL" | "FLOAT4" => plain(SqlType::Real),
            "DOUBLE PRECISION" | "DOUBLE" | "FLOAT8" => plain(SqlType::Double),
            // FLOAT(1..24) is REAL, FLOAT(25..53) and plain FLOAT are DOUBLE PRECISION.
            "FLOAT" => match (args.is_none(), nums.as_deref()) {
                (true, _) => SqlType::Double,
                (false, Some([1..=24])) => SqlType::Real,
                (false, Some([25..=53])) => SqlType::Double,
                _ => custom(),
            },
            "TEXT" => plain(SqlType::Text),
            "BLOB" | "BYTEA" => plain(SqlType::Blob),
            "DATE" => plain(SqlType::Date),
            "TIME" => precision(SqlType::Time, "TIME"),
            "TIMETZ" => precision(SqlType::Custom("TIMETZ".into()), "TIMETZ"),
            "TIMESTAMP" | "DATETIME" => precision(SqlType::Timestamp, "TIMESTAMP"),
            "TIMESTAMPTZ" => precision(SqlType::TimestampTz, "TIMESTAMPTZ"),
            "UUID" => plain(SqlType::Uuid),
            "JSON" => plain(SqlType::Json),
            "JSONB" => plain(SqlType::Jsonb),
            "VARCHAR" | "CHARACTER VARYING" => match nums.as_deref() {
                Some([n]) => SqlType::Varchar(*n),
                // Without a length: unlimited, spelled `VARCHAR`.
                None if args.is_none() => SqlType::Custom("VARCHAR".into()),
                _ => custom(),
            },
            // Blank-padded; without a length the SQL standard (and PostgreSQL) mean one character.
            "CHAR" | "CHARACTER" | "BPCHAR" => match nums.as_deref() {
                Some([n]) => SqlType::Custom(format!("CHAR({n})")),
                None if args.is_none() && base != "BPCHAR" => SqlType::Custom("CHAR(1)".into()),
                _ => custom(),
            },
            "NUMERIC" | "DECIMAL" => match nums.as_deref() {
                None if args.is_none() => SqlType::Numeric {
                    precision: None,
                    scale: None,
                },
                Some([p]) => SqlType::Numeric {
                    precision: Some(*p),
                    scale: None,
                },
                Some([p, s]) => SqlType::Numeric {
                    precision: Some(*p),
                    scale: Some(*s),
                },
                _ => custom(),
            },
            _ => custom(),
        }
    }

    /// Why changing a column from `self` to `to` can fail on, or lose, existing values on a
    /// database that enforces column types (PostgreSQL); `None` for widening changes. A dialect
    /// says what happens on its own backend: [`crate::dialect::Dialect::type_change_risk`].
    pub fn narrowing_to(&self, to: &SqlType) -> Option<&'static str> {
        use SqlType::*;
        let rank = |t: &SqlType| match t {
            SmallInt => Some(1),
            Integer => Some(2),
            BigInt => Some(3),
            _ => None,
        };
        if self == to {
            return None;
        }
        match (self, to) {
            (a, b) if rank(a).is_some() && rank(b).is_some() => {
                (rank(b) < rank(a)).then_some("values out of the new range are refused: the upgrade fails")
            }
            (Varchar(a), Varchar(b)) => {
                (b < a).then_some("longer strings are refused: the upgrade fails")
            }
            (Text, Varchar(_)) => Some("longer strings are refused: the upgrade fails"),
            (Varchar(_), Text) => None,
            (Double, Real) => Some("values lose precision"),
            (Real, Double) => None,
            (SmallInt | Integer | BigInt, Real | Double | Numeric { .. }) => None,
            (
                Numeric {
                    precision: p1,
                    scale: s1,
                },
                Numeric {
                    precision: p2,
                    scale: s2,
                },
            ) => (p2.unwrap_or(u32::MAX) < p1.unwrap_or(u32::MAX)
                || s2.unwrap_or(0) < s1.unwrap_or(0))
            .then_some("values are rounded to the new scale; values too large are refused: the upgrade fails"),
            (TimestampTz, Timestamp) => {
                Some("values become local times of the session's time zone, the zone dropped")
            }
            (Timestamp, TimestampTz) | (Date, Timestamp | TimestampTz) => None,
            (Json, Jsonb) | (Jsonb, Json) => None,
            _ => Some(
                "values are converted with a cast; values that do not convert are refused: the upgrade fails",
            ),
        }
    }

    /// True for the integer family (`SMALLINT`, `INTEGER`, `BIGINT`).
    pub fn is_integer(&self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
    }

    /// True for every number type: integers, `REAL`, `DOUBLE PRECISION`, `NUMERIC`.
    pub fn is_numeric(&self) -> bool {
        self.is_integer()
            || matches!(
                self,
                SqlType::Real | SqlType::Double | SqlType::Numeric { .. }
            )
    }
}

/// Generic, dialect-neutral spelling; dialects render their own.
impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::Boolean => f.write_str("BOOLEAN"),
            SqlType::SmallInt => f.write_str("SMALLINT"),
            SqlType::Integer => f.write_str("INTEGER"),
            SqlType::BigInt => f.write_str("BIGINT"),
            SqlType::Real => f.write_str("REAL"),
            SqlType::Double => f.write_str("DOUBLE PRECISION"),
            SqlType::Numeric {
                precision: None, ..
            } => f.write_str("NUMERIC"),
            SqlType::Numeric {
                precision: Some(p),
                scale: None,
            } => write!(f, "NUMERIC({p})"),
            SqlType::Numeric {
                precision: Some(p),
                scale: Some(s),
            } => write!(f, "NUMERIC({p},{s})"),
            SqlType::Text => f.write_str("TEXT"),
            SqlType::Varchar(n) => write!(f, "VARCHAR({n})"),
            SqlType::Blob => f.write_str("BLOB"),
            SqlType::Date => f.write_str("DATE"),
            SqlType::Time => f.write_str("TIME"),
            SqlType::Timestamp => f.write_str("TIMESTAMP"),
            SqlType::TimestampTz => f.write_str("TIMESTAMPTZ"),
            SqlType::Uuid => f.write_str("UUID"),
            SqlType::Json => f.write_str("JSON"),
            SqlType::Jsonb => f.write_str("JSONB"),
            SqlType::Custom(s) => f.write_str(s),
            SqlType::Enum { name, labels } if labels.is_empty() => write!(f, "ENUM {name}"),
            SqlType::Enum { name, labels } => write!(f, "ENUM {name}({})", labels.join(", ")),
        }
    }
}

fn normalise_type_text(text: &str) -> String {
    // Upper case and collapsed white space, except inside double quotes: `"Mood"` is a
    // case-sensitive name (an enum, a domain) and stays exactly as written.
    let text = text.trim();
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
            out.push(c);
            last_space = false;
        } else if quoted {
            out.push(c);
        } else if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            // no space before '(' or ',' or ')' and none after '(' or ','
            if matches!(c, '(' | ',' | ')') && out.ends_with(' ') {
                out.pop();
            }
            out.push(c.to_ascii_uppercase());
            last_space = false;
        }
    }
    if text.contains('"') {
        out
    } else {
        out.replace("( ", "(").replace(", ", ",")
    }
}
