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
