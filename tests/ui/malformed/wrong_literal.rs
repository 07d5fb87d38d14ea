use retort::Model;

#[derive(Model)]
#[model(table = 5)]
pub struct User {
    #[model(primary_key = true)]
    pub id: i64,
    #[model(max_length = "255")]
    pub name: String,
    #[model(default = 0)]
    pub age: i32,
}

fn main() {}
