use retort::Model;

#[derive(Model)]
#[model(index(columns("email"), uniq))]
pub struct User {
    pub id: i64,
    pub email: String,
}

fn main() {}
