use retort::Model;

#[derive(Model)]
#[model]
pub struct User {
    #[model = "id"]
    pub id: i64,
}

fn main() {}
