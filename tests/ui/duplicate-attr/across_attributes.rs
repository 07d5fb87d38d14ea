use retort::Model;

#[derive(Model)]
#[model(table = "users")]
#[model(table = "people")]
pub struct User {
    pub id: i64,
    #[model(column = "mail")]
    #[model(column = "email")]
    pub email: String,
}

fn main() {}
