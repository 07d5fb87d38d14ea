//! One compile reports every mistake, and the placeholder impl keeps code that uses the model
//! from piling on more errors.

use retort::Model;

#[derive(Model)]
#[model(tabel = "users", index(columns("nickname")))]
pub struct User {
    #[model(primary_key, primary_key)]
    pub id: i64,
    #[model(max_length = 0)]
    pub email: String,
    #[model(references = "orgs", on_delete = "explode")]
    pub org_id: i64,
    #[model(skip, index)]
    pub cache: Option<String>,
    #[model(sql_type = "TEXT", max_length = 10)]
    pub bio: String,
    #[model(column = "email")]
    pub email_address: String,
}

fn main() {
    assert_eq!(User::TABLE, "users");
    let _ = <User as Model>::table();
}
