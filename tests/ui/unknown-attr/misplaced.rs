use retort::Model;

#[derive(Model)]
#[model(primary_key)]
pub struct User {
    #[model(table = "users")]
    pub id: i64,
}

fn main() {}
