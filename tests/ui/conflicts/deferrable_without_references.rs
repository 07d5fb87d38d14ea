use retort::Model;

#[derive(Model)]
pub struct Post {
    pub id: i64,
    #[model(deferrable, initially_deferred)]
    pub author_id: i64,
}

fn main() {}
