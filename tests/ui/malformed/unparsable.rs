use retort::Model;

#[derive(Model)]
#[model(table = "users" index)]
pub struct User {
    pub id: i64,
    #[model(max_length = )]
    pub name: String,
}

fn main() {}
