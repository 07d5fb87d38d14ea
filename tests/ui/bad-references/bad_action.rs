use retort::Model;

#[derive(Model)]
pub struct Post {
    pub id: i64,
    #[model(references = "users.id", on_delete = "delete", on_update = "set-null")]
    pub author_id: i64,
}

fn main() {}
