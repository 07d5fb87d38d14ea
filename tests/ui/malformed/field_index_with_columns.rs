use retort::Model;

#[derive(Model)]
pub struct User {
    pub id: i64,
    #[model(index(columns("first_name", "last_name")))]
    pub first_name: String,
    pub last_name: String,
}

fn main() {}
