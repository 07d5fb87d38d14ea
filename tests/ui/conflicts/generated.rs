use retort::Model;

#[derive(Model)]
pub struct Line {
    #[model(primary_key, generated = "1")]
    pub id: i64,
    #[model(stored)]
    pub qty: i64,
    #[model(generated = "qty * 2", default = "0")]
    pub twice: i64,
    #[model(generated = "")]
    pub empty: i64,
}

fn main() {}
