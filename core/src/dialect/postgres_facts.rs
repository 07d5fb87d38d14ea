//! PostgreSQL's answers to [`DialectFacts`]: 63-byte identifiers, type families, enum types
//! swapped unless labels are only added, serial sequences, `DISABLE TRIGGER`, and the server's
//! own type names for diesel.

use super::facts::{camel, DialectFacts, DieselType, DieselTypes};
use super::Postgres;
use crate::schema::SqlType;

fn words_upper(statement: &str) -> impl Iterator<Item = String> + '_ {
    statement.split_whitespace().map(str::to_ascii_uppercase)
}

impl DialectFacts for Postgres {
    fn around_created_objects(&self) -> (&'static str, &'static str) {
        (
            "SET check_function_bodies = false;\n",
            "RESET check_function_bodies;\n",
        )
    }

    fn identifier_limit(&self) -> Option<usize> {
        Some(super::postgres::MAX_IDENTIFIER_BYTES)
    }

    fn runs_alone(&self, statement: &str) -> bool {
        use crate::sql::{ddl, Ddl};
        match ddl(statement) {
            Ddl::CreateIndex { concurrently, .. } | Ddl::DropIndex { concurrently } => concurrently,
            _ => {
                let words: Vec<String> = statement
                    .split_whitespace()
                    .take(3)
                    .map(str::to_ascii_uppercase)
                    .collect();
                let w = |i: usize| words.get(i).map_or("", String::as_str);
                matches!(w(0), "VACUUM")
                    // A DO block that commits (a batched backfill) cannot run inside one.
                    || (w(0) == "DO" && words_upper(statement).any(|w| w == "COMMIT;" || w == "COMMIT"))
                    || (w(0) == "REINDEX"
                        && statement.to_ascii_uppercase().contains("CONCURRENTLY"))
                    || (matches!(w(0), "CREATE" | "DROP")
                        && matches!(w(1), "DATABASE" | "TABLESPACE"))
                    || (w(0) == "ALTER" && w(1) == "SYSTEM")
            }
        }
    }

    fn has_online_forms(&self) -> bool {
        true
    }

    fn keeps_expressions_across(&self, from: &SqlType, to: &SqlType) -> bool {
        super::postgres::same_family(from, to)
    }

    fn enum_change_converts_columns(&self, from: &[String], to: &[String]) -> bool {
        !super::pg_enum::only_adds(from, to)
    }

    fn default_serial_sequence_name(&self, table: &str, column: &str) -> String {
        super::postgres::default_serial_sequence_name(table, column)
    }

    fn serial_sequence_name(&self, definition: &str) -> Option<String> {
        super::postgres::serial_sequence_bare_name(definition)
    }

    fn serial_sequence_type(&self, definition: &str) -> Option<SqlType> {
        super::postgres::serial_sequence_type(definition)
    }

    fn diesel_types(&self) -> Option<&dyn DieselTypes> {
        Some(self)
    }

    fn set_triggers_aside(&self, table: &str, them: &str, each: &str) -> String {
        format!(
            "disable {them} while migrating (`ALTER TABLE {table} DISABLE TRIGGER {each};`, \
             then `ENABLE TRIGGER {each}` afterwards) or drop {them}"
        )
    }
}

impl DieselTypes for Postgres {
    fn diesel_type(&self, ty: &SqlType) -> DieselType {
        postgres_type(ty)
    }

    fn custom_type_attribute(&self, sql_name: &str) -> String {
        format!("postgres_type(name = {sql_name})")
    }
}

/// PostgreSQL: the server's own type names, as diesel_cli writes them.
fn postgres_type(ty: &SqlType) -> DieselType {
    let name = match ty {
        SqlType::Boolean => "Bool",
        SqlType::SmallInt => "Int2",
        SqlType::Integer => "Int4",
        SqlType::BigInt => "Int8",
        SqlType::Real => "Float4",
        SqlType::Double => "Float8",
        SqlType::Numeric { .. } => "Numeric",
        SqlType::Text => "Text",
        SqlType::Varchar(n) => {
            return DieselType {
                name: "Varchar".into(),
                max_length: Some(*n),
                custom: None,
            }
        }
        SqlType::Blob => "Bytea",
        SqlType::Date => "Date",
        SqlType::Time => "Time",
        SqlType::Timestamp => "Timestamp",
        SqlType::TimestampTz => "Timestamptz",
        SqlType::Uuid => "Uuid",
        SqlType::Json => "Json",
        SqlType::Jsonb => "Jsonb",
        SqlType::Custom(text) => return postgres_custom(text),
        // A custom SQL type, as diesel_cli writes one for an enum type.
        SqlType::Enum { name, .. } => {
            return DieselType {
                name: camel(name),
                max_length: None,
                custom: Some((camel(name), name.clone())),
            }
        }
    };
    DieselType::known(name)
}

/// A PostgreSQL type outside [`SqlType`]'s named ones (kept upper-cased as written).
fn postgres_custom(text: &str) -> DieselType {
    if let Some(element) = text.strip_suffix("[]") {
        let inner = postgres_type(&SqlType::parse(element));
        return DieselType {
            name: format!("Array<Nullable<{}>>", inner.name),
            max_length: None,
            custom: inner.custom,
        };
    }
    let lower = text.to_ascii_lowercase();
    let (base, args) = match lower.split_once('(') {
        Some((base, args)) => (base.trim(), Some(args.trim_end_matches(')').trim())),
        None => (lower.as_str(), None),
    };
    let length = args.and_then(|a| a.parse::<u32>().ok());
    let known = |name: &str| DieselType::known(name);
    match base {
        "char" | "character" | "bpchar" => DieselType {
            name: "Bpchar".into(),
            max_length: length,
            custom: None,
        },
        "character varying" | "varchar" => DieselType {
            name: "Varchar".into(),
            max_length: length,
            custom: None,
        },
        "timestamp" | "timestamp without time zone" => known("Timestamp"),
        "timestamptz" | "timestamp with time zone" => known("Timestamptz"),
        "time" | "time without time zone" => known("Time"),
        "timetz" | "time with time zone" => known("Timetz"),
        "interval" => known("Interval"),
        "inet" => known("Inet"),
        "cidr" => known("Cidr"),
        "macaddr" => known("MacAddr"),
        "macaddr8" => known("MacAddr8"),
        "money" => known("Money"),
        "oid" => known("Oid"),
        "int4range" => known("Int4range"),
        "int8range" => known("Int8range"),
        "numrange" => known("Numrange"),
        "tsrange" => known("Tsrange"),
        "tstzrange" => known("Tstzrange"),
        "daterange" => known("Daterange"),
        "float" | "float8" | "double precision" => known("Float8"),
        "float4" | "real" => known("Float4"),
        "int" | "int4" | "integer" | "serial" => known("Int4"),
        "int8" | "bigint" | "bigserial" => known("Int8"),
        "int2" | "smallint" | "smallserial" => known("Int2"),
        "decimal" | "numeric" => known("Numeric"),
        "bool" | "boolean" => known("Bool"),
        _ => {
            let sql = base.rsplit('.').next().unwrap_or(base).trim_matches('"');
            DieselType {
                name: camel(sql),
                max_length: None,
                custom: Some((camel(sql), sql.to_owned())),
            }
        }
    }
}
