use retort::Model;

#[derive(Model)]
pub struct Counter {
    pub id: u64,
}

fn main() {}
