use retort::Model;

#[derive(Model)]
pub union Bits {
    pub id: i64,
    pub raw: u64,
}

fn main() {}
