//! Default names (struct, raw identifiers), every built-in column type, a user `ColumnType`,
//! `sql_type` nullability, and attributes that belong to other derives or to rustdoc.

use retort::schema::SqlType;
use retort::{ColumnType, Model};

/// A newtype with its own column type.
pub struct Email(pub String);

impl ColumnType for Email {
    fn sql_type() -> SqlType {
        SqlType::Varchar(320)
    }
}

/// An HTTP request log line.
#[derive(Model, Debug, Clone, PartialEq)]
#[allow(dead_code)]
pub struct HTTPLog {
    /// The key, found by its name.
    pub id: i64,
    pub r#type: String,
    pub ok: bool,
    pub small: i16,
    pub ratio: f32,
    pub body: Vec<u8>,
    pub day: chrono::NaiveDate,
    pub at: chrono::NaiveTime,
    pub stamped: chrono::DateTime<chrono::Utc>,
    pub local: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[model(max_length = 16)]
    pub code: Option<String>,
    #[model(sql_type = "citext")]
    pub tag: Option<std::collections::BTreeSet<String>>,
    #[model(sql_type = "jsonb", default = "'{}'")]
    pub extra: std::collections::HashMap<String, String>,
}

#[derive(Model)]
pub struct Contact {
    #[model(column = "id")]
    pub contact_id: i64,
    #[model(unique)]
    pub email: Email,
    #[model(skip)]
    pub id: std::time::Duration,
}

fn main() {
    assert_eq!(HTTPLog::TABLE, "http_logs");
    let table = HTTPLog::table();
    let types: Vec<(&str, SqlType, bool)> = table
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.ty.clone(), c.nullable))
        .collect();
    assert_eq!(
        types,
        [
            ("id", SqlType::BigInt, false),
            ("type", SqlType::Text, false),
            ("ok", SqlType::Boolean, false),
            ("small", SqlType::SmallInt, false),
            ("ratio", SqlType::Real, false),
            ("body", SqlType::Blob, false),
            ("day", SqlType::Date, false),
            ("at", SqlType::Time, false),
            ("stamped", SqlType::TimestampTz, false),
            ("local", SqlType::TimestampTz, true),
            ("code", SqlType::Varchar(16), true),
            ("tag", SqlType::parse("citext"), true),
            ("extra", SqlType::parse("jsonb"), false),
        ]
    );
    assert_eq!(
        table.column("extra").unwrap().default.as_deref(),
        Some("'{}'")
    );
    assert_eq!(table.primary_key, ["id"]);

    assert_eq!(Contact::TABLE, "contacts");
    let table = Contact::table();
    assert_eq!(table.primary_key, ["id"]);
    assert_eq!(table.columns.len(), 2);
    assert_eq!(table.column("email").unwrap().ty, SqlType::Varchar(320));
    assert_eq!(table.indexes[0].name, "uq_contacts_email");
}
