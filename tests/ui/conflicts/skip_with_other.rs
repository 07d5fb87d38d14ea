use retort::Model;

#[derive(Model)]
pub struct User {
    pub id: i64,
    #[model(skip, unique, default = "''")]
    pub cache: String,
}

fn main() {}
