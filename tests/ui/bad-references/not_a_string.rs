use retort::Model;

#[derive(Model)]
pub struct Post {
    pub id: i64,
    #[model(references = users.id)]
    pub author_id: i64,
}

fn main() {}
