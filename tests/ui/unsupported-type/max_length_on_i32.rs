use retort::Model;

#[derive(Model)]
pub struct User {
    pub id: i64,
    #[model(max_length = 3)]
    pub age: i32,
    #[model(max_length = 255)]
    pub tags: Vec<u8>,
}

fn main() {}
