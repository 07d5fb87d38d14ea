use retort::Model;

#[derive(Model)]
pub struct Order {
    pub id: i64,
    #[model(serial)]
    pub code: String,
    #[model(identity = "always")]
    pub weight: f64,
}

fn main() {}
