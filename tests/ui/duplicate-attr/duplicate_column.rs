use retort::Model;

#[derive(Model)]
pub struct User {
    pub id: i64,
    pub email: String,
    #[model(column = "email")]
    pub email_address: String,
}

fn main() {}
