use retort::Model;

#[derive(Model)]
pub struct User {
    #[model(primary)]
    pub id: i64,
    #[model(unique, maxlength = 80)]
    pub email: String,
}

fn main() {}
