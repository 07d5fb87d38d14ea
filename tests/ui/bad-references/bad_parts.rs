use retort::Model;

#[derive(Model)]
pub struct Post {
    pub id: i64,
    #[model(references = "public.users.id.x")]
    pub author_id: i64,
    #[model(references = "users.")]
    pub editor_id: i64,
    #[model(references = "my-users.id")]
    pub reviewer_id: i64,
}

fn main() {}
