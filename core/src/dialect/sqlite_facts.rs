//! SQLite's answers to [`DialectFacts`]: enums held as a `CHECK` of their labels, a trigger
//! cannot be disabled, and diesel's affinity-based type names.

use super::facts::{DialectFacts, DieselType, DieselTypes};
use super::Sqlite;
use crate::schema::SqlType;

impl DialectFacts for Sqlite {
    /// An enum is `TEXT` with `CHECK ("col" IN ('a', 'b'))` ([`super::sqlite::enum_check`]).
    fn enum_labels_in(&self, column: &str, clause: &str) -> Option<Vec<String>> {
        crate::sql::enum_check_labels(column, [clause])
    }

    fn set_triggers_aside(&self, _table: &str, them: &str, each: &str) -> String {
        format!(
            "drop {them} while migrating (`DROP TRIGGER {each};`; SQLite cannot disable a \
             trigger, so create it again afterwards)"
        )
    }

    fn diesel_types(&self) -> Option<&dyn DieselTypes> {
        Some(self)
    }
}

impl DieselTypes for Sqlite {
    fn diesel_type(&self, ty: &SqlType) -> DieselType {
        sqlite_type(ty)
    }

    /// Every SQLite type has a diesel name: no custom types.
    fn custom_type_attribute(&self, sql_name: &str) -> String {
        format!("sqlite_type(name = {sql_name})")
    }
}

/// SQLite: diesel's affinity-based names (`Double` for NUMERIC, as diesel_cli infers it).
fn sqlite_type(ty: &SqlType) -> DieselType {
    let name = match ty {
        SqlType::Boolean => "Bool",
        SqlType::SmallInt => "SmallInt",
        SqlType::Integer => "Integer",
        SqlType::BigInt => "BigInt",
        SqlType::Real => "Float",
        SqlType::Double | SqlType::Numeric { .. } => "Double",
        // An enum is checked TEXT on SQLite.
        SqlType::Text | SqlType::Varchar(_) | SqlType::Uuid | SqlType::Enum { .. } => "Text",
        SqlType::Blob => "Binary",
        SqlType::Date => "Date",
        SqlType::Time => "Time",
        SqlType::Timestamp => "Timestamp",
        SqlType::TimestampTz => "TimestamptzSqlite",
        SqlType::Json => "Json",
        SqlType::Jsonb => "Jsonb",
        SqlType::Custom(text) => return sqlite_affinity(text),
    };
    DieselType::known(name)
}

/// diesel_cli's SQLite rules for a declared type name.
fn sqlite_affinity(text: &str) -> DieselType {
    let t = text.to_ascii_lowercase();
    let name = if t == "boolean" || t == "bool" || (t.contains("tiny") && t.contains("int")) {
        "Bool"
    } else if t == "int2" || (t.contains("small") && t.contains("int")) {
        "SmallInt"
    } else if t == "int8" || (t.contains("big") && t.contains("int")) {
        "BigInt"
    } else if t.contains("int") {
        "Integer"
    } else if t.contains("char") || t.contains("clob") || t.contains("text") {
        "Text"
    } else if t.contains("blob") || t.contains("binary") || t.is_empty() {
        "Binary"
    } else if t.contains("float") || t.contains("real") {
        "Float"
    } else if t.contains("double") || t.contains("num") || t.contains("dec") {
        "Double"
    } else if t.starts_with("datetime") || t.starts_with("timestamp") {
        "Timestamp"
    } else if t == "date" {
        "Date"
    } else if t.starts_with("time") {
        "Time"
    } else {
        // SQLite stores anything else with NUMERIC affinity; diesel reads it back as text.
        "Text"
    };
    DieselType::known(name)
}
