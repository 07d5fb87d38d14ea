use retort::Model;

#[derive(Model)]
pub struct User {
    pub id: i64,
    #[model(unique, max_length = 80, unique)]
    pub email: String,
}

fn main() {}
