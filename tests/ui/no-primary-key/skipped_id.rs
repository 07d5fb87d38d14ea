use retort::Model;

#[derive(Model)]
pub struct Setting {
    #[model(skip)]
    pub id: u64,
    pub key: String,
}

fn main() {}
