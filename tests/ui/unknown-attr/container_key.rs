use retort::Model;

#[derive(Model)]
#[model(tabel = "users")]
pub struct User {
    pub id: i64,
}

fn main() {}
