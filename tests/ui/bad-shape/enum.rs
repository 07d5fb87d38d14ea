use retort::Model;

#[derive(Model)]
pub enum Status {
    Active,
    Banned,
}

fn main() {
    // The placeholder impl keeps this from adding a second error.
    let _ = Status::TABLE;
}
