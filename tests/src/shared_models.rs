//! A table with a column of every supported type, shared by the v1 and v2 test models, so
//! every round trip proves that a freshly upgraded database shows no spurious differences.

use retort::Model;

#[derive(Debug, Model)]
pub struct Sample {
    pub id: i64,
    pub flag: bool,
    pub small: i16,
    pub medium: i32,
    pub big: i64,
    pub single: f32,
    pub double: f64,
    pub text: String,
    #[model(max_length = 80, default = "'n/a'")]
    pub label: String,
    pub bytes: Vec<u8>,
    #[model(sql_type = "NUMERIC(10,2)", default = "0")]
    pub price: String,
    pub day: chrono::NaiveDate,
    pub at: chrono::NaiveTime,
    #[model(default = "CURRENT_TIMESTAMP")]
    pub created: chrono::NaiveDateTime,
    pub seen: Option<chrono::DateTime<chrono::Utc>>,
    pub uid: Option<uuid::Uuid>,
    pub doc: Option<serde_json::Value>,
    #[model(sql_type = "JSONB")]
    pub doc_b: Option<String>,
    #[model(default = "-1")]
    pub negative: i32,
    #[model(default = "true")]
    pub enabled: bool,
}

/// Less common spellings that PostgreSQL stores differently from how they are written
/// (expression defaults, `NULL` and exponent defaults, type aliases), and identifiers longer
/// than the 63 bytes PostgreSQL keeps: `check` must be clean right after `upgrade` anyway. The
/// conventional names of its constraints are longer too: they are shortened with a hash.
#[derive(Debug, Model)]
#[model(table = "unusual_spellings_in_a_table_whose_name_is_longer_than_postgres_allows")]
#[model(index(columns("code", "free")))]
pub struct Unusual {
    pub id: i64,
    #[model(default = "'a' || 'b'")]
    pub expr: String,
    #[model(default = "lower('X')")]
    pub expr2: String,
    /// PostgreSQL only: SQLite has no `now()` (creating the table works, inserting would not).
    #[model(default = "now()")]
    pub stamped: Option<chrono::DateTime<chrono::Utc>>,
    #[model(default = "NULL")]
    pub maybe: Option<String>,
    #[model(default = "1e3")]
    pub ratio: f64,
    #[model(sql_type = "character varying")]
    pub free: String,
    #[model(sql_type = "char(2)")]
    pub code: String,
    #[model(sql_type = "float")]
    pub approx: f64,
    #[model(sql_type = "timestamp(3)")]
    pub precise: Option<chrono::NaiveDateTime>,
    #[model(sql_type = "timestamptz")]
    pub zoned: Option<chrono::DateTime<chrono::Utc>>,
    #[model(unique)]
    pub some_quite_long_column_name_for_index: i32,
    #[model(references = "accounts.id", on_delete = "cascade")]
    pub account_id_with_a_long_name_so_the_foreign_key_name_is_long_too: Option<i64>,
    pub a_column_whose_own_name_is_longer_than_the_sixty_three_bytes_kept: Option<i32>,
}
