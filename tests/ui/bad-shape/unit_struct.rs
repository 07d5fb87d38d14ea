use retort::Model;

#[derive(Model)]
pub struct Marker;

fn main() {}
