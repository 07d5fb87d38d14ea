use retort::Model;

#[derive(Model)]
#[model(max_length = 40)]
pub struct User {
    #[model(table = "users")]
    pub id: i64,
}

fn main() {}
