use retort::Model;

#[derive(Model)]
pub struct UserId(pub i64, pub String);

fn main() {}
