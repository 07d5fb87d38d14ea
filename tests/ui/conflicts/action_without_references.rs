use retort::Model;

#[derive(Model)]
pub struct Post {
    pub id: i64,
    #[model(on_delete = "cascade", on_update = "cascade")]
    pub author_id: i64,
}

fn main() {}
